using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Onboarding;

/// <summary>A host (queue triggers off) whose Scalekit, Salesforce and Stripe APIs are WireMock stand-ins; API retries off so one failure surfaces.</summary>
public class OnboardingFixture : LocalHostFixture, IDisposable
{
    public WireMockServer Scalekit { get; } = WireMockServer.Start();

    public WireMockServer Salesforce { get; } = WireMockServer.Start();

    public WireMockServer Stripe { get; } = WireMockServer.Start();

    protected virtual bool SalesforceAndStripeConfigured => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings
    {
        get
        {
            var settings = new Dictionary<string, string?>
            {
                ["SCALEKIT_ENVIRONMENT_URL"] = Scalekit.Url,
                ["SCALEKIT_CLIENT_ID"] = "skc_test_client",
                ["SCALEKIT_CLIENT_SECRET"] = "test-client-secret",
                ["SCALEKIT_MAX_RETRIES"] = "0",
                ["SCALEKIT_ATTEMPT_TIMEOUT_MS"] = "4000",
                ["SCALEKIT_CIRCUIT_BREAK_SECONDS"] = "0.5",
                ["DEADLETTER_REPLAY_BASE_DELAY_SECONDS"] = "0",
            };
            if (SalesforceAndStripeConfigured)
            {
                settings["SALESFORCE_INSTANCE_URL"] = Salesforce.Url;
                settings["SALESFORCE_CLIENT_ID"] = "3MVG9-client";
                settings["SALESFORCE_CLIENT_SECRET"] = "sf-secret";
                settings["SALESFORCE_MAX_RETRIES"] = "0";
                settings["SALESFORCE_ATTEMPT_TIMEOUT_MS"] = "4000";
                settings["STRIPE_API_KEY"] = "sk_test_onboarding";
                settings["STRIPE_API_BASE_URL"] = Stripe.Url;
                settings["STRIPE_API_TIMEOUT_MS"] = "3000";
            }

            return settings;
        }
    }

