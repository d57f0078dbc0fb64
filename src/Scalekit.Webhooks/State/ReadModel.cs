using Scalekit.Webhooks.Privacy;

namespace Scalekit.Webhooks.State;

/// <summary>What every read-model row carries: the last event applied to it and, once deleted, when.</summary>
public sealed record RowHistory(EventStamp? LastEvent, DateTimeOffset? DeletedAt, DateTimeOffset? ErasedAt);

/// <summary>One page of records and the token of the next page (null on the last).</summary>
public sealed record RecordPage<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>
/// The Scalekit read model: one store per aggregate (<see cref="OrganizationStore"/>, <see cref="OrganizationDomainStore"/>,
/// <see cref="DirectoryUserStore"/>, <see cref="MembershipStore"/>, …), each the only code that knows its table's keys
/// and columns. Rows are written in event order by <see cref="Storage.StateStore"/> from the stores' changes.
/// </summary>
public static class ReadModel
{
    /// <summary>The Scalekit read model's personal data, as each store declares it for erasure.</summary>
    public static IReadOnlyList<PersonalDataTable> PersonalData { get; } =
    [
        DirectoryUserStore.PersonalData,
        UserStore.PersonalData,
        MembershipStore.PersonalData,
        UserSessionStore.PersonalData,
        ConnectedAccountStore.PersonalData,
    ];
}
