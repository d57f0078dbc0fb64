using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.Ingest;

public class SenderSecretsTests
{
    private const string Setting = "SCALEKIT_WEBHOOK_SECRET";

    [Fact]
    public void Read_ValidSecrets_EnablesTheSender()
    {
        var current = WebhookSigner.NewScalekitSecret();
        var previous = WebhookSigner.NewScalekitSecret();

        var sender = SenderSecrets.Read(ScalekitSource.Id, Setting, $"{current}, {previous}");

        Assert.True(sender.IsEnabled);
        Assert.Null(sender.Problem);
        Assert.Equal([current, previous], sender.Secrets);
    }

    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("   ", "is not set")]
    [InlineData("placeholder", "secret #1 is not a valid signing secret")]
    [InlineData("whsec_", "secret #1 is not a valid signing secret")]
    [InlineData("whsec_***not-base64***", "not standard base64")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/scalekit-webhook-secret/)", "Key Vault reference that has not been resolved")]
    [InlineData("@microsoft.keyvault(VaultName=kv-x;SecretName=scalekit-webhook-secret)", "Key Vault reference that has not been resolved")]
    public void Read_BrokenValue_DisablesTheSenderNamingTheSettingButNotTheValue(string? value, string expected)
    {
        var sender = SenderSecrets.Read(ScalekitSource.Id, Setting, value);

        Assert.False(sender.IsEnabled);
        Assert.Contains(Setting, sender.Problem, StringComparison.Ordinal);
        Assert.Contains(expected, sender.Problem, StringComparison.Ordinal);
        foreach (var part in (value ?? string.Empty).Split(['(', ')', '=', '/', ';'], StringSplitOptions.RemoveEmptyEntries).Where(part => part.Length > 8))
        {
            Assert.DoesNotContain(part, sender.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_OneBadSecretAmongGoodOnes_NamesItsPosition()
    {
        var sender = SenderSecrets.Read(ScalekitSource.Id, Setting, $"{WebhookSigner.NewScalekitSecret()} whsec_!!!");

        Assert.Contains("secret #2", sender.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TooManySecrets_DisablesTheSender()
    {
        var secrets = string.Join(',', Enumerable.Range(0, 9).Select(_ => WebhookSigner.NewScalekitSecret()));

        var sender = SenderSecrets.Read(ScalekitSource.Id, Setting, secrets);

        Assert.Contains("at most 8", sender.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("whsec_a1b2c3", true)]
    [InlineData("sk_live_123", false)]
    [InlineData("placeholder", false)]
    public void Read_StripeSecrets_NeedTheWhsecPrefix(string value, bool enabled)
    {
        var sender = SenderSecrets.Read(StripeSource.Id, "STRIPE_WEBHOOK_SECRET", value);

        Assert.Equal(enabled, sender.IsEnabled);
    }
}
