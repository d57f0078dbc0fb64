using System.Text.Json;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Crm;

/// <summary>
/// What an applied Scalekit event means for the CRM sync: organization events keep the account link (metadata
/// <c>salesforce_account_id</c>), and organization updates, membership changes and logins of a linked organization
/// queue one account update. The Scalekit processor calls it once per applied Scalekit event it hears.
/// </summary>
public sealed class CrmEventHook(AccountLinks links, AccountPush push, IOptions<SalesforceOptions> salesforce) : IAppliedEventListener
{
    private static readonly HashSet<string> MembershipTypes = new(StringComparer.Ordinal)
    {
        "user.signup", "user.organization_invitation", "user.organization_membership_created",
        "user.organization_membership_updated", "user.organization_membership_deleted",
    };

    /// <summary>Whether an applied event of <paramref name="eventType"/> can reach the CRM (a link change or an account update).</summary>
    public bool Hears(string eventType) => HearsType(eventType);

    private static bool HearsType(string eventType) =>
        eventType is "organization.created" or "organization.updated" or "organization.deleted" or "user.login" || MembershipTypes.Contains(eventType);

    async Task<AppliedEventReaction?> IAppliedEventListener.AfterAppliedAsync(JsonElement root, EventStamp stamp, CancellationToken cancellationToken)
    {
        await AfterAppliedAsync(root, stamp.EventId, stamp.OccurredAt, cancellationToken).ConfigureAwait(false);
        return null;
    }

    public async Task AfterAppliedAsync(JsonElement root, string eventId, DateTimeOffset occurredAt, CancellationToken cancellationToken = default)
    {
        var type = Text(root, "type");
        var data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
        string? organizationId;
        DateTimeOffset? loginAt = null;
        switch (type)
        {
            case "organization.created" or "organization.updated" or "organization.deleted":
                organizationId = Text(data, "id");
                if (organizationId is null)
                {
                    return;
                }

                var accountId = type != "organization.deleted" && data.TryGetProperty("metadata", out var metadata) ? Text(metadata, CrmOptions.AccountIdKey) : null;
                if (string.IsNullOrWhiteSpace(accountId))
                {
                    await links.UnlinkAsync(organizationId, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await links.LinkAsync(organizationId, accountId, cancellationToken).ConfigureAwait(false);
                break;
            case "user.login":
                organizationId = (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("user_session", out var session) ? Text(session, "organization_id") : null)
                    ?? Text(root, "organization_id");
                loginAt = occurredAt;
                break;
            case { } membership when MembershipTypes.Contains(membership):
                organizationId = (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("organization", out var organization) ? Text(organization, "id") : null)
                    ?? Text(root, "organization_id");
                break;
            default:
                return;
        }

        if (organizationId is not null && salesforce.Value.IsConfigured
            && await links.FindAccountAsync(organizationId, cancellationToken).ConfigureAwait(false) is not null)
        {
            await push.EnqueueAsync(new AccountPushRequest(organizationId, eventId, loginAt), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
