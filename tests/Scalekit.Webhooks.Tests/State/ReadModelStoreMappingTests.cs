using System.Text.Json;
using Azure.Data.Tables;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.State;

/// <summary>Each read-model store turns its changes into its own rows and reads its rows back into records.</summary>
public class ReadModelStoreMappingTests
{
    private const string Org = "org_1";
    private static readonly EventStamp Stamp = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), "evt_1", "test.event");

    public static TheoryData<ReadModelChange, string, string, string, bool> Changes => new()
    {
        { new OrganizationChange(Org, "Acme", "cus_1", "eu", null, null, null, null, Deleted: false), StateTables.Organizations, Org, Org, false },
        { new DomainChange(Org, "dom_1", "Acme.Example", null, "VERIFIED", null, null, Deleted: true), StateTables.OrganizationDomains, Org, "dom_1", true },
        { new DomainIndexChange("Acme.Example", "dom_1", Org, "VERIFIED", Deleted: false), StateTables.DomainOrganizations, "acme.example", "dom_1", false },
        { new SsoConnectionChange(Org, "conn_1", "OIDC", "OKTA", true, "ACTIVE", Deleted: false), StateTables.SsoConnections, Org, "conn_1", false },
        { new DirectoryChange(Org, "dir_1", "SCIM", "OKTA", true, null), StateTables.Directories, Org, "dir_1", false },
        { User(), StateTables.DirectoryUsers, Org, "diruser_1", false },
        { new DirectoryUserRemoval(Org, "diruser_1", "ada@acme.example"), StateTables.DirectoryUsers, Org, "diruser_1", true },
        { new DirectoryGroupChange(Org, "dirgroup_1", "dir_1", "Engineers", null, null, Deleted: true), StateTables.DirectoryGroups, Org, "dirgroup_1", true },
        { new UserChange("usr_1", "ada@acme.example", null, null, "Ada", "Lovelace", "Ada Lovelace"), StateTables.Users, "usr_1", "usr_1", false },
        { new MembershipChange(Org, "usr_1", "ada@acme.example", "ACTIVE", null, Deleted: false), StateTables.Memberships, Org, "usr_1", false },
        { new UserSessionChange("usr_1", "ses_1", Org, "ACTIVE", true, null), StateTables.UserSessions, "usr_1", "ses_1", false },
        { new RoleChange("admin", "role_1", "Admin", null, null, Deleted: false), StateTables.Roles, "admin", "admin", false },
        { new PermissionChange("invoices:read", "perm_1", null, Deleted: true), StateTables.Permissions, "invoices:read", "invoices:read", true },
        { new ConnectedAccountChange("ca_1", "ada@acme.example", "gmail", "GOOGLE", "ACTIVE", "OAUTH", null, Deleted: false), StateTables.ConnectedAccounts, "ca_1", "ca_1", false },
        { new OrganizationLinkChange("cus_1", Org), StateTables.OrganizationLinks, "cus_1", "cus_1", false },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void ToRow_WritesTheStoresTable_UnderTheOwnersPartition(ReadModelChange change, string table, string partition, string row, bool softDelete)
    {
        var written = change.ToRow();

        Assert.Equal(table, written.Table);
        Assert.Equal(partition, written.PartitionId);
        Assert.Equal(row, written.RowId);
        Assert.Equal(softDelete, written.SoftDelete);
    }

    [Fact]
    public void Organization_DeletedAtIsWrittenOnlyForADeletion()
    {
        var deleted = new OrganizationChange(Org, null, null, null, null, null, null, null, Deleted: true, DeletedAt: "2027-01-15T10:00:00Z").ToRow();
        var live = new OrganizationChange(Org, null, null, null, null, null, null, null, Deleted: false, DeletedAt: "2027-01-15T10:00:00Z").ToRow();

        Assert.Equal("2027-01-15T10:00:00Z", deleted.Properties[StateStore.DeletedAt]);
        Assert.False(live.Properties.ContainsKey(StateStore.DeletedAt));
    }

    [Fact]
    public void Organization_ReadsBackWhatItWrote()
    {
        var change = new OrganizationChange(Org, "Acme", "cus_1", "eu", "2027-01-01", "2027-01-02", """{"tier":"gold"}""", """["sso"]""", Deleted: false);

        var record = OrganizationStore.Record(Org, Stored(change.ToRow()));

        Assert.Equal(("Acme", "cus_1", "eu", "2027-01-01", "2027-01-02"), (record.DisplayName, record.ExternalId, record.RegionCode, record.CreateTime, record.UpdateTime));
        Assert.Equal("gold", record.Metadata!.Value.GetProperty("tier").GetString());
        Assert.Equal(JsonValueKind.Array, record.Features!.Value.ValueKind);
        Assert.Equal(Stamp, record.History.LastEvent);
        Assert.Null(record.History.DeletedAt);
    }

    [Fact]
    public void DirectoryUser_ReadsBackWhatItWrote()
    {
        var record = DirectoryUserStore.Record(Org, Stored(User().ToRow()));

        Assert.Equal(("diruser_1", "ada@acme.example", true, "Lovelace", "E-1001", "Engineering"), (record.Id, record.Email, record.Active, record.FamilyName, record.EmployeeId, record.Department));
        Assert.Equal("engineer", record.Roles!.Value[0].GetString());
        Assert.Equal("dirgroup_1", record.Groups!.Value[0].GetProperty("id").GetString());
    }

    [Fact]
    public void DirectoryUserRemoval_WritesOnlyTheEmailAndInactive_SoTheProfileStaysUntilErased()
    {
        var row = new DirectoryUserRemoval(Org, "diruser_1", "ada@acme.example").ToRow();

        Assert.Equal(["Active", "Email"], row.Properties.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(false, row.Properties["Active"]);
    }

    [Fact]
    public void Membership_ReadsBackWhatItWrote_WithTheDeletionTime()
    {
        var record = MembershipStore.Record(Org, Stored(new MembershipChange(Org, "usr_1", "ada@acme.example", "DELETED", """["admin"]""", Deleted: true).ToRow()));

        Assert.Equal(("usr_1", "ada@acme.example", "DELETED"), (record.UserId, record.Email, record.MembershipStatus));
        Assert.Equal("admin", record.Roles!.Value[0].GetString());
        Assert.Equal(Stamp.OccurredAt, record.History.DeletedAt);
    }

    [Fact]
    public void EveryDeclaredPersonalColumn_IsAColumnItsStoreWrites()
    {
        var written = new Dictionary<string, StateChange>
        {
            [StateTables.DirectoryUsers] = User().ToRow(),
            [StateTables.Users] = new UserChange("usr_1", null, null, null, null, null, null).ToRow(),
            [StateTables.Memberships] = new MembershipChange(Org, "usr_1", null, null, null, Deleted: false).ToRow(),
            [StateTables.UserSessions] = new UserSessionChange("usr_1", "ses_1", null, null, true, null).ToRow(),
            [StateTables.ConnectedAccounts] = new ConnectedAccountChange("ca_1", null, null, null, null, null, null, Deleted: false).ToRow(),
        };

        Assert.Equal(written.Keys.Order(StringComparer.Ordinal), ReadModel.PersonalData.Select(t => t.Table).Order(StringComparer.Ordinal));
        Assert.All(ReadModel.PersonalData, table =>
        {
            Assert.All(table.PersonalColumns, column => Assert.Contains(column, written[table.Table].Properties.Keys));
            Assert.All(table.MatchColumns.Values.Where(c => c is not ("PartitionKey" or "RowKey")), column => Assert.Contains(column, written[table.Table].Properties.Keys));
        });
    }

    [Fact]
    public void Subscription_ReadsBackWhatItWrote_AsTheFactsBillingChoosesFrom()
    {
        var end = Stamp.OccurredAt.AddDays(30);
        var change = new SubscriptionChange("cus_1", "sub_1", "active", "pro_monthly", "pro", ["sso", "dir_sync"], end, Stamp.OccurredAt.AddDays(-1), false, null, Deleted: false);

        var record = SubscriptionStore.Record("cus_1", Stored(change.ToRow()));

        Assert.Equal(("sub_1", "active", "pro_monthly", "pro", end, false), (record.SubscriptionId, record.Status, record.PriceLookupKey, record.Plan, record.CurrentPeriodEnd, record.CancelAtPeriodEnd));
        Assert.Equal(["sso", "dir_sync"], record.Features);
        Assert.Equal("pro", record.Facts().Plan);
    }

    [Fact]
    public void Customer_EachEventWritesOnlyItsColumns_AndTheRowReadsBackWhole()
    {
        var deletion = new CustomerDeletion("cus_1", "billing@acme.example", "Acme", Stamp.OccurredAt).ToRow();
        var checkout = new CustomerCheckout("cus_1", "cs_1", "sub_1", Org).ToRow();
        var entitlements = new CustomerEntitlements("cus_1", ["sso"]).ToRow();

        Assert.True(deletion.SoftDelete);
        Assert.Equal(["BillingStatus", "DeletedOn", "Email", "Name"], deletion.Properties.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["CheckoutSessionId", "CheckoutSubscriptionId", "ClientReferenceId"], checkout.Properties.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["ActiveEntitlements"], entitlements.Properties.Keys);

        var row = Stored(deletion);
        foreach (var (name, value) in checkout.Properties.Concat(entitlements.Properties))
        {
            row[name] = value;
        }

        var record = CustomerStore.Record("cus_1", row);
        Assert.Equal(("billing@acme.example", "Acme", "deleted", Stamp.OccurredAt), (record.Email, record.Name, record.BillingStatus, record.DeletedOn));
        Assert.Equal(("cs_1", "sub_1", Org), (record.CheckoutSessionId, record.CheckoutSubscriptionId, record.ClientReferenceId));
        Assert.Equal(["sso"], record.ActiveEntitlements);
    }

    [Fact]
    public void Invoice_WritesItsOutcomeAndAmounts()
    {
        var row = new InvoiceChange("cus_1", "in_1", "paid", "paid", "sub_1", 4900, 4900, "eur").ToRow();

        Assert.Equal((StateTables.Invoices, "cus_1", "in_1"), (row.Table, row.PartitionId, row.RowId));
        Assert.Equal(4900L, row.Properties["AmountDue"]);
        Assert.Equal("paid", row.Properties["Outcome"]);
    }

    private static DirectoryUserChange User() => new(
        Org, "diruser_1", "dp_1", "ada@acme.example", true, "Ada Lovelace", "Ada", "Lovelace", "ada", """["engineer"]""", """[{"id":"dirgroup_1"}]""",
        "E-1001", "Engineering", "Engineer", "Grace", "CC-1", "R&D", "Acme", """{"floor":"3"}""");

    /// <summary>The row as the engine stores it: the change's columns, its ids, the stamp and, for a deletion, when.</summary>
    private static TableEntity Stored(StateChange change)
    {
        var row = new TableEntity(StorageKeys.Key(change.PartitionId), StorageKeys.Key(change.RowId));
        foreach (var (name, value) in change.Properties.Where(p => p.Value is not null))
        {
            row[name] = value;
        }

        row[StateStore.OwnerId] = change.PartitionId;
        row[StateStore.RowId] = change.RowId;
        row[StateStore.LastEventAt] = Stamp.OccurredAt;
        row[StateStore.LastEventId] = Stamp.EventId;
        row[StateStore.LastEventType] = Stamp.EventType;
        if (change.SoftDelete && !row.ContainsKey(StateStore.DeletedAt))
        {
            row[StateStore.DeletedAt] = Stamp.OccurredAt;
        }

        return row;
    }
}
