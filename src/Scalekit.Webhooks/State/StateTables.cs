namespace Scalekit.Webhooks.State;

/// <summary>Tables of the read models kept from events.</summary>
public static class StateTables
{
    public const string Organizations = "Organizations";
    public const string OrganizationDomains = "OrganizationDomains";
    public const string SsoConnections = "SsoConnections";
    public const string Directories = "Directories";
    public const string DirectoryUsers = "DirectoryUsers";
    public const string DirectoryGroups = "DirectoryGroups";
    public const string DirectoryGroupMembers = "DirectoryGroupMembers";
    public const string Users = "Users";
    public const string UserSessions = "UserSessions";
    public const string Memberships = "Memberships";
    public const string Roles = "Roles";
    public const string Permissions = "Permissions";
    public const string ConnectedAccounts = "ConnectedAccounts";
    public const string Subscriptions = "Subscriptions";
    public const string Customers = "Customers";
    public const string Invoices = "Invoices";
    public const string OrganizationLinks = "OrganizationLinks";
    public const string Employees = "Employees";

    /// <summary>Per Stripe customer: the billing state Scalekit should hold and how the last sync went (owned by <c>CustomerBillingStore</c>).</summary>
    public const string CustomerBilling = "CustomerBilling";

    /// <summary>Index of verified domains: partition = the domain in lower case, one row per Scalekit domain id.</summary>
    public const string DomainOrganizations = "DomainOrganizations";

    /// <summary>
    /// The one partition that organizations, users, roles, permissions, connected accounts, customers, links and
    /// customer billing rows shared before each row moved to the partition of the entity that owns it. Only the
    /// migration reads it.
    /// </summary>
    public const string LegacyPartition = "all";

    public static IReadOnlyList<string> All { get; } =
    [
        Organizations, OrganizationDomains, DomainOrganizations, SsoConnections, Directories, DirectoryUsers, DirectoryGroups, DirectoryGroupMembers,
        Users, UserSessions, Memberships, Roles, Permissions, ConnectedAccounts, Subscriptions, Customers, Invoices, OrganizationLinks, CustomerBilling, Employees,
    ];
}
