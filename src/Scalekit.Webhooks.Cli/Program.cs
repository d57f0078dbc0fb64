using Scalekit.Webhooks.Cli;

return await CliApp.RunAsync(args, Console.Out, Console.Error);
