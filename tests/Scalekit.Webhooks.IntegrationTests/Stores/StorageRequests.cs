using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>
/// Sees every table request the clients send (method and path), and can refuse the next one that matches with a 503,
/// as an outage or a crash between two writes would leave things.
/// </summary>
public sealed class StorageRequests : HttpPipelinePolicy
{
    private readonly List<string> _seen = [];
    private Func<string, bool>? _failNext;

    /// <summary>Requests since the last <see cref="Clear"/>, as <c>METHOD /table…</c>.</summary>
    public IReadOnlyList<string> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    public void Clear()
    {
        lock (_seen)
        {
            _seen.Clear();
        }
    }

    /// <summary>The next request whose <c>METHOD /path</c> matches fails with 503 before it reaches storage.</summary>
    public void FailNext(Func<string, bool> match) => _failNext = match;

    public StorageClients Clients(string connectionString)
    {
        var tableOptions = new TableClientOptions();
        tableOptions.Retry.MaxRetries = 0;
        tableOptions.AddPolicy(this, HttpPipelinePosition.PerCall);
        return new StorageClients(new QueueServiceClient(connectionString), new BlobServiceClient(connectionString), new TableServiceClient(connectionString, tableOptions));
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        See(message.Request);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        See(message.Request);
        return ProcessNextAsync(message, pipeline);
    }

    private void See(Request request)
    {
        var line = $"{request.Method.Method} {Uri.UnescapeDataString(request.Uri.Path)}";
        lock (_seen)
        {
            _seen.Add(line);
        }

        if (_failNext is { } match && match(line))
        {
            _failNext = null;
            throw new RequestFailedException(503, $"Refused by the test: {line}");
        }
    }
}
