using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.Tests.Hr;

public class HrConnectionIdsTests
{
    [Fact]
    public void New_IsHrcAndTwentyBase32Characters_AndNeverRepeats()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => HrConnectionIds.New()).ToList();

        Assert.All(ids, id => Assert.Matches("^hrc_[a-z2-7]{20}$", id));
        Assert.All(ids, id => Assert.True(HrConnectionIds.IsStored(id)));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("acme")]
    [InlineData("hrc_abc")]
    [InlineData("hrc_ABCDEFGHIJKLMNOPQRST")]
    [InlineData("hrc_abcdefghijklmnopqrs1")]
    [InlineData("xyz_abcdefghijklmnopqrst")]
    public void IsStored_RefusesAnythingElse(string id) => Assert.False(HrConnectionIds.IsStored(id));

    [Fact]
    public void SettingsIdRule_AcceptsACreatedConnectionsId_AndStillTheSettingsIds()
    {
        var created = HrConnectionIds.New();
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"HR_CONNECTIONS:{created}:ORGANIZATION_ID"] = "org_1",
            [$"HR_CONNECTIONS:{created}:SIGNING_SECRET"] = WebhookSigner.NewScalekitSecret(),
            ["HR_CONNECTIONS:acme-eu:ORGANIZATION_ID"] = "org_2",
            ["HR_CONNECTIONS:acme-eu:SIGNING_SECRET"] = WebhookSigner.NewScalekitSecret(),
            ["HR_CONNECTIONS:bad_id:ORGANIZATION_ID"] = "org_3",
            ["HR_CONNECTIONS:bad_id:SIGNING_SECRET"] = WebhookSigner.NewScalekitSecret(),
        }).Build();

        var connections = HrConnection.ReadAll(settings);

        Assert.True(connections.Single(c => c.Id == created).IsEnabled);
        Assert.True(connections.Single(c => c.Id == "acme-eu").IsEnabled);
        Assert.False(connections.Single(c => c.Id == "bad_id").IsEnabled);
    }

    [Fact]
    public void KeyVaultName_TurnsTheIdsUnderscoreIntoADash_AndRefusesAPath()
    {
        Assert.Equal("hr-hrc-abcdefghijklmnopqrst-webhook-2", KeyVaultHrSecretStore.Name("hrc_abcdefghijklmnopqrst", HrSecretSlots.Webhook(2)));
        Assert.Throws<ArgumentException>(() => KeyVaultHrSecretStore.Name("../etc", HrSecretSlots.Webhook(1)));
    }
}
