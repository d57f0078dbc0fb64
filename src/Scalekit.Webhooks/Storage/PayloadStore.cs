using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs.Models;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Storage;

/// <summary>Blob storage for event bodies too large for a queue message (the claim check).</summary>
public sealed class PayloadStore(StorageClients clients)
{
    /// <summary>
    /// Stores <paramref name="payload"/> under a name derived from the event and delivery (<see cref="StorageKeys.PayloadBlobName"/>),
    /// so a retried upload overwrites itself and two different events never share a blob.
    /// </summary>
    public async Task<PayloadReference> SaveAsync(WebhookSource source, string eventId, string deliveryId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var name = StorageKeys.PayloadBlobName(source.Name, eventId, deliveryId);
        var blob = clients.Blobs.GetBlobContainerClient(StorageNames.PayloadContainer).GetBlobClient(name);
        await blob.UploadAsync(
            BinaryData.FromBytes(payload),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken).ConfigureAwait(false);
        return new PayloadReference(StorageNames.PayloadContainer, name, payload.Length, Hash(payload.Span));
    }

    /// <summary>Reads a claim-checked body back and checks its length and hash.</summary>
    public async Task<ReadOnlyMemory<byte>> LoadAsync(PayloadReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var blob = clients.Blobs.GetBlobContainerClient(reference.Container).GetBlobClient(reference.BlobName);
        Response<BlobDownloadResult> download = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
        var bytes = download.Value.Content.ToMemory();
        if (bytes.Length != reference.Length || !string.Equals(Hash(bytes.Span), reference.Sha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Claim-checked payload {reference.BlobName} does not match its recorded length and SHA-256.");
        }

        return bytes;
    }

    /// <summary>Deletes a stored body named as the ledger records it (<c>container/name</c>); true when it existed.</summary>
    public async Task<bool> DeleteAsync(string containerAndName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(containerAndName);
        var slash = containerAndName.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return false;
        }

        var blob = clients.Blobs.GetBlobContainerClient(containerAndName[..slash]).GetBlobClient(containerAndName[(slash + 1)..]);
        Response<bool> deleted = await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return deleted.Value;
    }

    /// <summary>Reads a stored body without checking it against a reference (for erasure, which only searches it); null when it is gone.</summary>
    public async Task<BinaryData?> TryReadAsync(string containerAndName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(containerAndName);
        var slash = containerAndName.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }

        try
        {
            Response<BlobDownloadResult> download = await clients.Blobs.GetBlobContainerClient(containerAndName[..slash]).GetBlobClient(containerAndName[(slash + 1)..])
                .DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return download.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Every stored body, named as the ledger records it (<c>container/name</c>), referenced or not.</summary>
    public async IAsyncEnumerable<string> AllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var blob in clients.Blobs.GetBlobContainerClient(StorageNames.PayloadContainer).GetBlobsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return $"{StorageNames.PayloadContainer}/{blob.Name}";
        }
    }

    private static string Hash(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
