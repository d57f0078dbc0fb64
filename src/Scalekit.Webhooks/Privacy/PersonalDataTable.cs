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
/// tables with one registration: <c>services.AddSingleton(new PersonalDataTable(...))</c>, declared by the store that
/// owns the table (<c>ReadModel.PersonalData</c>, <c>EmployeeStore.PersonalData</c>, <c>OnboardingStore.PersonalData</c>).
/// </summary>
public sealed record PersonalDataTable(string Table, IReadOnlyList<string> PersonalColumns, IReadOnlyDictionary<ErasureSubjectKind, string> MatchColumns);
