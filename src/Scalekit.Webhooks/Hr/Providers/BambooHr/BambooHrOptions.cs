using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Hr.Providers.BambooHr;

/// <summary>Where BambooHR's API is. A broken value switches off only the BambooHR connections' event completion.</summary>
public sealed class BambooHrOptions : IIntegrationSettings
{
    public const string BaseUrlSetting = "BAMBOOHR_API_BASE_URL";

    /// <summary>The API's base, followed by <c>/{company_domain}/v1/…</c>. Default <c>https://api.bamboohr.com/api/gateway.php</c>.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.bamboohr.com/api/gateway.php/");

    public string? Problem { get; set; }

    internal static void Bind(BambooHrOptions options, IConfiguration configuration)
    {
        if (configuration[BaseUrlSetting] is { Length: > 0 } value)
        {
            options.BaseUrl = ConnectionSettings.SecureBaseUrl(value) ?? options.BaseUrl;
            options.Problem = ConnectionSettings.SecureBaseUrl(value) is null
                ? $"BambooHR API access is off: {BaseUrlSetting} is not an https URL (or http to a local stand-in)."
                : null;
        }
    }
}

/// <summary>Every rule of <see cref="BambooHrOptions"/> is checked while binding, which records the problem.</summary>
internal sealed class BambooHrOptionsValidator : IValidateOptions<BambooHrOptions>
{
    public ValidateOptionsResult Validate(string? name, BambooHrOptions options) => ValidateOptionsResult.Success;
}
