using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Privacy;

/// <summary>Where an erasure job stands.</summary>
public enum ErasureJobState
{
    /// <summary>Accepted and on the <c>erasure-jobs</c> queue; no store searched yet.</summary>
    Queued,

    /// <summary>Started: the stores in <see cref="ErasureJob.DoneSteps"/> are finished, the others are not.</summary>
    Running,

    /// <summary>Every store was searched; the subjects are gone from the job too.</summary>
    Completed,
}

/// <summary>A store (or part of one) an erasure could not search, and why.</summary>
public sealed record ErasureGap(string Store, string Reason);

/// <summary>
/// One erasure: who (<see cref="Subjects"/>, kept only until the job completes: the first is the subject asked for,
/// the others the same person's ids found through it), which stores are finished and what was erased in each. Its
/// progress is recorded per store, so a redelivered message continues where a crashed run stopped.
/// </summary>
public sealed record ErasureJob(
    string Id,
    ErasureSubjectKind Kind,
    ErasureJobState State,
    IReadOnlyList<ErasureSubject> Subjects,
    DateTimeOffset CreatedAt,
    string CallerAddress,
    string KeyFingerprint)
{
    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The steps (<see cref="PersonalDataEraser.Steps"/>) finished so far, in order.</summary>
    public IReadOnlyList<string> DoneSteps { get; init; } = [];

    /// <summary>What was erased, by store (<c>event_ledger_payloads</c>, <c>Users</c>, …).</summary>
    public IReadOnlyDictionary<string, int> Counts { get; init; } = new Dictionary<string, int>();

    public IReadOnlyList<ErasureGap> NotSearched { get; init; } = [];

    /// <summary>Runs started (1 when it never failed).</summary>
    public int Attempts { get; init; }

    /// <summary>The type of the last failure (no message: it could name the person).</summary>
    public string? LastError { get; init; }
}

/// <summary>The <c>ErasureJobs</c> table: one row per erasure job (partition <c>erasure</c>, row key the job id).</summary>
public sealed class ErasureJobStore(StorageClients clients)
{
    private const string Partition = "erasure";

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.ErasureJobsTable);

    public Task AddAsync(ErasureJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Table.AddEntityAsync(Row(job), cancellationToken);
    }

    /// <summary>Writes the job's whole state (one run works a job at a time: the queue hides its message meanwhile).</summary>
    public Task SaveAsync(ErasureJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Table.UpsertEntityAsync(Row(job), TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<ErasureJob?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, StorageKeys.Key(id), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? Job(row.Value!) : null;
    }

    private static TableEntity Row(ErasureJob job)
    {
        var row = new TableEntity(Partition, StorageKeys.Key(job.Id))
        {
            ["JobId"] = job.Id,
            ["Kind"] = job.Kind.ToString(),
            ["State"] = job.State.ToString(),
            ["CreatedAt"] = job.CreatedAt,
            ["StartedAt"] = job.StartedAt,
            ["CompletedAt"] = job.CompletedAt,
            ["DoneSteps"] = JsonSerializer.Serialize(job.DoneSteps),
            ["Counts"] = JsonSerializer.Serialize(job.Counts),
            ["NotSearched"] = new JsonArray([.. job.NotSearched.Select(gap => new JsonObject { ["store"] = gap.Store, ["reason"] = gap.Reason })]).ToJsonString(),
            ["Attempts"] = job.Attempts,
            ["LastError"] = job.LastError,
            ["CallerAddress"] = job.CallerAddress,
            ["KeyFingerprint"] = job.KeyFingerprint,
        };
        if (job.Subjects.Count > 0)
        {
            row["Subjects"] = new JsonArray([.. job.Subjects.Select(subject => new JsonObject { ["kind"] = subject.Kind.ToString(), ["value"] = subject.Value })]).ToJsonString();
        }

        return row;
    }

    private static ErasureJob Job(TableEntity row)
    {
        var subjects = row.GetString("Subjects") is { } json
            ? JsonNode.Parse(json)!.AsArray().Select(s => new ErasureSubject(Enum.Parse<ErasureSubjectKind>(s!["kind"]!.GetValue<string>()), s["value"]!.GetValue<string>())).ToList()
            : [];
        return new ErasureJob(
            row.GetString("JobId") ?? row.RowKey,
            Enum.TryParse<ErasureSubjectKind>(row.GetString("Kind"), out var kind) ? kind : ErasureSubjectKind.Email,
            Enum.TryParse<ErasureJobState>(row.GetString("State"), out var state) ? state : ErasureJobState.Queued,
            subjects,
            row.GetDateTimeOffset("CreatedAt") ?? default,
            row.GetString("CallerAddress") ?? string.Empty,
            row.GetString("KeyFingerprint") ?? string.Empty)
        {
            StartedAt = row.GetDateTimeOffset("StartedAt"),
            CompletedAt = row.GetDateTimeOffset("CompletedAt"),
            DoneSteps = JsonSerializer.Deserialize<List<string>>(row.GetString("DoneSteps") ?? "[]") ?? [],
            Counts = JsonSerializer.Deserialize<Dictionary<string, int>>(row.GetString("Counts") ?? "{}") ?? [],
            NotSearched = [.. (JsonNode.Parse(row.GetString("NotSearched") ?? "[]")?.AsArray() ?? []).Select(g => new ErasureGap(g!["store"]!.GetValue<string>(), g["reason"]!.GetValue<string>()))],
            Attempts = row.GetInt32("Attempts") ?? 0,
            LastError = row.GetString("LastError"),
        };
    }
}
