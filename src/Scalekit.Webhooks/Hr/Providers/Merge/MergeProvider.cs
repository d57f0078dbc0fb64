using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Providers.Merge;

/// <summary>
/// Merge connections: every customer's linked account posts to <c>/api/webhooks/hr/merge</c>, signed with the one
/// <c>MERGE_WEBHOOK_SIGNATURE_KEY</c>; the connection is the one whose <c>end_user_origin_id</c> the delivery names.
/// </summary>
public sealed class MergeProvider(IOptions<MergeOptions> options, TimeProvider time) : ISharedRouteHrProvider
{
    public const string Route = "merge";

    public HrProvider Provider => HrProvider.Merge;

    public string RouteId => Route;

    /// <summary>A Merge connection's own address takes only its own linked account's deliveries.</summary>
    public SourceConnection Ingest(HrConnection connection, TimeSpan tolerance) => SharedIngest([connection], tolerance) with { Id = connection.Id };

    public SourceConnection SharedIngest(IReadOnlyList<HrConnection> connections, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(connections);
        var settings = options.Value;
        if (settings.Problem is { } problem)
        {
            return new SourceConnection(Route, null, problem);
        }

        List<HrConnection> enabled = [.. connections.Where(connection => connection.IsEnabled)];
        return new SourceConnection(Route, new MergeVerifier(settings.SignatureKeys), null) { ReadDelivery = body => MergePayload.Read(enabled, body) };
    }

    public Task<HrProviderRead> ReadAsync(HrConnection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        Task.FromResult(MergePayload.ToEvent(payload, time.GetUtcNow()));
}
