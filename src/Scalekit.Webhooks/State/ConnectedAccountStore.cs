using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A connected account's status as one Scalekit event describes it: never its tokens, authorization details or links.</summary>
public sealed record ConnectedAccountChange(string Id, string? Identifier, string? Connector, string? Provider, string? Status, string? AuthorizationType, string? LastUsedAt, bool Deleted) : ReadModelChange
{
    public override StateChange ToRow() => ConnectedAccountStore.Row(this);
}

/// <summary>The <c>ConnectedAccounts</c> table: one row per account, in its own partition. Nothing reads it back but erasure.</summary>
public static class ConnectedAccountStore
{
    private const string Identifier = "Identifier";
    private const string Connector = "Connector";
    private const string Provider = "Provider";
    private const string Status = "Status";
    private const string AuthorizationType = "AuthorizationType";
    private const string LastUsedAt = "LastUsedAt";

    /// <summary>The connected accounts' personal data: which columns hold it and where each kind of subject is found.</summary>
    public static PersonalDataTable PersonalData { get; } = new(StateTables.ConnectedAccounts,
        [Identifier],
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = Identifier });

    internal static StateChange Row(ConnectedAccountChange change) => new(StateTables.ConnectedAccounts, change.Id, change.Id, new Dictionary<string, object?>(6, StringComparer.Ordinal)
    {
        [Identifier] = change.Identifier,
        [Connector] = change.Connector,
        [Provider] = change.Provider,
        [Status] = change.Status,
        [AuthorizationType] = change.AuthorizationType,
        [LastUsedAt] = change.LastUsedAt,
    }, change.Deleted);
}
