using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.HiBob;
using Scalekit.Webhooks.Hr.Providers.Merge;

namespace Scalekit.Webhooks.Tests.Hr.Providers;

public class HrProviderSettingsTests
{
    [Fact]
    public void Problems_NameTheBrokenSetting_OnlyForProvidersAConnectionUses()
    {
        var configuration = Configuration(
            ("HR_CONNECTIONS:m:ORGANIZATION_ID", "org_1"),
            ("HR_CONNECTIONS:m:PROVIDER", "merge"),
            ("BAMBOOHR_API_BASE_URL", "ftp://bamboo.example"),
            ("HIBOB_API_BASE_URL", "http://hibob.example"));

        var problems = Settings(configuration).Problems().Where(p => p.Problem is not null).ToList();

        var merge = Assert.Single(problems);
        Assert.Equal("Merge", merge.Integration);
        Assert.Contains("MERGE_WEBHOOK_SIGNATURE_KEY is not set", merge.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BAMBOOHR_API_BASE_URL", "ftp://bamboo.example", "bamboohr", "BAMBOOHR_API_BASE_URL is not an https URL")]
    [InlineData("HIBOB_API_BASE_URL", "http://hibob.example", "hibob", "HIBOB_API_BASE_URL is not an https URL")]
    [InlineData("MERGE_WEBHOOK_SIGNATURE_KEY", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/merge)", "merge", "MERGE_WEBHOOK_SIGNATURE_KEY holds a Key Vault reference")]
    public void Problems_BrokenProviderSetting_IsReportedNamingIt(string setting, string value, string provider, string expected)
    {
        var configuration = Configuration(("HR_CONNECTIONS:c:ORGANIZATION_ID", "org_1"), ("HR_CONNECTIONS:c:PROVIDER", provider), (setting, value));

        var problem = Assert.Single(Settings(configuration).Problems(), p => p.Problem is not null).Problem;

        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build();

    private static HrProviderSettings Settings(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System);
        services.Configure<HrConnectionOptions>(options => options.Connections = HrConnection.ReadAll(configuration));
        services.AddHrProviders(configuration);
        return services.BuildServiceProvider().GetRequiredService<HrProviderSettings>();
    }

    private static T Bound<T>(Action<T> bind)
        where T : class, IIntegrationSettings, new()
    {
        var options = new T();
        IntegrationSettings.Apply(options, bind, new NoRules<T>());
        return options;
    }

    private sealed class NoRules<T> : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) => ValidateOptionsResult.Success;
    }
}