    public void Dispose()
    {
        foreach (var server in new[] { Scalekit, Salesforce, Stripe })
        {
            server.Stop();
            server.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>Stand-in answers for one customer's onboarding, and the calls to start and run it.</summary>
public abstract class OnboardingTestBase(OnboardingFixture host) : IAsyncLifetime
{
    /// <summary>WireMock tries lower priorities first: the default answers yield to a test's own.</summary>
    protected const int Fallback = 100;
    protected const int Override = 1;

    protected OnboardingFixture Host => host;

    protected WireMockServer Scalekit => host.Scalekit;

    protected WireMockServer Salesforce => host.Salesforce;

    protected WireMockServer Stripe => host.Stripe;

    protected CustomerOnboarding Runner => host.Host.Services.GetRequiredService<CustomerOnboarding>();

    /// <summary>This test's customer: its Stripe id, the organization and admin user Scalekit gives it, its Salesforce account.</summary>
    protected string Customer { get; } = SampleIds.New("cus_");

    protected string Organization { get; } = SampleIds.New("org_");

    protected string AdminUser { get; } = SampleIds.New("usr_");

    protected string Account { get; } = "001" + SampleIds.New(string.Empty)[..12];

    protected string OrganizationsPath => "/api/v1/organizations";

    protected string ExternalLookupPath => $"/api/v1/organizations:external/{Customer}";

    protected string OrganizationPath => $"/api/v1/organizations/{Organization}";

    protected string AdminLookupPath => $"/api/v1/users:external/{Customer}_admin";

    protected string UsersPath => $"/api/v1/organizations/{Organization}/users";

    protected string AccountPath => $"/services/data/v68.0/sobjects/Account/{Account}";

    protected string CustomerPath => $"/v1/customers/{Customer}";

    public virtual async Task InitializeAsync()
    {
        foreach (var server in new[] { Scalekit, Salesforce, Stripe })
        {
            server.Reset();
        }

        await host.Queue(StorageNames.OnboardingQueue).ClearMessagesAsync();
        await host.Queue(StorageNames.OnboardingQueue + StorageNames.PoisonSuffix).ClearMessagesAsync();
        Scalekit.Given(Request.Create().WithPath("/oauth/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "sk-token", token_type = "Bearer", expires_in = 86399 }));
        Salesforce.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "sf-token", instance_url = Salesforce.Url, token_type = "Bearer" }));
        Scalekit.Given(Request.Create().WithPath(ExternalLookupPath).UsingGet()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(404).WithBodyAsJson(new { code = 5, message = "organization not found" }));
        Scalekit.Given(Request.Create().WithPath(OrganizationsPath).UsingPost()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(OrganizationAnswer(InProgress())));
        Scalekit.Given(Request.Create().WithPath(OrganizationPath).UsingGet()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(OrganizationAnswer(InProgress())));
        Scalekit.Given(Request.Create().WithPath(OrganizationPath).UsingPatch()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(OrganizationAnswer(InProgress())));
        Scalekit.Given(Request.Create().WithPath(AdminLookupPath).UsingGet()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(404).WithBodyAsJson(new { code = 5, message = "user not found" }));
        Scalekit.Given(Request.Create().WithPath(UsersPath).UsingPost()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(UserAnswer(withMembership: true)));
        Salesforce.Given(Request.Create().WithPath(AccountPath).UsingGet()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { Id = Account, Scalekit_Organization_ID__c = (string?)null }));
        Stripe.Given(Request.Create().WithPath(CustomerPath).UsingGet()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = Customer, @object = "customer", metadata = new { } }));
        Salesforce.Given(Request.Create().WithPath(AccountPath).UsingPatch()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(204).WithHeader("Sforce-Limit-Info", "api-usage=10/15000"));
        Stripe.Given(Request.Create().WithPath(CustomerPath).UsingPost()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = Customer, @object = "customer" }));
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected object Body(bool withAccount = true) => new
    {
        company_name = "Acme Corp",
        admin_email = "admin@acme.example",
        plan_type = "enterprise",
        stripe_customer_id = Customer,
        salesforce_account_id = withAccount ? Account : null,
    };

    protected async Task<HttpResponseMessage> PostAsync(object body, string? key = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ops/onboarding") { Content = JsonContent.Create(body) };
        if ((key == string.Empty ? host.OpsKey : key) is { } sent)
        {
            request.Headers.TryAddWithoutValidation("x-functions-key", sent);
        }

        return await host.Client.SendAsync(request);
    }

    /// <summary>Starts the onboarding through the operations API and returns its id.</summary>
    protected async Task<string> StartAsync(bool withAccount = true)
    {
        using var response = await PostAsync(Body(withAccount));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("onboarding_id").GetString()!;
    }

    /// <summary>Takes the next onboarding-steps message and runs it as the queue trigger would.</summary>
    protected async Task RunNextAsync()
    {
        var queue = host.Queue(StorageNames.OnboardingQueue);
        var received = (await queue.ReceiveMessageAsync()).Value ?? throw new InvalidOperationException("no onboarding-steps message");
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        await Runner.HandleAsync(received.Body);
    }

    /// <summary>Runs the onboarding once more, as the queue's retry of the same message would.</summary>
    protected Task RetryAsync(string id) => Runner.HandleAsync(BinaryData.FromObjectAsJson(new { onboarding_id = id }));

    protected async Task<JsonElement> StatusAsync(string id)
    {
        using var response = await host.OpsAsync(HttpMethod.Get, $"/api/ops/onboarding/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    protected static JsonElement Step(JsonElement status, string name) =>
        status.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);

    protected static string? Text(JsonElement element, string name) =>
        element.GetProperty(name).ValueKind == JsonValueKind.String ? element.GetProperty(name).GetString() : null;

    protected static List<ILogEntry> Calls(WireMockServer server, string method, string path) =>
        [.. server.LogEntries.Where(e => e.RequestMessage.Method == method && e.RequestMessage.Path == path).OrderBy(e => e.RequestMessage.DateTime)];

    protected static JsonObject BodyOf(ILogEntry entry) => JsonNode.Parse(entry.RequestMessage.Body!)!.AsObject();

    /// <summary>The organization now answers its external-id lookup (it was created, whoever's answer got lost).</summary>
    protected void OrganizationExists(Dictionary<string, string>? metadata = null) =>
        Scalekit.Given(Request.Create().WithPath(ExternalLookupPath).UsingGet()).AtPriority(Override)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(OrganizationAnswer(metadata ?? InProgress())));

    protected void AdminUserExists() =>
        Scalekit.Given(Request.Create().WithPath(AdminLookupPath).UsingGet()).AtPriority(Override)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(UserAnswer(withMembership: true)));

    /// <summary>The metadata of the organization this test's onboarding created, its mark included.</summary>
    protected Dictionary<string, string> InProgress() => new()
    {
        ["onboarding"] = OnboardingSteps.Marker("in_progress", OnboardingRecord.IdFor(Customer)),
        ["salesforce_account_id"] = Account,
    };

    /// <summary>An organization with this customer's external id that someone else made (billing, a person): no onboarding mark.</summary>
    protected static Dictionary<string, string> SomeoneElses() => new() { ["region"] = "emea" };

    protected object OrganizationAnswer(Dictionary<string, string> metadata) =>
        new { organization = new { id = Organization, external_id = Customer, display_name = "Acme Corp", metadata } };

    protected object UserAnswer(bool withMembership) => new
    {
        user = new
        {
            id = AdminUser,
            email = "admin@acme.example",
            external_id = Customer + "_admin",
            metadata = new { },
            memberships = withMembership
                ? new[] { new { organization_id = Organization, membership_status = "PENDING_INVITE", roles = new[] { new { id = "role_admin", name = "admin", display_name = "Admin" } } } }
                : [],
        },
    };
}
