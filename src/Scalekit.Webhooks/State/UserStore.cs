using Azure.Data.Tables;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A Scalekit user as one membership event describes it (<c>Metadata</c> as the event's JSON text).</summary>
public sealed record UserChange(string Id, string? Email, string? ExternalId, string? Metadata, string? GivenName, string? FamilyName, string? Name) : ReadModelChange
{
    public override StateChange ToRow() => UserStore.Row(this);
}

/// <summary>The <c>Users</c> table: one row per user, in its own partition. Nothing reads it back but erasure.</summary>
public static class UserStore
{
    private const string Email = "Email";
    private const string ExternalId = "ExternalId";
    private const string Metadata = "Metadata";
    private const string GivenName = "GivenName";
    private const string FamilyName = "FamilyName";
    private const string Name = "Name";

    /// <summary>The users' personal data: which columns hold it and where each kind of subject is found.</summary>
    public static PersonalDataTable PersonalData { get; } = new(StateTables.Users,
        [Email, ExternalId, Metadata, GivenName, FamilyName, Name],
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = Email, [ErasureSubjectKind.UserId] = nameof(ITableEntity.RowKey) },
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.UserId] = nameof(ITableEntity.RowKey), [ErasureSubjectKind.Email] = Email });

    internal static StateChange Row(UserChange change) => new(StateTables.Users, change.Id, change.Id, new Dictionary<string, object?>(6, StringComparer.Ordinal)
    {
        [Email] = change.Email,
        [ExternalId] = change.ExternalId,
        [Metadata] = change.Metadata,
        [GivenName] = change.GivenName,
        [FamilyName] = change.FamilyName,
        [Name] = change.Name,
    });
}
