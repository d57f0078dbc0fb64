using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>A create request, read and validated: the provider's plain fields and the secrets it brings.</summary>
public sealed record HrConnectionRequest(string OrganizationId, HrProviderProfile Profile, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>The HR system's webhook key; null when the product generates it or the provider has one app-wide key.</summary>
    public string? WebhookSecret { get; init; }

    public string? ApiCredential { get; init; }

    /// <summary>The value that routes a shared address's deliveries to this connection, when its provider has one.</summary>
    public string? RoutingValue => Profile.RoutingField is { } routing && Fields.TryGetValue(routing, out var value) ? value : null;
}

/// <summary>What is wrong with a request, naming the field.</summary>
public sealed record HrFieldProblem(string Field, string Detail);

/// <summary>
/// The rules of each provider's connection fields (<see cref="HrProviderProfile.Fields"/>), for requests to the
/// operations API and for connections in settings alike. Every field is a string; an unknown or misplaced field is
/// refused, naming it, so a typo never leaves a secret unset.
/// </summary>
public static class HrConnectionFields
{
    private const int MaxSecretLength = 1_000;

    public static (HrConnectionRequest? Fields, HrFieldProblem? Problem) ReadCreate(IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var organization = Value(fields, HrConnectionAdmin.OrganizationField);
        if (organization is null || !IsOrganizationId(organization))
        {
            return Fail(HrConnectionAdmin.OrganizationField, "organization_id is required: the Scalekit organization (org_…) every event of the connection acts on.");
        }

        if (Value(fields, HrConnectionAdmin.ProviderField) is not { } name || HrProviders.Find(name) is not { } profile || !string.Equals(profile.Name, name, StringComparison.Ordinal))
        {
            return Fail(HrConnectionAdmin.ProviderField, $"provider must be {HrProviders.Names}.");
        }

        var taken = profile.Fields.Where(field => !field.Generated).Select(field => field.Name).ToList();
        if (Unexpected(fields, [HrConnectionAdmin.OrganizationField, HrConnectionAdmin.ProviderField, .. taken], profile) is { } unexpected)
        {
            return (null, unexpected);
        }

        foreach (var field in profile.Fields.Where(field => !field.Generated))
        {
            if (RequestProblem(fields, field) is { } problem)
            {
                return (null, problem);
            }
        }

        var request = new HrConnectionRequest(organization, profile, Plain(profile, name => Value(fields, name), organization))
        {
            WebhookSecret = profile.WebhookSecretField is { Generated: false } webhook ? Value(fields, webhook.Name) : null,
            ApiCredential = profile.ApiCredentialField is { } credential ? Value(fields, credential.Name) : null,
        };
        return (request, null);
    }

    /// <summary>A rotation's new secrets: none for a generated secret (a new one is made), at least one of the provider's own otherwise.</summary>
    public static ((string? WebhookSecret, string? ApiCredential) Secrets, HrFieldProblem? Problem) ReadRotation(HrProviderProfile profile, IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(fields);
        if (profile.AppSigningKeySetting is { } appKey && profile.WebhookSecretField is null && profile.ApiCredentialField is null)
        {
            return (default, new HrFieldProblem(HrConnectionAdmin.ProviderField, $"A {profile.Label} connection has no secret of its own: {profile.Label} signs with the app setting {appKey}."));
        }

        List<HrField> rotatable = [.. profile.Fields.Where(field => field.IsSecret && !field.Generated).OrderBy(field => field.Kind != HrFieldKind.WebhookSecret)];
        if (Unexpected(fields, [.. rotatable.Select(field => field.Name)], profile) is { } unexpected)
        {
            return (default, unexpected);
        }

        if (rotatable.Count == 0)
        {
            return ((null, null), null);
        }

        if (rotatable.All(field => Value(fields, field.Name) is null))
        {
            return (default, new HrFieldProblem(rotatable[0].Name, $"Send the new {string.Join(", the new ", rotatable.Select(field => field.Name))}{(rotatable.Count > 1 ? ", or both" : "")}."));
        }

        var problem = rotatable.Where(field => Value(fields, field.Name) is not null).Select(field => RequestProblem(fields, field)).FirstOrDefault(found => found is not null);
        return problem is null
            ? ((Of(HrFieldKind.WebhookSecret), Of(HrFieldKind.ApiCredential)), null)
            : (default, problem);

        string? Of(HrFieldKind kind) => rotatable.FirstOrDefault(field => field.Kind == kind) is { } field ? Value(fields, field.Name) : null;
    }

