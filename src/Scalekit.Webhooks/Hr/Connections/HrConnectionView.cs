using System.Text.Json.Serialization;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>What an operator sees of a connection: never a secret, only fingerprints (the first 8 hex digits of each one's SHA-256).</summary>
public sealed record HrConnectionView(
    string Id,
    string? OrganizationId,
    string Provider,
    string DefinedIn,
    string WebhookPath,
    IReadOnlyList<string> SecretFingerprints,
    DateTimeOffset? PreviousSecretAcceptedUntil,
    string? ApiCredentialFingerprint,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? RotatedAt,
    string? Problem)
{
    /// <summary>The provider's plain fields (<c>company_id</c>, …), answered beside the others as they are sent.</summary>
    [JsonExtensionData]
    public Dictionary<string, object>? Fields { get; init; }

    /// <summary>The absolute URL the HR system posts to (the address the operator called, with <see cref="WebhookPath"/>).</summary>
    public string? WebhookUrl { get; init; }

    /// <summary>A generic connection's new signing secret: set only in the answer that made it, never again.</summary>
    public string? SigningSecret { get; init; }

    /// <summary>What its deliveries came to: only in the answer for one connection (<c>GET …/{id}</c>), so the list stays cheap.</summary>
    public HrConnectionDeliveries? Deliveries { get; init; }
}

/// <summary>Why a change was not made; the HTTP layer answers it with <see cref="Status"/> and names <see cref="Field"/>.</summary>
public sealed record HrConnectionRefusal(int Status, string Reason, string Detail, string? Field = null);

/// <summary>A change's result: the connection as it now is, or why nothing was done.</summary>
public sealed record HrConnectionResult(HrConnectionView? Connection, HrConnectionRefusal? Refusal)
{
    public static HrConnectionResult Refused(int status, string reason, string detail, string? field = null) => new(null, new HrConnectionRefusal(status, reason, detail, field));
}
