using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Counts the storage requests the clients send (each retry too), by service and operation kind, so the benchmark can
/// print storage operations per event. Installed on the queue, blob and table clients of the host under test.
/// </summary>
public sealed class StorageOperationCounter(string service) : HttpPipelinePolicy
{
    private ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        return ProcessNextAsync(message, pipeline);
    }

    /// <summary>The counts since the last call, and a fresh start.</summary>
    public IReadOnlyDictionary<string, int> Take() => Interlocked.Exchange(ref _counts, new ConcurrentDictionary<string, int>(StringComparer.Ordinal));

    private void Count(Request request) => _counts.AddOrUpdate($"{service} {Kind(service, request)}", 1, (_, count) => count + 1);

    private static string Kind(string service, Request request)
    {
        var method = request.Method.Method;
        var path = request.Uri.Path;
        var query = request.Uri.Query;
        return service switch
        {
            "table" when path.EndsWith("$batch", StringComparison.Ordinal) => "batch",
            "table" when path.EndsWith("Tables", StringComparison.Ordinal) || path.Contains("Tables(", StringComparison.Ordinal) => "table admin",
            "table" when path.EndsWith("()", StringComparison.Ordinal) => method == "GET" ? "query" : method,
            "table" when path.EndsWith(')') => method switch
            {
                "GET" => "read",
                "PUT" => request.Headers.TryGetValue("If-Match", out _) ? "replace" : "upsert",
                "PATCH" or "MERGE" => request.Headers.TryGetValue("If-Match", out _) ? "merge" : "upsert (merge)",
                "DELETE" => "delete",
                _ => method,
            },
            "table" => method switch { "GET" => "query", "POST" => "insert", _ => method },
            "queue" when path.EndsWith("/messages", StringComparison.Ordinal) => method switch { "POST" => "send", "GET" => "receive", _ => method },
            "queue" when path.Contains("/messages/", StringComparison.Ordinal) => method switch { "DELETE" => "delete", "PUT" => "update", _ => method },
            "queue" => query.Contains("comp=metadata", StringComparison.Ordinal) ? "properties" : method,
            _ => method switch { "GET" => "read", "PUT" => "write", "HEAD" => "properties", "DELETE" => "delete", _ => method },
        };
    }
}

/// <summary>One counter per storage service, and clients that report to them.</summary>
public sealed class StorageOperationCounters
{
    private readonly StorageOperationCounter _queue = new("queue");
    private readonly StorageOperationCounter _blob = new("blob");
    private readonly StorageOperationCounter _table = new("table");

    /// <summary>Clients like the host's own (same encoding and retries), with every request counted.</summary>
    public StorageClients Clients(string connectionString)
    {
        static T Counted<T>(T options, StorageOperationCounter counter)
            where T : ClientOptions
        {
            var retry = StorageRetry.Default;
            options.Retry.Mode = RetryMode.Exponential;
            options.Retry.MaxRetries = retry.MaxRetries;
            options.Retry.Delay = retry.Delay;
            options.Retry.MaxDelay = retry.MaxDelay;
            options.Retry.NetworkTimeout = retry.NetworkTimeout;
            options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
            return options;
        }

        return new StorageClients(
            new QueueServiceClient(connectionString, Counted(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, _queue)),
            new BlobServiceClient(connectionString, Counted(new BlobClientOptions(), _blob)),
            new TableServiceClient(connectionString, Counted(new TableClientOptions(), _table)));
    }

    /// <summary>Every count since the last call, by kind, and a fresh start.</summary>
    public IReadOnlyDictionary<string, int> Take() =>
        new[] { _queue, _blob, _table }.SelectMany(counter => counter.Take()).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
}
