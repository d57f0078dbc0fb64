using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hosting.Local;

namespace Scalekit.Webhooks.Tests.Hosting;

public class HostJsonTests
{
    [Fact]
    public void RepositoryHostJson_GivesTheDocumentedQueueSemantics()
    {
        var options = Bind(new ConfigurationBuilder().AddFunctionsHostJson(HostJson.Find(AppContext.BaseDirectory)));
        Assert.Equal(5, options.MaxDequeueCount);
        Assert.Equal(16, options.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(30), options.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.MaxPollingInterval);
    }

    [Fact]
    public void FunctionsStyleOverride_WinsOverTheFile()
    {
        var builder = new ConfigurationBuilder()
            .AddFunctionsHostJson(HostJson.Find(AppContext.BaseDirectory))
            .AddInMemoryCollection([new("AzureFunctionsJobHost:extensions:queues:maxDequeueCount", "2")]);
        Assert.Equal(2, Bind(builder).MaxDequeueCount);
    }

    [Fact]
    public void LocalSettings_ValuesBecomeSettings_AndDoubleUnderscoreMeansSection()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "local.settings.json");
        File.WriteAllText(path, "{ \"IsEncrypted\": false, \"Values\": { \"A\": \"1\", \"AzureWebJobsStorage__accountName\": \"acct\" } }");
        var configuration = new ConfigurationBuilder().AddFunctionsLocalSettings(path).Build();
        Assert.Equal("1", configuration["A"]);
        Assert.Equal("acct", configuration["AzureWebJobsStorage:accountName"]);
    }

    [Fact]
    public void LocalSettings_InvalidJson_NamesTheFile()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "local.settings.json");
        File.WriteAllText(path, "{ not json");
        var error = Assert.Throws<InvalidDataException>(() => LocalSettings.Read(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private static QueueTriggerOptions Bind(IConfigurationBuilder builder)
    {
        var options = new QueueTriggerOptions();
        HostJson.BindQueueOptions(options, builder.Build());
        return options;
    }
}
