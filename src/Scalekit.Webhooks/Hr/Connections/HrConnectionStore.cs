using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// A connection created through the operations API, as stored: what it acts on and which secret versions are current.
/// Never a secret: those are in <see cref="IHrSecretStore"/>; only their fingerprints are kept here.
/// </summary>
public sealed record StoredHrConnection(string Id, string OrganizationId, string Provider, DateTimeOffset CreatedAt)
{
    /// <summary>The provider's plain fields that are set, by field name.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The value that routes its provider's shared address to it (<see cref="HrProviderProfile.RoutingField"/>), or null.</summary>
    public string? RoutingValue => HrProviders.Find(Provider)?.RoutingField is { } routing && Fields.TryGetValue(routing, out var value) ? value : null;

    /// <summary>The webhook secret's version in the secret store; 0 when the provider signs with one app-wide key instead.</summary>
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
/// (<c>c:{id}</c>) with a column per plain field (<c>company_id</c> → <c>CompanyId</c>) and, for a provider with a shared
/// address, a row per routing value (<c>o:{value}</c>) written in the same transaction, so two live connections never
/// share one.
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
        if (connection.RoutingValue is { } origin)
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

    /// <summary>The id of the live connection whose routing value is <paramref name="origin"/>, or null.</summary>
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
        if (connection.RoutingValue is { } origin)
        {
            await Table.DeleteEntityAsync(Partition, OriginPrefix + StorageKeys.Key(origin), ETag.All, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TableEntity ToRow(StoredHrConnection connection)
    {
        var row = new TableEntity(Partition, ConnectionPrefix + StorageKeys.Key(connection.Id))
        {
            [Columns.Id] = connection.Id,
            [Columns.OrganizationId] = connection.OrganizationId,
            [Columns.Provider] = connection.Provider,
            [Columns.CreatedAt] = connection.CreatedAt,
            [Columns.WebhookSecretVersion] = connection.WebhookSecretVersion,
            [Columns.WebhookSecretFingerprint] = connection.WebhookSecretFingerprint,
            [Columns.PreviousSecretVersion] = connection.PreviousSecretVersion,
            [Columns.PreviousSecretFingerprint] = connection.PreviousSecretFingerprint,
            [Columns.PreviousSecretUntil] = connection.PreviousSecretUntil,
            [Columns.ApiCredentialVersion] = connection.ApiCredentialVersion,
            [Columns.ApiCredentialFingerprint] = connection.ApiCredentialFingerprint,
            [Columns.RotatedAt] = connection.RotatedAt,
        };
        foreach (var (name, value) in connection.Fields)
        {
            row[Columns.Field(name)] = value;
        }

        return row;
    }

    private static StoredHrConnection FromRow(TableEntity row)
    {
        // Rows written before providers were named in lower case hold the provider in Pascal case; the profile gives the one spelling.
        var provider = row.GetString(Columns.Provider);
        var profile = HrProviders.Find(provider);
        return new(row.GetString(Columns.Id), row.GetString(Columns.OrganizationId), profile?.Name ?? provider, row.GetDateTimeOffset(Columns.CreatedAt) ?? DateTimeOffset.MinValue)
        {
            Fields = profile is null ? new Dictionary<string, string>(StringComparer.Ordinal) : HrConnectionFields.Plain(profile, name => row.GetString(Columns.Field(name)), null),
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
    }

    private static class Columns
    {
        public const string Id = "Id";
        public const string OrganizationId = "OrganizationId";
        public const string Provider = "Provider";
        public const string CreatedAt = "CreatedAt";
        public const string WebhookSecretVersion = "WebhookSecretVersion";
        public const string WebhookSecretFingerprint = "WebhookSecretFingerprint";
        public const string PreviousSecretVersion = "PreviousSecretVersion";
        public const string PreviousSecretFingerprint = "PreviousSecretFingerprint";
        public const string PreviousSecretUntil = "PreviousSecretUntil";
        public const string ApiCredentialVersion = "ApiCredentialVersion";
        public const string ApiCredentialFingerprint = "ApiCredentialFingerprint";
        public const string RotatedAt = "RotatedAt";

        /// <summary>A plain field's column: its name in Pascal case (<c>end_user_origin_id</c> → <c>EndUserOriginId</c>).</summary>
        public static string Field(string name) => string.Concat(name.Split('_').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));
    }
}
