using System.Net;
using System.Net.Http.Json;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Onboarding.Checkout;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>Onboarding from Checkout on, against WireMock Scalekit and WireMock Stripe; the plan map has a base plan and an add-on.</summary>
public sealed class CheckoutOnboardingFixture : ScalekitStandInFixture, IDisposable
{
    public WireMockServer Stripe { get; } = WireMockServer.Start();

    protected override IReadOnlyDictionary<string, string?> MoreSettings => new Dictionary<string, string?>
    {
        [CheckoutOnboardingOptions.Setting] = "true",
        ["BILLING_PLAN_MAP"] = AddOnPlanMapFixture.AddOnMapJson,
        ["STRIPE_API_KEY"] = "sk_test_checkout",
        ["STRIPE_API_BASE_URL"] = Stripe.Url,
        ["STRIPE_API_TIMEOUT_MS"] = "1000",
    };

    public void Dispose()
    {
        Stripe.Stop();
        Stripe.Dispose();
    }
}

public class CheckoutOnboardingTests(CheckoutOnboardingFixture host) : BillingTestBase(host), IClassFixture<CheckoutOnboardingFixture>
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        host.Stripe.Reset();
    }

    [Fact]
    public async Task CheckoutCompleted_StartsOneOnboarding_AsTheOpsRouteWould_AndRepeatsFindIt()
    {
        var customer = SampleIds.New("cus_");
        var subscription = SampleIds.New("sub_");
        // The subscription is known from its own event: its plan is read from the read model, Stripe is not asked.
        await Consumer.HandleAsync(await DeliverStripeAsync("customer.subscription.created", new SampleOptions { OccurredAt = Deliveries.Now.AddMinutes(-1), CustomerId = customer, SubscriptionId = subscription }));

        var checkout = Checkout(customer, subscription);
        var first = await DeliverStripeAsync("checkout.session.completed", checkout);
        await Consumer.HandleAsync(first);
        // Stripe sends the event again under another id (a resend from the Dashboard, a recovery).
        await Consumer.HandleAsync(await DeliverStripeAsync("checkout.session.completed", checkout with { EventId = SampleIds.New("evt_") }));

        var id = OnboardingRecord.IdFor(customer);
        var entry = await LedgerRowAsync(first);
        Assert.Equal(ProcessingStatus.Processed, entry.Status);
        Assert.Contains($"onboarding {id} started", entry.Detail, StringComparison.Ordinal);
        using var status = await Fixture.OpsAsync(HttpMethod.Get, $"/api/ops/onboarding/{id}");
        var onboarding = await status.JsonAsync();
        Assert.Equal("Acme Corp", onboarding.GetProperty("company_name").GetString());
        Assert.Equal("ada@acme.example", onboarding.GetProperty("admin_email").GetString());
        Assert.Equal("pro", onboarding.GetProperty("plan_type").GetString());
        Assert.Equal(customer, onboarding.GetProperty("stripe_customer_id").GetString());
        // Onboarding itself reads the Stripe customer (to refuse one linked elsewhere); the plan is never asked for.
        Assert.DoesNotContain(host.Stripe.LogEntries, e => e.RequestMessage.Path.StartsWith("/v1/subscriptions", StringComparison.Ordinal));
        // One onboarding, queued once per start, and a later POST finds the same one.
        Assert.Equal(2, (await Fixture.PeekAllAsync(StorageNames.OnboardingQueue)).Count(m => m.Body.ToString().Contains(id, StringComparison.Ordinal)));
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/ops/onboarding")
        {
            Content = JsonContent.Create(new { company_name = "Acme Corp", admin_email = "ada@acme.example", plan_type = "pro", stripe_customer_id = customer }),
        };
        post.Headers.TryAddWithoutValidation("x-functions-key", Fixture.OpsKey);
        using var again = await Fixture.Client.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (await again.JsonAsync()).GetProperty("onboarding_id").GetString());
    }

    [Fact]
    public async Task AnUnknownSubscriptionAndNoNameInTheSession_AreReadFromStripe()
    {
        var customer = SampleIds.New("cus_");
        var subscription = SampleIds.New("sub_");
        host.Stripe.Given(Request.Create().WithPath($"/v1/subscriptions/{subscription}").UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new
        {
            id = subscription,
            @object = "subscription",
            items = new { @object = "list", data = new[] { new { id = "si_1", price = new { id = "price_1", lookup_key = "dir_sync_addon" } }, new { id = "si_2", price = new { id = "price_2", lookup_key = "pro_monthly" } } } },
        }));
        host.Stripe.Given(Request.Create().WithPath($"/v1/customers/{customer}").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = customer, @object = "customer", name = "Globex" }));

        var message = await DeliverStripeAsync("checkout.session.completed", Checkout(customer, subscription) with { CheckoutCustomerName = null });
        await Consumer.HandleAsync(message);

        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        using var status = await Fixture.OpsAsync(HttpMethod.Get, $"/api/ops/onboarding/{OnboardingRecord.IdFor(customer)}");
        var onboarding = await status.JsonAsync();
        Assert.Equal("Globex", onboarding.GetProperty("company_name").GetString());
        Assert.Equal("pro", onboarding.GetProperty("plan_type").GetString());
        Assert.All(host.Stripe.LogEntries, e => Assert.Equal("Bearer sk_test_checkout", e.RequestMessage.Headers!["Authorization"].Single()));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    [InlineData(-1)]
    public async Task StripeUnavailable_TheEventFails_ForTheQueueToRetry_AndNoOnboardingStarts(int failure)
    {
        var customer = SampleIds.New("cus_");
        var subscription = SampleIds.New("sub_");
        host.Stripe.Given(Request.Create().WithPath($"/v1/subscriptions/{subscription}").UsingGet()).RespondWith(failure == -1
            ? Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(2)).WithBodyAsJson(new { id = subscription })
            : Response.Create().WithStatusCode(failure).WithBodyAsJson(new { error = new { type = "api_error", message = "Stripe stand-in unavailable" } }));

        var message = await DeliverStripeAsync("checkout.session.completed", Checkout(customer, subscription));
        await Assert.ThrowsAnyAsync<Exception>(() => Consumer.HandleAsync(message));

        Assert.Equal(ProcessingStatus.Failed, (await LedgerRowAsync(message)).Status);
        using var status = await Fixture.OpsAsync(HttpMethod.Get, $"/api/ops/onboarding/{OnboardingRecord.IdFor(customer)}");
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Theory]
    [InlineData(404, "404")]
    [InlineData(400, "400")]
    [InlineData(200, "cannot be read")]
    public async Task StripeRefusesOrAnswersNonsense_TheEventIsParkedWithWhy(int status, string expected)
    {
        var customer = SampleIds.New("cus_");
        var subscription = SampleIds.New("sub_");
        host.Stripe.Given(Request.Create().WithPath($"/v1/subscriptions/{subscription}").UsingGet()).RespondWith(status == 200
            ? Response.Create().WithStatusCode(200).WithBody("[1, 2]")
            : Response.Create().WithStatusCode(status).WithBodyAsJson(new { error = new { type = "invalid_request_error", message = "No such subscription" } }));

        var message = await DeliverStripeAsync("checkout.session.completed", Checkout(customer, subscription));
        await Consumer.HandleAsync(message);

        var entry = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Parked, entry.Status);
        Assert.Contains(expected, entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASessionWithoutAnAdminEmail_IsParkedNamingTheField_AsThePostWouldBeRefused()
    {
        var customer = SampleIds.New("cus_");
        var subscription = SampleIds.New("sub_");
        await Consumer.HandleAsync(await DeliverStripeAsync("customer.subscription.created", new SampleOptions { OccurredAt = Deliveries.Now.AddMinutes(-1), CustomerId = customer, SubscriptionId = subscription }));

        var message = await DeliverStripeAsync("checkout.session.completed", Checkout(customer, subscription) with { Email = "not an address" });
        await Consumer.HandleAsync(message);

        var entry = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Parked, entry.Status);
        Assert.Contains("admin_email", entry.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("not an address", entry.Detail, StringComparison.Ordinal);
    }

    private static SampleOptions Checkout(string customer, string subscription) =>
        new() { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_"), CustomerId = customer, SubscriptionId = subscription };
}
