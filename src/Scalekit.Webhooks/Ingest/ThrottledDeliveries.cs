using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// Counts deliveries on a connection's route that the refusal throttle answered 429, in memory, and writes each
/// connection's count at most once per <see cref="RefusalThrottleOptions.ThrottledFlushInterval"/> (<see cref="FlushAsync"/>),
/// so a throttled flood never costs a storage write per request. Memory is bounded: only ids of a known shape are
/// counted, at most <see cref="MaxConnections"/> of them between two flushes, and a flush writes only ids that name an
/// existing connection.
/// </summary>
public sealed partial class ThrottledDeliveries
{
    /// <summary>
    /// Most connection ids counted between two flushes; a further id's 429s are not counted until the next flush. Each
    /// costs one lookup per flush, so this also bounds the reads a flood of made-up (well-shaped) ids can cause.
    /// </summary>
    public const int MaxConnections = 1_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<WebhookSource, IConnectionRefusals> _refusals;
    private readonly Dictionary<WebhookSource, ISourceConnections> _connections;
    private readonly TimeProvider _time;
    private readonly ILogger<ThrottledDeliveries> _logger;
    private Dictionary<(WebhookSource Source, string Connection), Pending> _pending = [];

    public ThrottledDeliveries(IEnumerable<IConnectionRefusals> refusals, IEnumerable<ISourceConnections> connections, TimeProvider time, ILogger<ThrottledDeliveries> logger)
    {
        ArgumentNullException.ThrowIfNull(refusals);
        ArgumentNullException.ThrowIfNull(connections);
        _refusals = refusals.ToDictionary(set => set.Source);
        _connections = connections.ToDictionary(set => set.Source);
        _time = time;
        _logger = logger;
    }

    /// <summary>How many connection ids have counts waiting for the next flush.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Counts one 429 on <paramref name="connectionId"/>'s route; no storage call.</summary>
    public void Count(WebhookSource source, string connectionId)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        if (!_refusals.TryGetValue(source, out var refusals) || !refusals.IsKnownShape(connectionId))
        {
            return;
        }

        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var key = (source, connectionId);
            if (_pending.TryGetValue(key, out var pending))
            {
                _pending[key] = new Pending(pending.Count + 1, now);
            }
            else if (_pending.Count < MaxConnections)
            {
                _pending.Add(key, new Pending(1, now));
            }
        }
    }

    /// <summary>Writes every waiting count, one write per connection; a count that cannot be written is logged and dropped.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Dictionary<(WebhookSource Source, string Connection), Pending> taken;
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            (taken, _pending) = (_pending, []);
        }

        foreach (var ((source, connectionId), pending) in taken)
        {
            try
            {
                // An id of the right shape may still name nothing: it is never given a row.
                if (!_connections.TryGetValue(source, out var connections) || await connections.FindAsync(connectionId, cancellationToken).ConfigureAwait(false) is null)
                {
                    continue;
                }

                await _refusals[source].RecordThrottledAsync(connectionId, pending.Count, pending.LastAt, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A figure for the operator: losing it must never stop the flushes after it.
                Log.NotWritten(_logger, ex, source, connectionId, pending.Count);
            }
        }
    }

    private readonly record struct Pending(long Count, DateTimeOffset LastAt);

    private static partial class Log
    {
        [LoggerMessage(1008, LogLevel.Warning, "{Count} throttled {Source} deliveries on connection {Connection} could not be counted")]
        public static partial void NotWritten(ILogger logger, Exception exception, WebhookSource source, string connection, long count);
    }
}

/// <summary>Flushes <see cref="ThrottledDeliveries"/> every <see cref="RefusalThrottleOptions.ThrottledFlushInterval"/> and once more on shutdown, in every host.</summary>
internal sealed class ThrottledDeliveriesFlush(ThrottledDeliveries counts, IOptions<RefusalThrottleOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ThrottledFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await counts.FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last counts are written below.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await counts.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
