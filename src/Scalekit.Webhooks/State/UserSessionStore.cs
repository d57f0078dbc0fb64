using Azure.Data.Tables;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A user's session as one login or logout event describes it (<c>Device</c> as the event's JSON text).</summary>
public sealed record UserSessionChange(string UserId, string SessionId, string? OrganizationId, string? Status, bool LoggedIn, string? Device) : ReadModelChange
{
    public override StateChange ToRow() => UserSessionStore.Row(this);
}

/// <summary>The <c>UserSessions</c> table (partition = the user, one row per session). Nothing reads it back but erasure.</summary>
public static class UserSessionStore
{
    private const string OrganizationId = "OrganizationId";
    private const string Status = "Status";
    private const string LoggedIn = "LoggedIn";
    private const string Device = "Device";

    /// <summary>The sessions' personal data: which columns hold it and where each kind of subject is found.</summary>
    public static PersonalDataTable PersonalData { get; } = new(StateTables.UserSessions,
        [Device],
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.UserId] = nameof(ITableEntity.PartitionKey) });

    internal static StateChange Row(UserSessionChange change) => new(StateTables.UserSessions, change.UserId, change.SessionId, new Dictionary<string, object?>(4, StringComparer.Ordinal)
    {
        [OrganizationId] = change.OrganizationId,
        [Status] = change.Status,
        [LoggedIn] = change.LoggedIn,
        [Device] = change.Device,
    });
}
