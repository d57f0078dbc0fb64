using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// A connection created through the operations API, as stored: what it acts on and which secret versions are current.
/// Never a secret: those are in <see cref="IHrSecretStore"/>; only their fingerprints are kept here.
/// </summary>
public sealed record StoredHrConnection(string Id, string OrganizationId, HrProvider Provider, DateTimeOffset CreatedAt)
{
    public string? CompanyDomain { get; init; }

    public string? CompanyId { get; init; }

    public string? ServiceUserId { get; init; }

    public string? EndUserOriginId { get; init; }

    /// <summary>The webhook secret's version in the secret store; 0 when the provider has none of its own (Merge).</summary>
    public int WebhookSecretVersion { get; init; }

    public string? WebhookSecretFingerprint { get; init; }

    /// <summary>The secret replaced by the last rotation, accepted until <see cref="PreviousSecretUntil"/>.</summary>
    public int? PreviousSecretVersion { get; init; }

    public string? PreviousSecretFingerprint { get; init; }

    public DateTimeOffset? PreviousSecretUntil { get; init; }

    /// <summary>The provider API credential's version in the secret store; 0 when there is none.</summary>
    public int ApiCredentialVersion { get; init; }

    public string? ApiCredentialFingerprint { get; init; }

    public DateTimeOffset? RotatedAt { get; init; }

    public ETag Version { get; init; }

    /// <summary>Whether the previous secret is still accepted at <paramref name="now"/>.</summary>
    public bool InGrace(DateTimeOffset now) => PreviousSecretVersion is not null && PreviousSecretUntil > now;
}

