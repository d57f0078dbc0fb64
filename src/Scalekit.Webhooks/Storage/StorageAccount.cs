using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// One storage account as a setting names it, in the forms the Functions host reads for <c>AzureWebJobsStorage</c>:
/// a connection string in the setting itself, or identity-based <c>NAME__accountName</c> (or
/// <c>NAME__queueServiceUri</c>, <c>__blobServiceUri</c>, <c>__tableServiceUri</c>) with optional
/// <c>NAME__credential</c> (<c>managedidentity</c>) and <c>NAME__clientId</c>.
/// </summary>
public sealed class StorageAccount
{
    private readonly string? _connectionString;
    private readonly IConfigurationSection _section;
    private readonly Lazy<TokenCredential> _credential;

    private StorageAccount(string setting, string? connectionString, IConfigurationSection section)
    {
        Setting = setting;
        _connectionString = connectionString;
        _section = section;
        _credential = new Lazy<TokenCredential>(CreateCredential);
    }

    /// <summary>The setting that names this account.</summary>
    public string Setting { get; }

    /// <summary>The account <paramref name="setting"/> names, or null when neither the setting nor any <c>__</c> part of it is set.</summary>
    public static StorageAccount? Read(IConfiguration configuration, string setting)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[setting];
        var section = configuration.GetSection(setting);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageAccount(setting, connectionString.Trim(), section);
        }

        return section.GetChildren().Any(child => !string.IsNullOrWhiteSpace(child.Value)) ? new StorageAccount(setting, null, section) : null;
    }

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The setting's value is no usable connection string or identity-based form; the message names the setting, never its value.</exception>
    public QueueServiceClient QueueService(QueueClientOptions options) =>
        _connectionString is { } connectionString
            ? Parse(() => new QueueServiceClient(connectionString, options))
            : new QueueServiceClient(ServiceUri("queue"), _credential.Value, options);

    /// <inheritdoc cref="QueueService"/>
    public BlobServiceClient BlobService(BlobClientOptions options) =>
        _connectionString is { } connectionString
            ? Parse(() => new BlobServiceClient(connectionString, options))
            : new BlobServiceClient(ServiceUri("blob"), _credential.Value, options);

    /// <inheritdoc cref="QueueService"/>
    public TableServiceClient TableService(TableClientOptions options) =>
        _connectionString is { } connectionString
            ? Parse(() => new TableServiceClient(connectionString, options))
            : new TableServiceClient(ServiceUri("table"), _credential.Value, options);

    private T Parse<T>(Func<T> create)
    {
        try
        {
            return create();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or UriFormatException)
        {
            // The SDK's message may quote the connection string, and with it the account key: never pass it on.
            throw SettingValue.Invalid(Setting, $"must be a storage connection string (AccountName=…;AccountKey=… or UseDevelopmentStorage=true), or be left empty with {Setting}__accountName set for identity-based access");
        }
    }

    private Uri ServiceUri(string service)
    {
        var uriSetting = service + "ServiceUri";
        if (_section[uriSetting] is { } explicitUri && !string.IsNullOrWhiteSpace(explicitUri))
        {
            return Uri.TryCreate(explicitUri.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
                ? uri
                : throw SettingValue.Invalid($"{Setting}:{uriSetting}", "must be an absolute http(s) URL of the account's " + service + " service");
        }

        var account = _section["accountName"]?.Trim();
        if (string.IsNullOrEmpty(account))
        {
            throw SettingValue.Invalid($"{Setting}:accountName", $"must be set for identity-based access (or {Setting}__{uriSetting}, or a connection string in {Setting})");
        }

        // Storage account names are 3 to 24 lower-case letters and digits; anything else would only fail at the first request.
        return account.Length is >= 3 and <= 24 && account.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            ? new Uri($"https://{account}.{service}.core.windows.net")
            : throw SettingValue.Invalid($"{Setting}:accountName", "must be a storage account name (3 to 24 lower-case letters and digits)");
    }

    private TokenCredential CreateCredential()
    {
        var clientId = _section["clientId"];
        return string.Equals(_section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrWhiteSpace(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId });
    }
}
