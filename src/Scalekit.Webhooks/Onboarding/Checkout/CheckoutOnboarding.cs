using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Onboarding.Checkout;

/// <summary>
/// Starts the onboarding of a customer whose Checkout completed (<c>ONBOARDING_FROM_CHECKOUT=true</c>), exactly as
/// <c>POST /api/ops/onboarding</c> with its <c>stripe_customer_id</c> would: the same request checks and the same entry
/// point (<see cref="CustomerOnboarding.StartAsync"/>), so a repeated delivery or a later POST finds the same
/// onboarding. Company: <c>customer_details.name</c>, else the customer's name; admin: <c>customer_details.email</c>;
/// plan: the subscription's plan, from the read model or else from Stripe.
/// </summary>
public sealed class CheckoutOnboarding(
    CustomerOnboarding onboarding,
    SubscriptionStore subscriptions,
    StripeApiReader stripe,
    IOptions<BillingOptions> billing,
    IOptions<CheckoutOnboardingOptions> options) : ICheckoutCompletedListener
{
    public bool Enabled => options.Value.Enabled && options.Value.Problem is null;

    /// <summary>Starts the onboarding for a subscription-mode session when <c>ONBOARDING_FROM_CHECKOUT=true</c>; null otherwise.</summary>
    public async Task<ProcessingOutcome?> CheckoutCompletedAsync(global::Stripe.Checkout.Session session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Enabled && session.Mode == "subscription" && session.CustomerId is not null
            ? await StartAsync(session, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>
    /// The outcome of starting the onboarding of <paramref name="session"/>'s customer. A request the onboarding would
    /// refuse, or a permanent Stripe refusal, parks the event with the reason; a transient Stripe failure throws
    /// <see cref="StripeReadException"/> so the queue retries the event.
    /// </summary>
    public async Task<ProcessingOutcome> StartAsync(global::Stripe.Checkout.Session session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            var body = new JsonObject
            {
                ["company_name"] = session.CustomerDetails?.Name is { Length: > 0 } name ? name : await CustomerNameAsync(session.CustomerId, cancellationToken).ConfigureAwait(false),
                ["admin_email"] = session.CustomerDetails?.Email,
                ["plan_type"] = session.SubscriptionId is { } subscription ? await PlanAsync(session.CustomerId, subscription, cancellationToken).ConfigureAwait(false) : null,
                ["stripe_customer_id"] = session.CustomerId,
            };
            using var document = JsonDocument.Parse(body.ToJsonString());
            var parsed = OnboardingRequest.Parse(document.RootElement);
            if (parsed.Request is not { } request)
            {
                return ProcessingOutcome.Parked($"checkout {session.Id} cannot start an onboarding: {parsed.Problem}");
            }

            var start = await onboarding.StartAsync(request, cancellationToken).ConfigureAwait(false);
            return ProcessingOutcome.Applied($"checkout {session.Id} completed; onboarding {start.Record.Id} {(start.Created ? "started" : $"requested again ({start.Record.Status})")}");
        }
        catch (StripeReadException ex) when (!ex.IsTransient)
        {
            return ProcessingOutcome.Parked($"checkout {session.Id} cannot start an onboarding: {ex.Message}");
        }
    }

    private async Task<string?> CustomerNameAsync(string customerId, CancellationToken cancellationToken)
    {
        var content = await stripe.GetAsync($"/v1/customers/{Uri.EscapeDataString(customerId)}", "the customer", cancellationToken).ConfigureAwait(false);
        using var document = Parse(content, "the customer");
        return document.RootElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
    }

    /// <summary>The subscription's plan as billing names it: from the read model, else from the subscription's items in Stripe.</summary>
    private async Task<string?> PlanAsync(string customerId, string subscriptionId, CancellationToken cancellationToken)
    {
        var known = (await subscriptions.ListAsync(customerId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(s => s.SubscriptionId == subscriptionId);
        if (known?.Plan is { } plan)
        {
            return plan;
        }

        var content = await stripe.GetAsync($"/v1/subscriptions/{Uri.EscapeDataString(subscriptionId)}", "the subscription", cancellationToken).ConfigureAwait(false);
        using var document = Parse(content, "the subscription");
        if (!document.RootElement.TryGetProperty("items", out var items) || !items.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new StripeReadException(false, "Stripe's subscription answer cannot be read: it has no items.");
        }

        var keys = data.EnumerateArray()
            .Select(item => item.TryGetProperty("price", out var price) && price.ValueKind == JsonValueKind.Object && price.TryGetProperty("lookup_key", out var key) && key.ValueKind == JsonValueKind.String ? key.GetString() : null)
            .ToArray();
        return billing.Value.Plans.For(keys).Plan;
    }

    private static JsonDocument Parse(string content, string what)
    {
        try
        {
            var document = JsonDocument.Parse(content);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
            // Reported below, as for an answer that is not an object.
        }

        throw new StripeReadException(false, $"Stripe's answer for {what} cannot be read: it is not a JSON object.");
    }
}
