using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Hr.Providers.HiBob;

/// <summary>Where HiBob's API is. A broken value switches off only the HiBob connections' event completion.</summary>
public sealed class HiBobOptions : IIntegrationSettings
{
    public const string BaseUrlSetting = "HIBOB_API_BASE_URL";

    /// <summary>The API's base, followed by <c>/v1/people/{id}</c>. Default <c>https://api.hibob.com</c>.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.hibob.com/");

    public string? Problem { get; set; }

    internal static void Bind(HiBobOptions options, IConfiguration configuration)
    {
        if (configuration[BaseUrlSetting] is { Length: > 0 } value)
        {
            options.BaseUrl = ConnectionSettings.SecureBaseUrl(value) ?? options.BaseUrl;
            options.Problem = ConnectionSettings.SecureBaseUrl(value) is null
                ? $"HiBob API access is off: {BaseUrlSetting} is not an https URL (or http to a local stand-in)."
                : null;
        }
    }
}

/// <summary>Every rule of <see cref="HiBobOptions"/> is checked while binding, which records the problem.</summary>
internal sealed class HiBobOptionsValidator : IValidateOptions<HiBobOptions>
{
    public ValidateOptionsResult Validate(string? name, HiBobOptions options) => ValidateOptionsResult.Success;
}
