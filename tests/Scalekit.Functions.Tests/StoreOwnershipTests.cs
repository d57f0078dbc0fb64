using Scalekit.Webhooks.Testing;

namespace Scalekit.Functions.Tests;

/// <summary>Each table has one owner: only its store opens a client for it.</summary>
public class StoreOwnershipTests
{
    private static readonly string[] Stores =
    [
        "src/Scalekit.Webhooks/State/StateStore.cs",
        "src/Scalekit.Webhooks/State/ReadModel.cs",
        "src/Scalekit.Webhooks/Billing/CustomerBillingStore.cs",
        "src/Scalekit.Webhooks/Billing/OrganizationLinks.cs",
        "src/Scalekit.Webhooks/DeadLetters/DeadLetterStore.cs",
        "src/Scalekit.Webhooks/Hr/EmployeeStore.cs",
        "src/Scalekit.Webhooks/Operations/AuditTrail.cs",
        "src/Scalekit.Webhooks/Processing/EventLedger.cs",
        "src/Scalekit.Webhooks/Crm/AccountLinks.cs",
        "src/Scalekit.Webhooks/Crm/CrmSyncStore.cs",
        "src/Scalekit.Webhooks/Onboarding/OnboardingStore.cs",
    ];

    // Readers of ledger columns that move behind the ledger store's typed queries; drop each once it has.
    private static readonly string[] LedgerReadersToMove =
    [
        "src/Scalekit.Webhooks/Operations/OpsQueries.cs",
        "src/Scalekit.Webhooks/Billing/BillingHealth.cs",
    ];

    [Fact]
    public void OnlyStores_OpenTableClients()
    {
        var offenders = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/'))
            .Where(file => !file.Contains("/obj/", StringComparison.Ordinal) && !file.Contains("/bin/", StringComparison.Ordinal))
            .Where(file => !Stores.Contains(file) && !LedgerReadersToMove.Contains(file))
            .Where(file => File.ReadAllText(Path.Combine(RepositoryRoot.Path, file)).Contains("GetTableClient(", StringComparison.Ordinal))
            .ToList();

        Assert.True(offenders.Count == 0, "Only a table's store may call GetTableClient; move these reads into the store: " + string.Join(", ", offenders));
    }

    [Fact]
    public void EveryListedStore_Exists()
    {
        Assert.All(Stores.Concat(LedgerReadersToMove), file => Assert.True(File.Exists(Path.Combine(RepositoryRoot.Path, file)), file));
    }
}
