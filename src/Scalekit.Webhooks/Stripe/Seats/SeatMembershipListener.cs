using System.Text.Json;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Stripe.Seats;

/// <summary>A membership change the read model has applied schedules a seat sync of its organization (while seat sync is on).</summary>
public sealed class SeatMembershipListener(SeatSync seats, Microsoft.Extensions.Options.IOptions<SeatSyncOptions> options) : IAppliedEventListener
{
    private static readonly HashSet<string> MembershipTypes = new(StringComparer.Ordinal)
    {
        "user.signup", "user.organization_invitation", "user.organization_membership_created",
        "user.organization_membership_updated", "user.organization_membership_deleted",
    };

    public bool Hears(string eventType) => options.Value.IsEnabled && MembershipTypes.Contains(eventType);

    public async Task<AppliedEventReaction?> AfterAppliedAsync(JsonElement root, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        var organizationId = (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("organization", out var organization) ? Text(organization, "id") : null)
            ?? Text(root, "organization_id");
        return organizationId is not null && await seats.ScheduleAsync(organizationId, cancellationToken).ConfigureAwait(false)
            ? new AppliedEventReaction($"seat sync of {organizationId} scheduled")
            : null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
