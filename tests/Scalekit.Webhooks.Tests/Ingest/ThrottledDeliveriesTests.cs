using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Tests.Ingest;

public class ThrottledDeliveriesTests
{
    private static readonly WebhookSource Source = new("hr");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingRefusals _refusals = new();
    private readonly ThrottledDeliveries _counts;

    public ThrottledDeliveriesTests() =>
        _counts = new ThrottledDeliveries([_refusals], [new KnownConnections("hrc_one", "hrc_two")], _time, NullLogger<ThrottledDeliveries>.Instance);

    [Fact]
    public async Task ManyThrottledDeliveries_AreWrittenAsOneSumPerConnection_WithTheLastOnesTime()
    {
        for (var i = 0; i < 50; i++)
        {
            _counts.Count(Source, "hrc_one");
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        _counts.Count(Source, "hrc_one");
        _counts.Count(Source, "hrc_two");

        await _counts.FlushAsync();

        Assert.Equal([("hrc_one", 51L, _time.GetUtcNow()), ("hrc_two", 1L, _time.GetUtcNow())], _refusals.Written.OrderBy(w => w.Connection, StringComparer.Ordinal));
        Assert.Equal(0, _counts.PendingCount);
        await _counts.FlushAsync();
        Assert.Equal(2, _refusals.Written.Count);
    }

    [Fact]
    public async Task IdsOfNoKnownShape_AndIdsThatNameNoConnection_AreNeverWritten()
    {
        _counts.Count(Source, "not-a-connection");
        _counts.Count(Source, "hrc_gone");
        _counts.Count(new WebhookSource("stripe"), "hrc_one");

        Assert.Equal(1, _counts.PendingCount);
        await _counts.FlushAsync();
        Assert.Empty(_refusals.Written);
    }

    [Fact]
    public void DistinctIdsBeyondTheCap_AreNotCounted_SoMemoryStaysBounded()
    {
        for (var i = 0; i < ThrottledDeliveries.MaxConnections + 500; i++)
        {
            _counts.Count(Source, $"hrc_{i}");
        }

        Assert.Equal(ThrottledDeliveries.MaxConnections, _counts.PendingCount);
    }

    [Fact]
    public async Task AWriteThatFails_IsDropped_AndTheOtherConnectionsAreStillWritten()
    {
        _refusals.FailFor = "hrc_one";
        _counts.Count(Source, "hrc_one");
        _counts.Count(Source, "hrc_two");

        await _counts.FlushAsync();

        Assert.Equal("hrc_two", Assert.Single(_refusals.Written).Connection);
        Assert.Equal(0, _counts.PendingCount);
    }

    /// <summary>HR's rule in small: ids starting <c>hrc_</c> have the shape.</summary>
    private sealed class RecordingRefusals : IConnectionRefusals
    {
        public List<(string Connection, long Count, DateTimeOffset LastAt)> Written { get; } = [];

        public string? FailFor { get; set; }

        public WebhookSource Source => ThrottledDeliveriesTests.Source;

        public bool IsKnownShape(string connectionId) => connectionId.StartsWith("hrc_", StringComparison.Ordinal);

        public Task RecordAsync(string connectionId, string reason, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task RecordThrottledAsync(string connectionId, long count, DateTimeOffset lastThrottledAt, CancellationToken cancellationToken = default)
        {
            if (connectionId == FailFor)
            {
                throw new InvalidOperationException("storage is down");
            }

            Written.Add((connectionId, count, lastThrottledAt));
            return Task.CompletedTask;
        }
    }

    private sealed class KnownConnections(params string[] ids) : ISourceConnections
    {
        public WebhookSource Source => ThrottledDeliveriesTests.Source;

        public ValueTask<SourceConnection?> FindAsync(string id, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(ids.Contains(id) ? new SourceConnection(id, null, "test") : null);
    }
}
