using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Operations;

/// <summary>
/// One change made through the operations API. <see cref="Target"/> names what was changed (an event, a filter) and must
/// never hold personal data; <see cref="KeyFingerprint"/> identifies the key used without revealing it.
/// </summary>
public sealed record AuditEntry(DateTimeOffset At, string Action, string Target, string Outcome, string CallerAddress, string KeyFingerprint);

/// <summary>Which audit entries to list: one action (exact), and a time range (<see cref="From"/> inclusive, <see cref="To"/> exclusive).</summary>
public sealed record AuditFilter(string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    /// <summary>No filter: every entry.</summary>
    public static AuditFilter None { get; } = new();
}

/// <summary>One page of the audit trail, newest first.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, string? ContinuationToken);

/// <summary>
/// The record of every change made through the operations API (replays, erasure, and any later action): one call,
/// <see cref="RecordAsync"/>, for each. Rows sort newest first within their partition.
/// </summary>
public sealed class AuditTrail(StorageClients clients, TimeProvider time)
{
    private const string Partition = "audit";

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.AuditTable);

    /// <summary>The fingerprint of an operations key: the first 12 hex digits of its SHA-256, or <c>none</c>.</summary>
    public static string Fingerprint(string? key) =>
        string.IsNullOrEmpty(key) ? "none" : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12];

    /// <summary>Records one change: what was done (<paramref name="action"/>, e.g. <c>replay</c>), to what, with which outcome, by whom.</summary>
    public async Task<AuditEntry> RecordAsync(string action, string target, string outcome, string callerAddress, string keyFingerprint, CancellationToken cancellationToken = default)
    {
        var entry = new AuditEntry(time.GetUtcNow(), action, target, outcome, callerAddress, keyFingerprint);

        // Newest first: the row key counts down with time, and a random tail keeps two entries in one tick apart.
        var rowKey = (DateTimeOffset.MaxValue.Ticks - entry.At.Ticks).ToString("D19", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        await Table.AddEntityAsync(new TableEntity(Partition, rowKey)
        {
            ["At"] = entry.At,
            ["Action"] = Bounded(action),
            ["Target"] = Bounded(target),
            ["Outcome"] = Bounded(outcome),
            ["CallerAddress"] = Bounded(callerAddress),
            ["KeyFingerprint"] = keyFingerprint,
        }, cancellationToken).ConfigureAwait(false);
        return entry;
    }

    /// <summary>One page of entries, newest first.</summary>
    public Task<AuditPage> ListAsync(int pageSize, string? continuation, CancellationToken cancellationToken = default) =>
        ListAsync(AuditFilter.None, pageSize, continuation, cancellationToken);

    /// <summary>One page of the entries that match <paramref name="filter"/>, newest first (a page may hold fewer than <paramref name="pageSize"/> and still have a next one).</summary>
    public async Task<AuditPage> ListAsync(AuditFilter filter, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = Table.QueryAsync<TableEntity>(QueryFilter(filter), pageSize, cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            return new AuditPage([.. page.Values.Select(ToEntry)], page.ContinuationToken);
        }

        return new AuditPage([], null);
    }

    private static string QueryFilter(AuditFilter filter)
    {
        var filters = new List<string> { TableClient.CreateQueryFilter($"PartitionKey eq {Partition}") };
        if (filter.Action is { } action)
        {
            filters.Add(TableClient.CreateQueryFilter($"Action eq {action}"));
        }

        if (filter.From is { } from)
        {
            filters.Add(TableClient.CreateQueryFilter($"At ge {from}"));
        }

        if (filter.To is { } to)
        {
            filters.Add(TableClient.CreateQueryFilter($"At lt {to}"));
        }

        return string.Join(" and ", filters);
    }

    private static AuditEntry ToEntry(TableEntity row) => new(
        row.GetDateTimeOffset("At") ?? default,
        row.GetString("Action") ?? string.Empty,
        row.GetString("Target") ?? string.Empty,
        row.GetString("Outcome") ?? string.Empty,
        row.GetString("CallerAddress") ?? string.Empty,
        row.GetString("KeyFingerprint") ?? string.Empty);

    private static string Bounded(string text) => text.Length <= 1000 ? text : text[..1000] + "…";
}
