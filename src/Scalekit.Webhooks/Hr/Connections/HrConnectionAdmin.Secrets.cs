namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>A connection's secret slots in the secret store: written before its row, removed when replaced or deleted.</summary>
public sealed partial class HrConnectionAdmin
{
    private async Task WriteSecretsAsync(string id, string? webhookSecret, string? apiCredential, StoredHrConnection target, CancellationToken cancellationToken)
    {
        if (webhookSecret is not null)
        {
            await secrets.SetAsync(id, HrSecretSlots.Webhook(target.WebhookSecretVersion), webhookSecret, cancellationToken).ConfigureAwait(false);
        }

        if (apiCredential is not null)
        {
            await secrets.SetAsync(id, HrSecretSlots.ApiCredential(target.ApiCredentialVersion), apiCredential, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>After a rotation: the secret the grace no longer covers (the one before the previous) and a replaced API credential.</summary>
    private async Task RemoveReplacedAsync(StoredHrConnection before, bool webhookRotated, bool credentialRotated)
    {
        try
        {
            if (webhookRotated && before.PreviousSecretVersion is { } older)
            {
                await secrets.DeleteAsync(before.Id, HrSecretSlots.Webhook(older), CancellationToken.None).ConfigureAwait(false);
            }

            if (credentialRotated && before.ApiCredentialVersion > 0)
            {
                await secrets.DeleteAsync(before.Id, HrSecretSlots.ApiCredential(before.ApiCredentialVersion), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (HrSecretUnavailableException ex)
        {
            // The rotation is done; a replaced secret left behind is never read again and goes with the connection.
            Log.SecretStoreFailed(logger, ex, before.Id, "remove-replaced");
        }
    }

    private async Task DeleteSecretsAsync(StoredHrConnection stored, bool ignoreFailures, CancellationToken cancellationToken)
    {
        List<string> slots = [];
        if (stored.WebhookSecretVersion > 0)
        {
            slots.Add(HrSecretSlots.Webhook(stored.WebhookSecretVersion));
        }

        if (stored.PreviousSecretVersion is { } previous)
        {
            slots.Add(HrSecretSlots.Webhook(previous));
        }

        if (stored.ApiCredentialVersion > 0)
        {
            slots.Add(HrSecretSlots.ApiCredential(stored.ApiCredentialVersion));
        }

        foreach (var slot in slots)
        {
            try
            {
                await secrets.DeleteAsync(stored.Id, slot, cancellationToken).ConfigureAwait(false);
            }
            catch (HrSecretUnavailableException) when (ignoreFailures)
            {
            }
        }
    }
}
