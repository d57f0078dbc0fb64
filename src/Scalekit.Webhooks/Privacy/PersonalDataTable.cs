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
/// <see cref="Links"/> names the columns of a matching row that hold the same person's other ids (a user row found by
/// email holds the user id in its <c>RowKey</c>): an erasure follows them before it removes anything, so erasing by
/// email also reaches the rows and payloads that know the person only by id (sessions, devices).
/// </summary>
public sealed record PersonalDataTable(
    string Table,
    IReadOnlyList<string> PersonalColumns,
    IReadOnlyDictionary<ErasureSubjectKind, string> MatchColumns,
    IReadOnlyDictionary<ErasureSubjectKind, string>? Links = null);

/// <summary>The names the operations API gives the kinds of subject.</summary>
public static class ErasureSubjectKinds
{
    /// <summary><c>email</c>, <c>user_id</c> or <c>directory_user_id</c>: the request's field and the audit trail's word for it.</summary>
    public static string Name(this ErasureSubjectKind kind) => kind switch
    {
        ErasureSubjectKind.Email => "email",
        ErasureSubjectKind.UserId => "user_id",
        _ => "directory_user_id",
    };
}

/// <summary>One value an erasure looks for: an email (matched without regard to case) or an id (matched exactly).</summary>
public sealed record ErasureSubject(ErasureSubjectKind Kind, string Value)
{
    public StringComparison Comparison => Kind == ErasureSubjectKind.Email ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
}
