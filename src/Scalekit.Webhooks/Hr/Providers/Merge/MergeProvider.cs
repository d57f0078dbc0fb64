using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
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
    public const string EndUserOriginId = "end_user_origin_id";

    public static HrProviderProfile Profile { get; } = new()
    {
        Name = "merge",
        Label = "Merge",
        Fields =
        [
            new(EndUserOriginId, HrFieldKind.Text, "the end_user_origin_id given to Merge for the customer's link token") { Format = HrFieldFormat.Text, Optional = true, DefaultsToOrganization = true, Label = "End user origin id (default: the organization id)" },
        ],
        AppSigningKeySetting = MergeOptions.SignatureKeySetting,
        SharedRoute = Route,
        RoutingField = EndUserOriginId,
        Provider = typeof(MergeProvider),
        AddServices = (services, configuration) => services.AddIntegrationSettings<MergeOptions, MergeOptionsValidator>(settings => MergeOptions.Bind(settings, configuration)),
        Samples = MergeSamples.Deliveries,
    };

    HrProviderProfile IHrProvider.Profile => Profile;

    public string? SettingsProblem => options.Value.Problem;

    /// <summary>A Merge connection's own address takes only its own linked account's deliveries.</summary>
    public SourceConnection Ingest(HrConnection connection, HrIngestContext context)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Verified(connection.Id, (origin, _) => ValueTask.FromResult(connection.Field(EndUserOriginId) == origin ? connection : null));
    }

    public SourceConnection SharedIngest(HrIngestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Verified(Route, (origin, cancellationToken) => context.FindByRoutingValueAsync(Profile, origin, cancellationToken));
    }

    public Task<HrProviderRead> ReadAsync(HrConnection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        Task.FromResult(MergePayload.ToEvent(payload, time.GetUtcNow()));

    private SourceConnection Verified(string id, Func<string, CancellationToken, ValueTask<HrConnection?>> find) =>
        options.Value.Problem is { } problem
            ? new SourceConnection(id, null, problem)
            : new SourceConnection(id, new MergeVerifier(options.Value.SignatureKeys), null) { ReadDelivery = (body, cancellationToken) => MergePayload.ReadAsync(find, body, cancellationToken) };
}
