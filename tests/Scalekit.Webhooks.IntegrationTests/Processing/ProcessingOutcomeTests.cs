using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>
/// Processors end an event with an outcome value: malformed data is parked on its first attempt with the reason;
/// an exception is never taken for bad data, so a genuine bug surfaces and the queue retries the event.
/// </summary>
public class ProcessingOutcomeTests(ProcessingOutcomeTests.BuggyStripeHostFixture host) : IClassFixture<ProcessingOutcomeTests.BuggyStripeHostFixture>
{
    [Theory]
    [InlineData("user.organization_membership_created", "user", "\"not an object\"", "'id'")]
    [InlineData("user.organization_membership_created", "user", "{\"email\":\"a@example.com\"}", "'id'")]
    [InlineData("user.login", "user_session", "42", "'id'")]
    [InlineData("organization.updated", "id", "[1,2]", "'id'")]
    public async Task MalformedScalekitEvent_IsParkedOnTheFirstAttempt_WithTheReason(string type, string field, string json, string expectedReason)
    {
        await host.ClearQueuesAsync();
        var eventId = SampleIds.New("evt_");
        var body = ScalekitSamples.Create(type, new SampleOptions { OccurredAt = Deliveries.Now, EventId = eventId });
        body["data"]![field] = System.Text.Json.Nodes.JsonNode.Parse(json);
        if (field == "user_session")
        {
            body["data"]!.AsObject().Remove("user");
        }

        var text = body.ToJsonString();
        using (var response = await host.Client.PostAsync("scalekit", text, Deliveries.SignScalekit(text, host.ScalekitSecret)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var message = await host.Queue(StorageNames.QueueFor(ScalekitSource.Id)).ReceiveMessageAsync();
        await host.Host.Services.GetRequiredService<EventConsumer>().HandleAsync(message.Value.Body);

        var ledgerRow = await host.Host.Services.GetRequiredService<EventLedgerQueries>().FindAsync(ScalekitSource.Id, eventId);
        Assert.Equal(ProcessingStatus.Parked, ledgerRow!.Status);
        var parked = await host.Host.Services.GetRequiredService<DeadLetterStore>().FindAsync(ScalekitSource.Id, eventId);
        Assert.NotNull(parked);
        Assert.Equal(1, parked.Attempts);
        Assert.Contains(expectedReason, parked.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABugInAProcessor_Surfaces_AndTheEventIsLeftForTheQueueToRetry_NotParked()
    {
        await host.ClearQueuesAsync();
        var eventId = SampleIds.New("evt_");
        var text = Deliveries.StripeBody(eventId: eventId);
        using (var response = await host.Client.PostAsync("stripe", text, Deliveries.SignStripe(text, host.StripeSecret)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var message = await host.Queue(StorageNames.QueueFor(StripeSource.Id)).ReceiveMessageAsync();
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => host.Host.Services.GetRequiredService<EventConsumer>().HandleAsync(message.Value.Body));

        Assert.Equal(BuggyProcessor.Message, error.Message);
        var ledgerRow = await host.Host.Services.GetRequiredService<EventLedgerQueries>().FindAsync(StripeSource.Id, eventId);
        Assert.Equal(ProcessingStatus.Failed, ledgerRow!.Status);
        Assert.Null(await host.Host.Services.GetRequiredService<DeadLetterStore>().FindAsync(StripeSource.Id, eventId));
    }

    /// <summary>A local host whose Stripe processor has a bug: it throws <see cref="KeyNotFoundException"/>.</summary>
    public sealed class BuggyStripeHostFixture : LocalHostFixture
    {
        protected override void ConfigureServices(IServiceCollection services)
        {
            services.AddSingleton(new SourceProcessor(StripeSource.Id, new BuggyProcessor()));
        }
    }

    private sealed class BuggyProcessor : IEventProcessor
    {
        public const string Message = "The given key 'plan' was not present in the dictionary.";

        public Task<ProcessingOutcome> ProcessAsync(ReadOnlyMemory<byte> payload, JsonElement root, EventStamp stamp, CancellationToken cancellationToken) =>
            throw new KeyNotFoundException(Message);
    }
}
