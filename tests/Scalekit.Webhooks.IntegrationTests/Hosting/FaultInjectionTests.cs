using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.IntegrationTests.Hosting;

/// <summary>Fault injection is a decorator that only the local host (for the soak) installs; the shared registration never has it.</summary>
public class FaultInjectionTests
{
    private static readonly EventStamp Stamp = new(DateTimeOffset.UnixEpoch, "evt_1", "organization.created");

    [Fact]
    public void SharedRegistration_NeverInjectsFaults_EvenWithTheSettingSet()
    {
        using var provider = Services(rate: "1", install: false).BuildServiceProvider();

        var processors = provider.GetServices<SourceProcessor>().ToList();

        Assert.Equal(EventSources.All.Select(source => source.Source), processors.Select(entry => entry.Source));
        Assert.DoesNotContain(processors, entry => entry.Processor is FaultInjectingProcessor);
    }

    [Fact]
    public void AddFaultInjection_WrapsTheProcessorOfEverySource()
    {
        using var provider = Services(rate: "0.25", install: true).BuildServiceProvider();

        var processors = provider.GetServices<SourceProcessor>().ToList();

        Assert.Equal(EventSources.All.Count, processors.Count);
        Assert.All(processors, entry => Assert.IsType(EventSources.Of(entry.Source).Processor, Assert.IsType<FaultInjectingProcessor>(entry.Processor).Inner));
    }

    [Fact]
    public async Task RateOne_FailsEveryAttempt_BeforeTheProcessorRuns()
    {
        var inner = new CountingProcessor();
        var processor = new FaultInjectingProcessor(inner, 1);
        using var document = JsonDocument.Parse("{}");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => processor.ProcessAsync(ReadOnlyMemory<byte>.Empty, document.RootElement, Stamp, CancellationToken.None));

        Assert.Contains(FaultInjection.Setting, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.Calls);
    }

    [Fact]
    public async Task RateZero_HandsEveryEventToTheProcessor()
    {
        var inner = new CountingProcessor();
        var processor = new FaultInjectingProcessor(inner, 0);
        using var document = JsonDocument.Parse("{}");

        for (var i = 0; i < 50; i++)
        {
            var outcome = await processor.ProcessAsync(ReadOnlyMemory<byte>.Empty, document.RootElement, Stamp, CancellationToken.None);
            Assert.Equal(ProcessingStatus.Processed, outcome.Status);
        }

        Assert.Equal(50, inner.Calls);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public void NonsenseRate_FailsAtStart_NamingTheSetting(string rate)
    {
        using var provider = Services(rate, install: true).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<FaultInjectionOptions>>().Value);

        Assert.Contains($"{FaultInjection.Setting} must be a number from 0 to 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreadableRate_FailsAtStart_NamingTheSetting()
    {
        using var provider = Services("often", install: true).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<FaultInjectionOptions>>().Value);

        Assert.Contains($"{FaultInjection.Setting} must be a number", error.Message, StringComparison.Ordinal);
    }

    private static ServiceCollection Services(string rate, bool install)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            [FaultInjection.Setting] = rate,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddScalekitWebhooks(configuration);
        if (install)
        {
            services.AddFaultInjection(configuration);
        }

        return services;
    }

    private sealed class CountingProcessor : IEventProcessor
    {
        public int Calls { get; private set; }

        public Task<ProcessingOutcome> ProcessAsync(ReadOnlyMemory<byte> payload, JsonElement root, EventStamp stamp, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(ProcessingOutcome.Applied("counted"));
        }
    }
}
