using System.Text.Json.Nodes;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Samples;

/// <summary>Realistic Stripe events for every type the pipeline handles, at the API version this build expects.</summary>
public static class StripeSamples
{
    public static IReadOnlyList<string> Types { get; } =
    [
        "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
        "customer.subscription.paused", "customer.subscription.resumed", "customer.subscription.trial_will_end",
        "invoice.paid", "invoice.payment_failed", "invoice.payment_action_required",
        "customer.deleted", "checkout.session.completed", "entitlements.active_entitlement_summary.updated",
    ];

    public static JsonObject Create(string type, SampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(options);
        var created = options.OccurredAt.ToUnixTimeSeconds();
        return new JsonObject
        {
            ["id"] = options.EventId ?? SampleIds.New("evt_"),
            ["object"] = "event",
            ["api_version"] = StripeApiVersion.Expected,
            ["created"] = created,
            ["data"] = new JsonObject { ["object"] = DataObject(type, options, created) },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
        };
    }

    private static JsonObject DataObject(string type, SampleOptions o, long created) => type switch
    {
        _ when type.StartsWith("customer.subscription.", StringComparison.Ordinal) => Subscription(o, created, o.SubscriptionStatus ?? type switch
        {
            "customer.subscription.deleted" => "canceled",
            "customer.subscription.paused" => "paused",
            "customer.subscription.trial_will_end" => "trialing",
            _ => "active",
        }),
        _ when type.StartsWith("invoice.", StringComparison.Ordinal) => new JsonObject
        {
            ["id"] = "in_1QxSampleInvoice0001",
            ["object"] = "invoice",
            ["customer"] = o.CustomerId,
            ["status"] = type == "invoice.paid" ? "paid" : "open",
            ["amount_due"] = 4900,
            ["amount_paid"] = type == "invoice.paid" ? 4900 : 0,
            ["currency"] = "usd",
            ["created"] = created,
            ["parent"] = new JsonObject
            {
                ["type"] = "subscription_details",
                ["subscription_details"] = new JsonObject { ["subscription"] = "sub_1QxSampleSubscript01" },
            },
        },
        "customer.deleted" => new JsonObject
        {
            ["id"] = o.CustomerId,
            ["object"] = "customer",
            ["email"] = "billing@acme.example",
            ["name"] = "Acme Corp",
            ["created"] = created - 86_400,
            ["metadata"] = new JsonObject { ["scalekit_organization_id"] = o.OrganizationId },
        },
        "checkout.session.completed" => new JsonObject
        {
            ["id"] = "cs_test_a1QxSampleCheckout",
            ["object"] = "checkout.session",
            ["mode"] = "subscription",
            ["status"] = "complete",
            ["payment_status"] = "paid",
            ["customer"] = o.CustomerId,
            ["subscription"] = "sub_1QxSampleSubscript01",
            ["client_reference_id"] = o.OrganizationId,
            ["created"] = created,
        },
        "entitlements.active_entitlement_summary.updated" => new JsonObject
        {
            ["object"] = "entitlements.active_entitlement_summary",
            ["customer"] = o.CustomerId,
            ["livemode"] = false,
            ["entitlements"] = new JsonObject
            {
                ["object"] = "list",
                ["has_more"] = false,
                ["data"] = new JsonArray(
                    new JsonObject { ["id"] = "ent_test_61QxSample", ["object"] = "entitlements.active_entitlement", ["feature"] = "feat_test_61QxSso", ["lookup_key"] = "sso", ["livemode"] = false }),
            },
        },
        _ => new JsonObject { ["id"] = "obj_unknown", ["object"] = "unknown", ["customer"] = o.CustomerId },
    };

    private static JsonObject Subscription(SampleOptions o, long created, string status) => new()
    {
        ["id"] = o.SubscriptionId,
        ["object"] = "subscription",
        ["customer"] = o.CustomerId,
        ["status"] = status,
        ["created"] = o.SubscriptionCreatedAt?.ToUnixTimeSeconds() ?? created - 3_600,
        ["cancel_at_period_end"] = false,
        ["trial_end"] = status == "trialing" ? created + 3 * 86_400 : null,
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonObject
        {
            ["object"] = "list",
            ["has_more"] = false,
            ["data"] = new JsonArray(new JsonObject
            {
                ["id"] = "si_QxSampleItem0001",
                ["object"] = "subscription_item",
                ["quantity"] = 1,
                ["current_period_start"] = created - 3_600,
                ["current_period_end"] = created + 30 * 86_400,
                ["price"] = new JsonObject
                {
                    ["id"] = "price_1QxSamplePrice01",
                    ["object"] = "price",
                    ["lookup_key"] = o.PriceLookupKey,
                    ["product"] = "prod_QxSampleProduct",
                    ["unit_amount"] = 4900,
                    ["currency"] = "usd",
                    ["recurring"] = new JsonObject { ["interval"] = "month", ["interval_count"] = 1 },
                },
            }),
        },
    };
}