/// <summary>
/// The HR connections table: the only code that knows its name, keys and columns. One partition: a row per connection
/// (<c>c:{id}</c>) and, for Merge, a row per <c>end_user_origin_id</c> (<c>o:{origin}</c>) written in the same
/// transaction, so two live Merge connections never share an origin.
/// </summary>
public sealed class HrConnectionStore(StorageClients clients)
{
    private const string Partition = "hr";
    private const string ConnectionPrefix = "c:";
    private const string OriginPrefix = "o:";

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.HrConnectionsTable);

    /// <summary>Adds the connection; false when its <c>end_user_origin_id</c> belongs to another live connection.</summary>
    public async Task<bool> AddAsync(StoredHrConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        List<TableTransactionAction> actions = [new(TableTransactionActionType.Add, ToRow(connection))];
        if (connection.EndUserOriginId is { } origin)
        {
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(Partition, OriginPrefix + StorageKeys.Key(origin)) { [Columns.Id] = connection.Id }));
        }

        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<StoredHrConnection?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, ConnectionPrefix + StorageKeys.Key(id), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? FromRow(row.Value!) : null;
    }

    /// <summary>One page of the connections, in id order.</summary>
    public async Task<(IReadOnlyList<StoredHrConnection> Connections, string? ContinuationToken)> ListAsync(int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {ConnectionPrefix} and RowKey lt {"c;"}");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            return ([.. page.Values.Select(FromRow)], page.ContinuationToken);
        }

        return ([], null);
    }

    /// <summary>The id of the live connection whose Merge <c>end_user_origin_id</c> is <paramref name="origin"/>, or null.</summary>
    public async Task<string?> FindByOriginAsync(string origin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(origin);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, OriginPrefix + StorageKeys.Key(origin), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetString(Columns.Id) : null;
    }

    /// <summary>Replaces the connection if nobody changed it since it was read; throws a <see cref="RequestFailedException"/> (412) otherwise.</summary>
    public async Task<StoredHrConnection> ReplaceAsync(StoredHrConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var updated = await Table.UpdateEntityAsync(ToRow(connection), connection.Version, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return connection with { Version = updated.Headers.ETag ?? ETag.All };
    }

    /// <summary>Removes the connection and its origin row; one already gone is not an error.</summary>
    public async Task DeleteAsync(StoredHrConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await Table.DeleteEntityAsync(Partition, ConnectionPrefix + StorageKeys.Key(connection.Id), ETag.All, cancellationToken).ConfigureAwait(false);
        if (connection.EndUserOriginId is { } origin)
        {
            await Table.DeleteEntityAsync(Partition, OriginPrefix + StorageKeys.Key(origin), ETag.All, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TableEntity ToRow(StoredHrConnection connection) => new(Partition, ConnectionPrefix + StorageKeys.Key(connection.Id))
    {
        [Columns.Id] = connection.Id,
        [Columns.OrganizationId] = connection.OrganizationId,
        [Columns.Provider] = connection.Provider.ToString(),
        [Columns.CreatedAt] = connection.CreatedAt,
        [Columns.CompanyDomain] = connection.CompanyDomain,
        [Columns.CompanyId] = connection.CompanyId,
        [Columns.ServiceUserId] = connection.ServiceUserId,
        [Columns.EndUserOriginId] = connection.EndUserOriginId,
        [Columns.WebhookSecretVersion] = connection.WebhookSecretVersion,
        [Columns.WebhookSecretFingerprint] = connection.WebhookSecretFingerprint,
        [Columns.PreviousSecretVersion] = connection.PreviousSecretVersion,
        [Columns.PreviousSecretFingerprint] = connection.PreviousSecretFingerprint,
        [Columns.PreviousSecretUntil] = connection.PreviousSecretUntil,
        [Columns.ApiCredentialVersion] = connection.ApiCredentialVersion,
        [Columns.ApiCredentialFingerprint] = connection.ApiCredentialFingerprint,
        [Columns.RotatedAt] = connection.RotatedAt,
    };

    private static StoredHrConnection FromRow(TableEntity row) =>
        new(row.GetString(Columns.Id), row.GetString(Columns.OrganizationId), Enum.Parse<HrProvider>(row.GetString(Columns.Provider)), row.GetDateTimeOffset(Columns.CreatedAt) ?? DateTimeOffset.MinValue)
        {
            CompanyDomain = row.GetString(Columns.CompanyDomain),
            CompanyId = row.GetString(Columns.CompanyId),
            ServiceUserId = row.GetString(Columns.ServiceUserId),
            EndUserOriginId = row.GetString(Columns.EndUserOriginId),
            WebhookSecretVersion = row.GetInt32(Columns.WebhookSecretVersion) ?? 0,
            WebhookSecretFingerprint = row.GetString(Columns.WebhookSecretFingerprint),
            PreviousSecretVersion = row.GetInt32(Columns.PreviousSecretVersion),
            PreviousSecretFingerprint = row.GetString(Columns.PreviousSecretFingerprint),
            PreviousSecretUntil = row.GetDateTimeOffset(Columns.PreviousSecretUntil),
            ApiCredentialVersion = row.GetInt32(Columns.ApiCredentialVersion) ?? 0,
            ApiCredentialFingerprint = row.GetString(Columns.ApiCredentialFingerprint),
            RotatedAt = row.GetDateTimeOffset(Columns.RotatedAt),
            Version = row.ETag,
        };

    private static class Columns
    {
        public const string Id = "Id";
        public const string OrganizationId = "OrganizationId";
        public const string Provider = "Provider";
        public const string CreatedAt = "CreatedAt";
        public const string CompanyDomain = "CompanyDomain";
        public const string CompanyId = "CompanyId";
        public const string ServiceUserId = "ServiceUserId";
        public const string EndUserOriginId = "EndUserOriginId";
        public const string WebhookSecretVersion = "WebhookSecretVersion";
        public const string WebhookSecretFingerprint = "WebhookSecretFingerprint";
        public const string PreviousSecretVersion = "PreviousSecretVersion";
        public const string PreviousSecretFingerprint = "PreviousSecretFingerprint";
        public const string PreviousSecretUntil = "PreviousSecretUntil";
        public const string ApiCredentialVersion = "ApiCredentialVersion";
        public const string ApiCredentialFingerprint = "ApiCredentialFingerprint";
        public const string RotatedAt = "RotatedAt";
    }
}
