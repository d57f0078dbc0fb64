using Scalekit.Webhooks.LocalHost;

await LocalHostApp.Build(args).RunAsync();
