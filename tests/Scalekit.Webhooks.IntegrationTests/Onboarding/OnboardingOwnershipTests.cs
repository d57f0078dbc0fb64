using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Scalekit.Webhooks.IntegrationTests.Onboarding;

/// <summary>
/// An onboarding never adopts what it did not create (an organization, a linked Salesforce account, a Stripe customer
/// naming another organization), and a create whose answer is lost resolves by looking the object up by its key.
/// </summary>
public class OnboardingOwnershipTests(OnboardingFixture host) : OnboardingTestBase(host), IClassFixture<OnboardingFixture>
{
    private const string OtherOrganization = "org_someone_else";

    [Fact]
    public async Task OrganizationSomeoneElseMade_Is409OrganizationExists_NamingIt_AndNothingIsRecordedOrWritten()
    {
        OrganizationExists(SomeoneElses());

        using var response = await PostAsync(Body());

        await AssertRefusedAsync(response, "organization_exists", Organization);
    }

    [Fact]
    public async Task AccountLinkedToAnotherOrganizationInSalesforce_Is409AccountLinkedElsewhere_AndNothingIsWritten()
    {
        Salesforce.Given(Request.Create().WithPath(AccountPath).UsingGet()).AtPriority(Override)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { Id = Account, Scalekit_Organization_ID__c = OtherOrganization }));

        using var response = await PostAsync(Body());

        await AssertRefusedAsync(response, "account_linked_elsewhere", OtherOrganization);
    }

    [Fact]
    public async Task AccountLinkedToAnotherOrganizationByTheCrm_Is409AccountLinkedElsewhere()
    {
        var links = Host.Host.Services.GetRequiredService<AccountLinks>();
        await links.LinkAsync(OtherOrganization + Customer, Account);
        try
        {
            using var response = await PostAsync(Body());

            await AssertRefusedAsync(response, "account_linked_elsewhere", OtherOrganization + Customer);
            Assert.Equal(OtherOrganization + Customer, await links.FindOrganizationAsync(Account));
        }
        finally
        {
            await links.UnlinkAsync(OtherOrganization + Customer);
        }
    }

    [Fact]
    public async Task StripeCustomerNamingAnotherOrganization_Is409CustomerLinkedElsewhere_AndNothingIsWritten()
    {
        Stripe.Given(Request.Create().WithPath(CustomerPath).UsingGet()).AtPriority(Override)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = Customer, @object = "customer", metadata = new { scalekit_org_id = OtherOrganization } }));

        using var response = await PostAsync(Body());

        await AssertRefusedAsync(response, "customer_linked_elsewhere", OtherOrganization);
    }

    [Fact]
    public async Task OrganizationThatAppearsAfterTheStart_FailsTheOnboardingAtItsFirstStep_WithNothingWritten()
    {
        var id = await StartAsync();
        OrganizationExists(SomeoneElses());

        await RunNextAsync();

        var status = await StatusAsync(id);
        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.StartsWith("organization: organization_exists:", status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(Organization, status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("failed", Step(status, "organization").GetProperty("status").GetString());
        AssertNothingWritten();
        Assert.Null(await Host.Host.Services.GetRequiredService<AccountLinks>().FindOrganizationAsync(Account));
    }

    [Fact]
    public async Task StripeCustomerLinkedAfterTheStart_IsRefusedAtItsStep_AndTheCustomerIsNotWritten()
    {
        var id = await StartAsync();
        Stripe.Given(Request.Create().WithPath(CustomerPath).UsingGet()).AtPriority(Override)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = Customer, @object = "customer", metadata = new { scalekit_org_id = OtherOrganization } }));

        await RunNextAsync();

        var status = await StatusAsync(id);
        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.StartsWith("stripe_customer: customer_linked_elsewhere:", status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(Calls(Stripe, "POST", CustomerPath));
    }

    /// <summary>Scalekit applied the create but its answer was lost (a 5xx), or an earlier attempt's create answers 409 now.</summary>
    [Theory]
    [InlineData(500)]
    [InlineData(409)]
    public async Task OrganizationCreateWhoseAnswerIsLost_IsFoundByExternalId_AndTheOnboardingGoesOn(int answer)
    {
        Scalekit.Given(Request.Create().WithPath(OrganizationsPath).UsingPost()).AtPriority(Override).InScenario("org").WillSetStateTo("created")
            .RespondWith(Response.Create().WithStatusCode(answer).WithBodyAsJson(new { code = answer == 409 ? 6 : 13, message = "lost" }));
        Scalekit.Given(Request.Create().WithPath(ExternalLookupPath).UsingGet()).AtPriority(Override).InScenario("org").WhenStateIs("created")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(OrganizationAnswer(InProgress())));
        var id = await StartAsync();

        await RunNextAsync();

        var status = await StatusAsync(id);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(Organization, status.GetProperty("organization_id").GetString());
        Assert.Contains("after a lost create answer", Step(status, "organization").GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(Calls(Scalekit, "POST", OrganizationsPath));
        Assert.Single(Calls(Scalekit, "POST", UsersPath));
    }

    /// <summary>
    /// A create that times out may still be applied after the step has looked: the step fails for the queue to retry
    /// (never re-POSTed by the HTTP pipeline), and the retry finds the organization by external id with its mark.
    /// </summary>
    [Fact]
    public async Task OrganizationCreateThatTimesOut_IsNotSentAgain_AndTheRetryFindsItByExternalId()
    {
        Scalekit.Given(Request.Create().WithPath(OrganizationsPath).UsingPost()).AtPriority(Override)
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(OrganizationAnswer(InProgress())).WithDelay(TimeSpan.FromSeconds(6)));
        var id = await StartAsync();

        await Assert.ThrowsAnyAsync<Exception>(RunNextAsync);
        Assert.Equal("pending", Step(await StatusAsync(id), "organization").GetProperty("status").GetString());
        // Scalekit finishes the create after the step has looked.
        OrganizationExists(InProgress());
        await RetryAsync(id);

        var status = await StatusAsync(id);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Contains("found organization", Step(status, "organization").GetProperty("detail").GetString(), StringComparison.Ordinal);
        // The stand-in logs the timed-out create once its delayed answer is written.
        await Poll.UntilAsync(() => Task.FromResult(Calls(Scalekit, "POST", OrganizationsPath).Count > 0 ? "logged" : null), "the timed-out create is logged");
        Assert.Single(Calls(Scalekit, "POST", OrganizationsPath));
    }

    [Fact]
    public async Task OrganizationCreateAnswering409ForSomeoneElsesOrganization_IsRefused_NotAdopted()
    {
        Scalekit.Given(Request.Create().WithPath(OrganizationsPath).UsingPost()).AtPriority(Override).InScenario("org").WillSetStateTo("raced")
            .RespondWith(Response.Create().WithStatusCode(409).WithBodyAsJson(new { code = 6, message = "external_id exists" }));
        Scalekit.Given(Request.Create().WithPath(ExternalLookupPath).UsingGet()).AtPriority(Override).InScenario("org").WhenStateIs("raced")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(OrganizationAnswer(SomeoneElses())));
        var id = await StartAsync();

        await RunNextAsync();

        var status = await StatusAsync(id);
        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.StartsWith("organization: organization_exists:", status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(Calls(Scalekit, "PATCH", OrganizationPath));
        Assert.Empty(Calls(Scalekit, "POST", UsersPath));
    }

    [Fact]
    public async Task AdminUserCreateWhoseAnswerIsLost_IsFoundByExternalId_AndTheOnboardingGoesOn()
    {
        Scalekit.Given(Request.Create().WithPath(UsersPath).UsingPost()).AtPriority(Override).InScenario("user").WillSetStateTo("created")
            .RespondWith(Response.Create().WithStatusCode(502).WithBodyAsJson(new { code = 14, message = "bad gateway" }));
        Scalekit.Given(Request.Create().WithPath(AdminLookupPath).UsingGet()).AtPriority(Override).InScenario("user").WhenStateIs("created")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(UserAnswer(withMembership: true)));
        var id = await StartAsync();

        await RunNextAsync();

        var status = await StatusAsync(id);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(AdminUser, status.GetProperty("admin_user_id").GetString());
        Assert.Single(Calls(Scalekit, "POST", UsersPath));
    }

    [Fact]
    public async Task MembershipCreateWhoseAnswerIsLost_IsFoundOnTheUser_AndTheOnboardingGoesOn()
    {
        var membershipPath = $"/api/v1/memberships/organizations/{Organization}/users/{AdminUser}";
        Scalekit.Given(Request.Create().WithPath(AdminLookupPath).UsingGet()).AtPriority(Override)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(UserAnswer(withMembership: false)));
        Scalekit.Given(Request.Create().WithPath(membershipPath).UsingPost()).AtPriority(Override).InScenario("membership").WillSetStateTo("created")
            .RespondWith(Response.Create().WithStatusCode(503).WithBodyAsJson(new { code = 14, message = "unavailable" }));
        Scalekit.Given(Request.Create().WithPath($"/api/v1/users/{AdminUser}").UsingGet()).AtPriority(Override).InScenario("membership").WhenStateIs("created")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(UserAnswer(withMembership: true)));
        var id = await StartAsync();

        await RunNextAsync();

        var status = await StatusAsync(id);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Single(Calls(Scalekit, "POST", membershipPath));
        Assert.Empty(Calls(Scalekit, "POST", UsersPath));
    }

    [Fact]
    public async Task StripeWriteWhoseAnswerIsLost_IsSentAgainWithTheSameIdempotencyKey()
    {
        Stripe.Given(Request.Create().WithPath(CustomerPath).UsingPost()).AtPriority(Override).InScenario("customer").WillSetStateTo("applied")
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new { error = new { type = "api_error", message = "try again" } }));
        var id = await StartAsync();

        await RunNextAsync();

        Assert.Equal("completed", (await StatusAsync(id)).GetProperty("status").GetString());
        var posts = Calls(Stripe, "POST", CustomerPath);
        Assert.Equal(2, posts.Count);
        var keys = posts.Select(p => p.RequestMessage.Headers!["Idempotency-Key"].Single()).ToList();
        Assert.False(string.IsNullOrEmpty(keys[0]));
        Assert.Equal(keys[0], keys[1]);
    }

    [Fact]
    public async Task SalesforceWriteWhoseAnswerIsLost_FindsTheAccountLinkedToItsOwnOrganization_AndGoesOn()
    {
        Salesforce.Given(Request.Create().WithPath(AccountPath).UsingPatch()).AtPriority(Override)
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new[] { new { errorCode = "UNKNOWN_EXCEPTION", message = "try again" } }));
        var id = await StartAsync();

        // The queue sees the transient failure and delivers the message again.
        await Assert.ThrowsAnyAsync<global::Scalekit.Webhooks.Crm.SalesforceApiException>(RunNextAsync);
        var first = await StatusAsync(id);
        Assert.Equal("running", first.GetProperty("status").GetString());
        Assert.Equal("pending", Step(first, "salesforce_account").GetProperty("status").GetString());

        // The PATCH had been applied: the account now names this onboarding's organization, and Salesforce answers again.
        Salesforce.Given(Request.Create().WithPath(AccountPath).UsingGet()).AtPriority(Override - 1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { Id = Account, Scalekit_Organization_ID__c = Organization }));
        Salesforce.Given(Request.Create().WithPath(AccountPath).UsingPatch()).AtPriority(Override - 1)
            .RespondWith(Response.Create().WithStatusCode(204));
        await RetryAsync(id);

        var status = await StatusAsync(id);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal("done", Step(status, "salesforce_account").GetProperty("status").GetString());
        Assert.Equal(Organization, status.GetProperty("organization_id").GetString());
    }

    private async Task AssertRefusedAsync(HttpResponseMessage response, string reason, string naming)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
        Assert.Contains(naming, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await Host.PeekAllAsync(StorageNames.OnboardingQueue));
        using var status = await Host.OpsAsync(HttpMethod.Get, $"/api/ops/onboarding/{OnboardingRecord.IdFor(Customer)}");
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        AssertNothingWritten();
    }

    private void AssertNothingWritten()
    {
        Assert.Empty(Calls(Scalekit, "POST", OrganizationsPath));
        Assert.Empty(Calls(Scalekit, "PATCH", OrganizationPath));
        Assert.Empty(Calls(Scalekit, "POST", UsersPath));
        Assert.Empty(Calls(Salesforce, "PATCH", AccountPath));
        Assert.Empty(Calls(Stripe, "POST", CustomerPath));
    }
}
