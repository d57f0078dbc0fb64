using Azure;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// Creates the queues, containers and tables the pipeline needs, each on the account that holds it (the event ledger
/// on the ledger's account, the other tables on the state account); safe to run on every start.
/// </summary>
public sealed class StorageProvisioner(StorageClients clients)
{
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        // Every shard's queues exist whatever the shard count, so a count change never meets a missing queue.
        await Parallel.ForEachAsync(StorageNames.AllQueues, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (queue, token) => await clients.Queue(queue).CreateIfNotExistsAsync(cancellationToken: token).ConfigureAwait(false)).ConfigureAwait(false);

        foreach (var container in StorageNames.AllContainers)
        {
            await clients.Blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var table in StorageNames.AllTables)
        {
            try
            {
                await clients.TablesFor(table).CreateTableIfNotExistsAsync(table, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Created concurrently by another instance.
            }
        }
    }
}