    /// <summary>The plain fields <paramref name="value"/> gives, with those that default to the organization filled in.</summary>
    public static Dictionary<string, string> Plain(HrProviderProfile profile, Func<string, string?> value, string? organization)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(value);
        Dictionary<string, string> plain = new(StringComparer.Ordinal);
        foreach (var field in profile.PlainFields)
        {
            if ((value(field.Name) ?? (field.DefaultsToOrganization ? organization : null)) is { } found)
            {
                plain[field.Name] = found;
            }
        }

        return plain;
    }

    /// <summary>What is wrong with a connection read from settings, naming the setting; <paramref name="setting"/> reads one of its settings.</summary>
    public static string? SettingsProblem(HrProviderProfile profile, HrConnection connection, string? secretValue, Func<string, string?> setting)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(setting);
        foreach (var field in profile.PlainFields)
        {
            var value = connection.Field(field.Name);
            if (value is null && (!field.Optional || field.RequiredInSettings))
            {
                return $"{connection.Setting(field.Setting)} is not set: give {field.Description}.";
            }

            if (value is not null && field.Format is { } format && !format.IsValid(value))
            {
                return $"{connection.Setting(field.Setting)} must be {field.Description} ({format.Expected}).";
            }
        }

        if (profile.ApiCredentialField is { } credential && connection.ApiCredential is null)
        {
            return $"{connection.Setting(credential.Setting)} is not set: give {credential.Description}.";
        }

        var secretSetting = connection.Setting(HrField.SigningSecretSetting);
        if (profile.WebhookSecretField is not { } webhook)
        {
            return connection.Secrets.Count > 0 && profile.AppSigningKeySetting is { } appKey
                ? $"{secretSetting} is not read for a {profile.Label} connection: {profile.Label} signs with the one {appKey} app setting. Remove it."
                : null;
        }

        if (ConnectionSettings.IsUnresolvedKeyVaultReference(secretValue))
        {
            return $"{secretSetting} holds a Key Vault reference that has not been resolved: grant the app's identity the Key Vault Secrets User role on the vault, check that the secret exists, then restart the app.";
        }

        if (connection.Secrets.Count == 0)
        {
            return $"{secretSetting} is not set: give {webhook.Description}.";
        }

        if (connection.Secrets.Count > HmacSignatures.MaxSecrets)
        {
            return $"{secretSetting} holds {connection.Secrets.Count} secrets; at most {HmacSignatures.MaxSecrets} can be active at once.";
        }

        var wrong = connection.Secrets.Select((secret, index) => (Index: index, Problem: profile.SigningSecretProblem?.Invoke(secret))).FirstOrDefault(found => found.Problem is not null);
        return wrong.Problem is null ? null : $"{secretSetting}: secret #{wrong.Index + 1} is not {webhook.Description}.";
    }

    private static HrFieldProblem? RequestProblem(IReadOnlyDictionary<string, string> fields, HrField field)
    {
        var value = Value(fields, field.Name);
        if (field.IsSecret)
        {
            return value is { Length: <= MaxSecretLength } && !value.Any(char.IsControl) && !value.Any(char.IsWhiteSpace)
                ? null
                : new HrFieldProblem(field.Name, $"{field.Name} is required: {field.Description} (at most {MaxSecretLength} characters, no spaces).");
        }

        var format = field.Format ?? HrFieldFormat.Text;
        return value is null
            ? field.Optional ? null : new HrFieldProblem(field.Name, $"{field.Name} is required: {field.Description} ({format.Expected}).")
            : format.IsValid(value) ? null : new HrFieldProblem(field.Name, $"{field.Name} must be {field.Description} ({format.Expected}).");
    }

    private static HrFieldProblem? Unexpected(IReadOnlyDictionary<string, string> fields, IReadOnlyCollection<string> allowed, HrProviderProfile profile)
    {
        var unexpected = fields.Keys.Where(key => !allowed.Contains(key)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (unexpected is null)
        {
            return null;
        }

        var own = allowed.Where(name => name is not HrConnectionAdmin.OrganizationField and not HrConnectionAdmin.ProviderField).ToList();
        return new HrFieldProblem(unexpected, profile.WebhookSecretField?.Name == unexpected && profile.GeneratesSigningSecret
            ? $"{unexpected} is not taken for a {profile.Name} connection: its signing secret is generated and returned once."
            : $"{unexpected} is not a field of a {profile.Name} connection{(own.Count == 0 ? "" : $" (its fields: {string.Join(", ", own)})")}.");
    }

    private static bool IsOrganizationId(string value) =>
        value.Length is > 4 and <= 104 && value.StartsWith("org_", StringComparison.Ordinal) && value[4..].All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static string? Value(IReadOnlyDictionary<string, string> fields, string field) =>
        fields.TryGetValue(field, out var value) && value.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    private static (HrConnectionRequest?, HrFieldProblem?) Fail(string field, string detail) => (null, new HrFieldProblem(field, detail));
}
