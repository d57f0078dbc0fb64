using System.Security.Cryptography;

namespace Scalekit.Webhooks.Samples;

/// <summary>The ids and times a sample event is built from; anything left unset gets a realistic default.</summary>
public sealed record SampleOptions
{
    public string? EventId { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    public string OrganizationId { get; init; } = "org_62711281101783560";

    /// <summary>The organization's external id; the Stripe customer id links billing to it.</summary>
    public string? ExternalId { get; init; } = "cus_QxSampleCustomer1";

    public string DirectoryId { get; init; } = "dir_62711310445789192";

    public string DirectoryUserId { get; init; } = "diruser_62711330767094792";

    public string DirectoryGroupId { get; init; } = "dirgroup_62711351172906504";

    public string UserId { get; init; } = "usr_62711402059563528";

    public string Email { get; init; } = "ada@acme.example";

    /// <summary>Stripe customer id for billing samples.</summary>
    public string CustomerId { get; init; } = "cus_QxSampleCustomer1";

    /// <summary>Stripe price lookup key for billing samples (the plan map keys on it).</summary>
    public string PriceLookupKey { get; init; } = "pro_monthly";

    /// <summary>
    /// Price lookup keys of the subscription's items, in item order (a base plan and its add-ons); null means one item
    /// priced <see cref="PriceLookupKey"/>.
    /// </summary>
    public IReadOnlyList<string>? ItemLookupKeys { get; init; }

    /// <summary>Quantity of every subscription item (the seat count of a per-seat price).</summary>
    public long ItemQuantity { get; init; } = 1;

    /// <summary>Feature lookup keys of an entitlement summary sample; null means the one feature <c>sso</c>.</summary>
    public IReadOnlyList<string>? EntitlementLookupKeys { get; init; }

    /// <summary>The buyer's company name in a Checkout sample's <c>customer_details</c>; null leaves it out.</summary>
    public string? CheckoutCustomerName { get; init; } = "Acme Corp";

    /// <summary>Stripe subscription id for subscription samples.</summary>
    public string SubscriptionId { get; init; } = "sub_1QxSampleSubscript01";

    /// <summary>Subscription status; null means the one the event type implies (active, canceled, paused, trialing).</summary>
    public string? SubscriptionStatus { get; init; }

    /// <summary>When the subscription was created; null means an hour before the event.</summary>
    public DateTimeOffset? SubscriptionCreatedAt { get; init; }

    /// <summary>HR employee id for HR samples (the Scalekit user's external id).</summary>
    public string EmployeeId { get; init; } = "E-1042";

    /// <summary>Department for HR samples (<c>HR_DEPARTMENT_ROLES</c> keys on it).</summary>
    public string Department { get; init; } = "Engineering";

    /// <summary>
    /// When set, HR samples name this organization in <c>data.organization_id</c>. A connection's events act on its own
    /// organization, so samples name none by default; naming another is refused.
    /// </summary>
    public string? EmployeeOrganizationId { get; init; }

    /// <summary>When set, HR samples name their organization by this external id (refused on a connection).</summary>
    public string? EmployeeOrganizationExternalId { get; init; }

    /// <summary>The employee of these options, as an HR provider's sample delivery of <paramref name="type"/> names them.</summary>
    public Hr.Providers.HrSample ToHrSample(string type) => new(type, EmployeeId, Email, Department, OccurredAt);
}

/// <summary>Random ids in the senders' formats.</summary>
public static class SampleIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string New(string prefix) => prefix + RandomNumberGenerator.GetString(Alphabet, 24);
}
