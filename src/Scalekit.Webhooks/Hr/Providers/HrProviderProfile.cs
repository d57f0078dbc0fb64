using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Hr.Connections;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>
/// One HR system as the rest of the product sees it: its name, the fields a connection to it takes, where its signing
/// key comes from, and the services its folder registers. The operations API, the settings reader, the connections
/// table, the CLI and the console are all driven by these, so a provider is its folder plus its line in
/// <see cref="HrProviders.All"/>.
/// </summary>
public sealed class HrProviderProfile
{
    /// <summary>How it is named in requests, settings (<c>HR_CONNECTIONS__{id}__PROVIDER</c>) and stored rows: lower case.</summary>
    public required string Name { get; init; }

    /// <summary>How people call it, as forms and messages spell it.</summary>
    public required string Label { get; init; }

    /// <summary>What a connection takes, besides its organization: in the order forms ask for them.</summary>
    public IReadOnlyList<HrField> Fields { get; init; } = [];

    /// <summary>What a signing secret must look like, for one the product generates or an operator sets; null: any text.</summary>
    public Func<string, string?>? SigningSecretProblem { get; init; }

    /// <summary>The app setting holding the one key every connection's deliveries are signed with, when there is no key per connection.</summary>
    public string? AppSigningKeySetting { get; init; }

    /// <summary>
    /// For an HR system that posts every customer's deliveries to one address (<c>/api/webhooks/hr/{SharedRoute}</c>):
    /// the route, and the field whose value in the body names the connection (unique among live connections).
    /// </summary>
    public string? SharedRoute { get; init; }

    public string? RoutingField { get; init; }

    /// <summary>The <see cref="IHrProvider"/> that verifies and reads its deliveries.</summary>
    public required Type Provider { get; init; }

    /// <summary>Its own settings and API client, registered once.</summary>
    public Action<IServiceCollection, IConfiguration>? AddServices { get; init; }

    /// <summary>Deliveries shaped and signed as the HR system sends them, for the CLI's <c>send</c>; null for the product's own format.</summary>
    public HrDeliverySamples? Samples { get; init; }

    public HrField? Field(string name) => Fields.FirstOrDefault(candidate => candidate.Name == name);

    /// <summary>The field holding the webhook key the HR system signs with, when each connection has its own.</summary>
    public HrField? WebhookSecretField => Fields.FirstOrDefault(candidate => candidate.Kind == HrFieldKind.WebhookSecret);

    /// <summary>True when the product makes each connection's signing secret (returned once) rather than the HR system.</summary>
    public bool GeneratesSigningSecret => WebhookSecretField?.Generated == true;

    /// <summary>The field holding the credential its API is called with, when it has one.</summary>
    public HrField? ApiCredentialField => Fields.FirstOrDefault(candidate => candidate.Kind == HrFieldKind.ApiCredential);

    /// <summary>The fields of a connection that are not secrets: kept in the connections table and shown.</summary>
    public IEnumerable<HrField> PlainFields => Fields.Where(candidate => candidate.Kind == HrFieldKind.Text);
}

/// <summary>What kind of value a connection field holds.</summary>
public enum HrFieldKind
{
    /// <summary>Shown and stored in the connections table.</summary>
    Text,

    /// <summary>The key the HR system signs deliveries with: kept in the secret store, rotated with a grace.</summary>
    WebhookSecret,

    /// <summary>The credential the HR system's API is called with: kept in the secret store.</summary>
    ApiCredential,
}

/// <summary>
/// One field of a connection: its name in requests (<c>company_domain</c>), what it is for (said in every message about
/// it), and its rule. In settings it is <c>HR_CONNECTIONS__{id}__{NAME}</c>; the webhook secret is always
/// <c>SIGNING_SECRET</c> and the API credential <c>API_KEY</c>.
/// </summary>
public sealed record HrField(string Name, HrFieldKind Kind, string Description)
{
    public const string SigningSecretSetting = "SIGNING_SECRET";
    public const string ApiCredentialSetting = "API_KEY";

    public bool Optional { get; init; }

    /// <summary>Made by the product (a generated signing secret): never taken in a request.</summary>
    public bool Generated { get; init; }

    /// <summary>When left out, the connection's organization id is used.</summary>
    public bool DefaultsToOrganization { get; init; }

    /// <summary>The rule a text value must follow; null for secrets (any printable text without spaces).</summary>
    public HrFieldFormat? Format { get; init; }

    /// <summary>The label a form shows.</summary>
    public string? Label { get; init; }

    /// <summary>True when the value can be set only through the operations API (it may be recorded later), so settings must give it.</summary>
    public bool RequiredInSettings { get; init; }

    /// <summary>Its name as the last part of a connection's setting.</summary>
    public string Setting => Kind switch
    {
        HrFieldKind.WebhookSecret => SigningSecretSetting,
        HrFieldKind.ApiCredential => ApiCredentialSetting,
        _ => Name.ToUpperInvariant(),
    };

    public bool IsSecret => Kind != HrFieldKind.Text;
}

/// <summary>A text field's rule: the check and how to say what it wants.</summary>
public sealed record HrFieldFormat(Func<string, bool> IsValid, string Expected)
{
    /// <summary>Digits only, up to 20.</summary>
    public static HrFieldFormat Number { get; } = new(value => value.Length is > 0 and <= 20 && value.All(char.IsAsciiDigit), "digits only");

    /// <summary>A DNS label: lower-case letters, digits and '-', not at either end.</summary>
    public static HrFieldFormat Subdomain { get; } = new(
        value => value.Length is > 0 and <= 63 && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && value[0] != '-' && value[^1] != '-',
        "lower-case letters, digits and '-'");

    /// <summary>Printable ASCII without spaces, up to 200 characters.</summary>
    public static HrFieldFormat Text { get; } = new(value => value.Length is > 0 and <= 200 && value.All(c => c is > ' ' and <= '~'), "printable text without spaces, at most 200 characters");
}

/// <summary>An HR system's sample deliveries: its event types, a body for one, and its signature headers.</summary>
public sealed class HrDeliverySamples
{
    public required IReadOnlyList<string> Types { get; init; }

    /// <summary>The body of a sample delivery to a connection.</summary>
    public required Func<HrSample, HrConnection, byte[]> Body { get; init; }

    /// <summary>The headers that sign <c>body</c> with <c>secret</c> at <c>now</c>, as the HR system sends them.</summary>
    public required Func<byte[], string, DateTimeOffset, IReadOnlyList<KeyValuePair<string, string>>> Sign { get; init; }
}

/// <summary>What a sample delivery is about.</summary>
public sealed record HrSample(string Type, string EmployeeId, string Email, string Department, DateTimeOffset OccurredAt);

/// <summary>What the operations API says of a provider, so forms and tools ask for its fields without knowing it.</summary>
public sealed record HrProviderView(string Name, string Label, IReadOnlyList<HrFieldView> Fields, bool GeneratesSigningSecret, string? SharedRoute, string? AppSigningKeySetting)
{
    public static HrProviderView Of(HrProviderProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new(profile.Name, profile.Label, [.. profile.Fields.Where(field => !field.Generated).Select(HrFieldView.Of)], profile.GeneratesSigningSecret, profile.SharedRoute, profile.AppSigningKeySetting);
    }
}

/// <summary>One field of a provider as a form shows it: secrets are write-only and can be rotated.</summary>
public sealed record HrFieldView(string Name, string Label, string Description, bool Required, bool Secret)
{
    public static HrFieldView Of(HrField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return new(field.Name, field.Label ?? field.Name, field.Description, !field.Optional, field.IsSecret);
    }
}
