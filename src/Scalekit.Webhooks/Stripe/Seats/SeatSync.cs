using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Stripe.Seats;

/// <summary>
/// Per-seat billing: an organization's active members, as the read model knows them, become the quantity of the
/// subscription item whose price has the lookup key <c>BILLING_SEAT_PRICE</c>. A membership change schedules one sync
/// per organization on the <c>billing-seat-sync</c> queue, visible after <c>BILLING_SEAT_SYNC_DELAY_SECONDS</c>, and
/// changes until then join it. The sync reads the item from Stripe and sends the count (at least 1) only when it
/// differs, with an <c>Idempotency-Key</c> of organization, item, quantity and the sync's generation, so any retry
/// of the same sync repeats the same key.
/// </summary>
public sealed partial class SeatSync(
    IOptions<SeatSyncOptions> options,
    StripeApiReader stripe,
    StripeListReader lists,
    SeatSyncStore store,
    OrganizationStore organizations,
    MembershipStore memberships,
    AuditTrail audit,
    StorageClients clients,
    TimeProvider time,
    ILogger<SeatSync> logger)
{
    /// <summary>The audit trail's action for a quantity change.</summary>
    public const string AuditAction = "seat-sync";

    /// <summary>A scheduled sync whose message has not been taken this long after its delay is scheduled again.</summary>
    public static readonly TimeSpan LostScheduleAfter = TimeSpan.FromMinutes(5);

    /// <summary>How long the log of syncs (the health's source) keeps a sync.</summary>
    private static readonly TimeSpan SyncsKept = TimeSpan.FromDays(30);

    /// <summary>More pages of subscriptions than one customer has; a list that goes on is an answer not to trust.</summary>
    private const int MaxSubscriptionPages = 10;

    private readonly SeatSyncOptions _options = options.Value;

    /// <summary>
    /// Schedules a seat sync of the organization after a membership change; false when seat sync is off or one is
    /// already scheduled (it will count this change too).
    /// </summary>
    public async Task<bool> ScheduleAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(organizationId);
        if (!_options.IsEnabled)
        {
            return false;
        }

        var now = time.GetUtcNow();
        if (await store.ScheduleAsync(organizationId, now, now - _options.Delay - LostScheduleAfter, cancellationToken).ConfigureAwait(false) is not { } generation)
        {
            return false;
        }

        try
        {
            await clients.Queue(StorageNames.SeatSyncQueue).SendMessageAsync(new SeatSyncRequest(organizationId, generation).ToMessage(), _options.Delay, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The event is retried; it must find no schedule left without a message.
            await store.UnscheduleAsync(organizationId, generation, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        Log.Scheduled(logger, organizationId, generation, _options.Delay.TotalSeconds);
        return true;
    }

    /// <summary>The queue trigger's entry point: one scheduled sync.</summary>
    public async Task HandleAsync(BinaryData message, CancellationToken cancellationToken = default)
    {
        if (SeatSyncRequest.TryParse(message) is not { } request)
        {
            Log.Unreadable(logger);
            return;
        }

        await SyncAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Syncs the organization's seats for the scheduled sync <paramref name="request"/>; null when a newer sync is
    /// scheduled. A failure Stripe may get over (429, 5xx, no answer) is recorded and thrown, so the queue retries it
    /// with the same key; a refusal is recorded and not retried.
    /// </summary>
    public async Task<SeatSyncResult?> SyncAsync(SeatSyncRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!await store.TakeAsync(request.OrganizationId, request.Generation, cancellationToken).ConfigureAwait(false))
        {
            Log.Superseded(logger, request.OrganizationId, request.Generation);
            return null;
        }

        SeatSyncResult result;
        try
        {
            result = await WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StripeReadException { IsTransient: false } or StripeWriteException { IsTransient: false })
        {
            result = new SeatSyncResult(SeatSyncResult.Failed, $"organization {request.OrganizationId}: {ex.Message}; not retried (the next membership change syncs again)");
        }
        catch (Exception ex) when (ex is StripeReadException or StripeWriteException && !cancellationToken.IsCancellationRequested)
        {
            await RecordAsync(request.OrganizationId, new SeatSyncResult(SeatSyncResult.Failed, $"organization {request.OrganizationId}: {ex.Message}; the queue retries"), CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await RecordAsync(request.OrganizationId, result, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>The <c>Idempotency-Key</c> of one quantity change: the same organization, item, quantity and sync give the same key.</summary>
    public static string IdempotencyKey(string organizationId, string itemId, long quantity, long generation) =>
        "seats-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('\n', organizationId, itemId, quantity.ToString(CultureInfo.InvariantCulture), generation.ToString(CultureInfo.InvariantCulture)))))[..32];

    private async Task<SeatSyncResult> WriteAsync(SeatSyncRequest request, CancellationToken cancellationToken)
    {
        var organizationId = request.OrganizationId;
        if (!_options.IsEnabled)
        {
            return Skip(organizationId, $"seat sync is off ({_options.Problem ?? $"{SeatSyncOptions.SeatPriceSetting} is not set"})");
        }

        if (!stripe.IsConfigured)
        {
            return Skip(organizationId, $"seat sync needs Stripe API access: {StripeApiOptions.ApiKeySetting} is not set or not usable");
        }

        if (await organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false) is not { ExternalId: { Length: > 0 } customerId })
        {
            return Skip(organizationId, "the organization has no linked Stripe customer (external_id)");
        }

        if (!Hosting.UrlPathSegment.IsUsable(customerId) || await SeatItemAsync(customerId, cancellationToken).ConfigureAwait(false) is not { } item)
        {
            return Skip(organizationId, $"customer {customerId} has no subscription item with the price {_options.SeatPrice} ({SeatSyncOptions.SeatPriceSetting})");
        }

        var members = await memberships.ActiveMembersAsync(organizationId, cancellationToken).ConfigureAwait(false);
        var quantity = Math.Max(1, members);
        if (item.Quantity == quantity)
        {
            return new SeatSyncResult(SeatSyncResult.Unchanged, $"organization {organizationId}: item {item.Id} already has {quantity} seats; nothing was sent", item.Id, item.Quantity, quantity);
        }

        await stripe.PostFormAsync(
            $"/v1/subscription_items/{Uri.EscapeDataString(item.Id)}",
            [new("quantity", quantity.ToString(CultureInfo.InvariantCulture)), new("proration_behavior", _options.Proration)],
            IdempotencyKey(organizationId, item.Id, quantity, request.Generation),
            "the seat item's quantity",
            cancellationToken).ConfigureAwait(false);
        var result = new SeatSyncResult(SeatSyncResult.Sent, $"organization {organizationId}: item {item.Id} from {item.Quantity?.ToString(CultureInfo.InvariantCulture) ?? "none"} to {quantity} seats", item.Id, item.Quantity, quantity);
        await audit.RecordAsync(AuditAction, $"organization {organizationId}, item {item.Id}: {item.Quantity?.ToString(CultureInfo.InvariantCulture) ?? "none"} → {quantity}", SeatSyncResult.Sent, "system", AuditTrail.Fingerprint(null), CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// The customer's item with the seat price, from its subscriptions that are not canceled (Stripe's default list),
    /// an active or trialing one first.
    /// </summary>
    private async Task<SeatItem?> SeatItemAsync(string customerId, CancellationToken cancellationToken)
    {
        var subscriptions = await lists.AllAsync($"/v1/subscriptions?customer={Uri.EscapeDataString(customerId)}", "the customer's subscriptions", MaxSubscriptionPages, cancellationToken).ConfigureAwait(false);
        return subscriptions
            .OrderBy(subscription => StripeListReader.Text(subscription, "status") switch
            {
                "active" or "trialing" => 0,
                "past_due" => 1,
                _ => 2,
            })
            .SelectMany(Items)
            .FirstOrDefault(item => item.PriceLookupKey == _options.SeatPrice);
    }

    private static IEnumerable<SeatItem> Items(JsonElement subscription)
    {
        if (!subscription.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Object
            || !items.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var item in data.EnumerateArray())
        {
            if (StripeListReader.Text(item, "id") is { } id && item.TryGetProperty("price", out var price))
            {
                yield return new SeatItem(
                    id,
                    StripeListReader.Text(price, "lookup_key"),
                    item.TryGetProperty("quantity", out var quantity) && quantity.TryGetInt64(out var held) ? held : null);
            }
        }
    }

    private static SeatSyncResult Skip(string organizationId, string reason) => new(SeatSyncResult.Skipped, $"organization {organizationId}: {reason}; nothing was sent");

    private async Task RecordAsync(string organizationId, SeatSyncResult result, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await store.RecordAsync(organizationId, result, now, cancellationToken).ConfigureAwait(false);
        await store.PruneAsync(now - SyncsKept, cancellationToken).ConfigureAwait(false);
        Log.Synced(logger, result.Outcome, result.Detail);
    }

    private sealed record SeatItem(string Id, string? PriceLookupKey, long? Quantity);

    private static partial class Log
    {
        [LoggerMessage(5180, LogLevel.Information, "Seat sync of {OrganizationId} scheduled (generation {Generation}) in {DelaySeconds} s")]
        public static partial void Scheduled(ILogger logger, string organizationId, long generation, double delaySeconds);

        [LoggerMessage(5181, LogLevel.Information, "Seat sync: {Outcome}: {Detail}")]
        public static partial void Synced(ILogger logger, string outcome, string detail);

        [LoggerMessage(5182, LogLevel.Debug, "Seat sync of {OrganizationId} generation {Generation} dropped: a newer one is scheduled")]
        public static partial void Superseded(ILogger logger, string organizationId, long generation);

        [LoggerMessage(5183, LogLevel.Warning, "A billing-seat-sync message could not be read and is dropped")]
        public static partial void Unreadable(ILogger logger);
    }
}

/// <summary>One scheduled seat sync: the organization and the generation of its schedule.</summary>
public sealed record SeatSyncRequest(string OrganizationId, long Generation)
{
    public BinaryData ToMessage() => BinaryData.FromObjectAsJson(new { organization_id = OrganizationId, generation = Generation });

    /// <summary>The request in a queue message, or null when it is not one.</summary>
    public static SeatSyncRequest? TryParse(BinaryData message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            using var document = JsonDocument.Parse(message);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("organization_id", out var organization) && organization.ValueKind == JsonValueKind.String && organization.GetString() is { Length: > 0 } organizationId
                && root.TryGetProperty("generation", out var generation) && generation.ValueKind == JsonValueKind.Number && generation.TryGetInt64(out var number)
                ? new SeatSyncRequest(organizationId, number)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
