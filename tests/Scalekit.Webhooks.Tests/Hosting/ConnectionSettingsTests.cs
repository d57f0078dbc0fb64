using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Tests.Hosting;

public class ConnectionSettingsTests
{
    // What Azure gives an app setting whose Key Vault secret was never stored.
    private const string Unresolved = "@Microsoft.KeyVault(SecretUri=https://kv-skfn.vault.azure.net/secrets/scalekit-client-secret)";

    [Fact]
    public void Problem_NothingSet_IsNone()
    {
        Assert.Null(ConnectionSettings.Problem("Scalekit API access", Given(null, null, null), null));
    }

    [Fact]
    public void Problem_OnlyTheSecretsUnresolvedReference_IsNone_TheIntegrationIsSimplyNotConfigured()
    {
        Assert.Null(ConnectionSettings.Problem("Scalekit API access", Given(null, null, Unresolved), null));
    }

    [Fact]
    public void Problem_UnresolvedReferenceBesideTheOtherSettings_NamesTheSetting_NotItsValue()
    {
        var problem = ConnectionSettings.Problem("Scalekit API access", Given("https://acme.scalekit.dev", "skc_1", Unresolved), null);

        Assert.Equal("Scalekit API access is off: SECRET holds a Key Vault reference that has not been resolved.", problem);
    }

    [Fact]
    public void Problem_SomeSettingsMissing_NamesThem()
    {
        var problem = ConnectionSettings.Problem("Scalekit API access", Given("https://acme.scalekit.dev", null, null), null);

        Assert.Equal("Scalekit API access is off: ID and SECRET are not set, while URL is. Set all of them, or none.", problem);
    }

    private static Dictionary<string, string?> Given(string? url, string? id, string? secret) => new()
    {
        ["URL"] = url,
        ["ID"] = id,
        ["SECRET"] = secret,
    };
}
