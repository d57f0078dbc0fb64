using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Privacy;

/// <summary>Who an erasure is for.</summary>
public enum ErasureSubjectKind
{
    /// <summary>An email address (matched without regard to case).</summary>
    Email,

    /// <summary>A Scalekit user id (<c>usr_…</c>).</summary>
    UserId,

    /// <summary>A directory (SCIM) user id (<c>diruser_…</c>).</summary>
    DirectoryUserId,
}

/// <summary>
/// A read-model table that holds personal data: which columns are personal, and in which column a subject of each kind
/// is found (<c>PartitionKey</c> and <c>RowKey</c> are compared with the subject's storage key). A source adds its
/// tables with one registration: <c>services.AddSingleton(new PersonalDataTable(...))</c>.
/// </summary>
public sealed record PersonalDataTable(string Table, IReadOnlyList<string> PersonalColumns, IReadOnlyDictionary<ErasureSubjectKind, string> MatchColumns)
{
    /// <summary>The Scalekit read model's personal data.</summary>
    public static IReadOnlyList<PersonalDataTable> Scalekit { get; } =
    [
        new(StateTables.DirectoryUsers,
            ["Email", "Name", "GivenName", "FamilyName", "PreferredUsername", "EmployeeId", "Department", "Title", "Manager", "CostCenter", "Division", "Organization", "CustomAttributes", "DpId"],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = "Email", [ErasureSubjectKind.DirectoryUserId] = "RowKey" }),
        new(StateTables.Users,
            ["Email", "ExternalId", "Metadata", "GivenName", "FamilyName", "Name"],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = "Email", [ErasureSubjectKind.UserId] = "RowKey" }),
        new(StateTables.Memberships,
            ["Email"],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = "Email", [ErasureSubjectKind.UserId] = "RowKey" }),
        new(StateTables.UserSessions,
            ["Device"],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.UserId] = "PartitionKey" }),
        new(StateTables.ConnectedAccounts,
            ["Identifier"],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = "Identifier" }),
    ];

    /// <summary>The HR source's employees: what the HR system said about a person and what was sent for them.</summary>
    public static PersonalDataTable Hr { get; } = new(StateTables.Employees,
        ["Email", "Department", "Title", "LastSyncDetail"],
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = "Email", [ErasureSubjectKind.UserId] = "ScalekitUserId" });
}
