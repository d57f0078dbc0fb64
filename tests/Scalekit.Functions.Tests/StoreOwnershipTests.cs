using System.Text.RegularExpressions;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Functions.Tests;

/// <summary>Each table has one owner: only its store opens a client for it.</summary>
public class StoreOwnershipTests
{
    private static readonly string[] Stores =
    [
        "src/Scalekit.Webhooks/Storage/StateStore.cs",
        "src/Scalekit.Webhooks/Storage/StateStore.Erasure.cs",
        "src/Scalekit.Webhooks/Storage/StateStore.Migration.cs",
        "src/Scalekit.Webhooks/State/OrganizationStore.cs",
        "src/Scalekit.Webhooks/State/OrganizationDomainStore.cs",
        "src/Scalekit.Webhooks/State/SsoConnectionStore.cs",
        "src/Scalekit.Webhooks/State/DirectoryStore.cs",
        "src/Scalekit.Webhooks/State/DirectoryUserStore.cs",
        "src/Scalekit.Webhooks/State/DirectoryGroupStore.cs",
        "src/Scalekit.Webhooks/State/UserStore.cs",
        "src/Scalekit.Webhooks/State/MembershipStore.cs",
        "src/Scalekit.Webhooks/State/UserSessionStore.cs",
        "src/Scalekit.Webhooks/State/RoleStore.cs",
        "src/Scalekit.Webhooks/State/PermissionStore.cs",
        "src/Scalekit.Webhooks/State/ConnectedAccountStore.cs",
        "src/Scalekit.Webhooks/Stripe/SubscriptionStore.cs",
        "src/Scalekit.Webhooks/Stripe/CustomerStore.cs",
        "src/Scalekit.Webhooks/Stripe/InvoiceStore.cs",
        "src/Scalekit.Webhooks/Stripe/CustomerBillingStore.cs",
        "src/Scalekit.Webhooks/State/OrganizationLinks.cs",
        "src/Scalekit.Webhooks/DeadLetters/DeadLetterStore.cs",
        "src/Scalekit.Webhooks/Hr/EmployeeStore.cs",
        "src/Scalekit.Webhooks/Operations/AuditTrail.cs",
        "src/Scalekit.Webhooks/Processing/EventLedgerRows.cs",
        "src/Scalekit.Webhooks/Crm/AccountLinks.cs",
        "src/Scalekit.Webhooks/Crm/CrmSyncStore.cs",
        "src/Scalekit.Webhooks/Onboarding/OnboardingStore.cs",
        "src/Scalekit.Webhooks/Privacy/ErasureJobStore.cs",
        "src/Scalekit.Webhooks/Stripe/Recovery/RecoveryRunStore.cs",
        "src/Scalekit.Webhooks/Hr/Connections/HrConnectionStore.cs",
        "src/Scalekit.Webhooks/Hr/Connections/HrConnectionRefusals.cs",
        "src/Scalekit.Webhooks/Stripe/Seats/SeatSyncStore.cs",
    ];

    // A column named by a string where rows are built or read: an indexer set, a (column, value) pair, a typed getter.
    private static readonly Regex ColumnLiteral = new(@"\[""[A-Z]\w*""\]\s*=(?!=)|\(""[A-Z]\w*"",\s|\.Get(String|Boolean|Int32|Int64|DateTimeOffset|DateTime|Double|Binary|Guid)\(""[A-Z]", RegexOptions.CultureInvariant);

    // Code that builds or reads rows: a table entity, a read-model change, a table's personal data.
    private static readonly Regex RowCode = new(@"\b(I?TableEntity|StateChange|PersonalDataTable)\b", RegexOptions.CultureInvariant);

    [Fact]
    public void OnlyStores_OpenTableClients()
    {
        var offenders = SourceFiles()
            .Where(file => !Stores.Contains(file))
            .Where(file => File.ReadAllText(Path.Combine(RepositoryRoot.Path, file)).Contains("GetTableClient(", StringComparison.Ordinal))
            .ToList();

        Assert.True(offenders.Count == 0, "Only a table's store may call GetTableClient; move these reads into the store: " + string.Join(", ", offenders));
    }

    [Fact]
    public void NoColumnName_IsSpelledOutsideItsStore()
    {
        var offenders = SourceFiles()
            .Where(file => !Stores.Contains(file))
            .SelectMany(file =>
            {
                var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, file));
                return RowCode.IsMatch(text)
                    ? text.Split('\n').Select((line, index) => (line, index)).Where(l => ColumnLiteral.IsMatch(l.line)).Select(l => $"{file}:{l.index + 1}")
                    : [];
            })
            .ToList();

        Assert.True(offenders.Count == 0, "Column names belong to the table's store (a constant there, e.g. OrganizationStore's); these spell one: " + string.Join(", ", offenders));
    }

    [Fact]
    public void ColumnCheck_FindsAColumnSpelledInRowCode()
    {
        Assert.Matches(ColumnLiteral, """changes.Add(new StateChange(StateTables.Users, id, id, Props(("Email", email))));""");
        Assert.Matches(ColumnLiteral, """var row = new TableEntity(p, r) { ["OrganizationId"] = id };""");
        Assert.Matches(ColumnLiteral, """row.GetString("Email")""");
        Assert.DoesNotMatch(ColumnLiteral, """new MembershipChange(organizationId, userId, Text(user, "email"), status, roles, deleted)""");
    }

    [Fact]
    public void EveryListedStore_Exists()
    {
        Assert.All(Stores, file => Assert.True(File.Exists(Path.Combine(RepositoryRoot.Path, file)), file));
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/'))
            .Where(file => !file.Contains("/obj/", StringComparison.Ordinal) && !file.Contains("/bin/", StringComparison.Ordinal));
}
