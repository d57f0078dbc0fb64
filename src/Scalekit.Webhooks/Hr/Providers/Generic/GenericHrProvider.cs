using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr.Providers.Generic;

/// <summary>
/// The product's own HR format (<c>docs/hr-events.schema.json</c>), signed with Standard Webhooks and the connection's
/// <c>whsec_</c> secret(s). Events carry every value, so nothing is fetched; a malformed event or one naming another
/// organization is refused at ingest.
/// </summary>
public sealed class GenericHrProvider(TimeProvider time) : IHrProvider
{
    public static HrProviderProfile Profile { get; } = new()
    {
        Name = "generic",
        Label = "Generic (the product's own format)",
        Fields =
        [
            new("signing_secret", HrFieldKind.WebhookSecret, "a Standard Webhooks secret (whsec_ followed by base64 key bytes; docs/hr.md shows how to make one)") { Generated = true },
        ],
        SigningSecretProblem = secret => secret.StartsWith("whsec_", StringComparison.Ordinal) ? EventSource.StandardWebhookSecretProblem(secret) : "it does not start with whsec_",
        Provider = typeof(GenericHrProvider),
    };

    HrProviderProfile IHrProvider.Profile => Profile;

    public string? SettingsProblem => null;

    public SourceConnection Ingest(HrConnection connection, HrIngestContext context)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(context);
        var verifier = new StandardWebhooksVerifier([.. connection.Secrets.Select(StandardWebhookSecret.Parse)], context.Tolerance, time, connection.SecretName);
        return new SourceConnection(connection.Id, verifier, null) { ContentProblem = payload => ContentProblem(connection, payload) };
    }

    public Task<HrProviderRead> ReadAsync(HrConnection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!HrEvent.TryParse(payload, out var hrEvent, out var problem))
        {
            return Task.FromResult(HrProviderRead.Parked($"The HR event is invalid: {problem}."));
        }

        return Task.FromResult(ContentProblem(connection, payload) is { } refused ? HrProviderRead.Parked(refused) : HrProviderRead.Named(hrEvent!));
    }

    /// <summary>
    /// A generic event is refused at once when it is malformed or names an organization: the connection's organization
    /// is the only one its events act on, so naming another is refused and naming none is the rule.
    /// </summary>
    internal static string? ContentProblem(HrConnection connection, ReadOnlyMemory<byte> payload)
    {
        if (!HrEvent.TryParse(payload, out var hrEvent, out var problem))
        {
            return $"The HR event is invalid: {problem} (see docs/hr-events.schema.json).";
        }

        var employee = hrEvent!.Employee;
        if (employee.OrganizationId is { } named && !string.Equals(named, connection.OrganizationId, StringComparison.Ordinal))
        {
            return $"data.organization_id names another organization than connection {connection.Id}'s; a connection's events act only on its own organization (leave the field out).";
        }

        return employee.OrganizationExternalId is not null
            ? $"data.organization_external_id is not accepted on connection {connection.Id}: its events act only on the connection's organization (leave the field out)."
            : null;
    }
}
