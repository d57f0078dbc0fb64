using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Tests.Hosting;

/// <summary>
/// The feature folders (a source or an integration each) depend on each other in one direction only, so one can be
/// read, changed or removed without the others calling back into it. They react to Scalekit events through
/// <c>IAppliedEventListener</c>s they register, never through the Scalekit source naming them.
/// </summary>
public class FolderDependencyTests
{
    private static readonly string[] Features = ["Scalekit", "Stripe", "Hr", "Crm", "Onboarding"];

    private static readonly IReadOnlyDictionary<(string From, string To), string> Edges = FolderDependencies.Of(typeof(WebhookIngestor).Assembly);

    [Fact]
    public void FeatureFolders_DependOnEachOtherWithoutACycle()
    {
        var featureEdges = Edges.Keys.Where(edge => Features.Contains(edge.From) && Features.Contains(edge.To)).ToList();

        var cycle = FolderDependencies.FindCycle(featureEdges);

        Assert.True(cycle is null, $"feature folders in a cycle: {cycle} ({string.Join("; ", featureEdges.Where(edge => cycle?.Contains(edge.From, StringComparison.Ordinal) == true).Select(edge => Edges[edge]))})");
    }

    [Fact]
    public void TheScalekitSource_UsesNoOtherFeature()
    {
        var uses = Edges.Where(edge => edge.Key.From == "Scalekit" && Features.Contains(edge.Key.To)).Select(edge => edge.Value).ToList();

        Assert.True(uses.Count == 0, "the Scalekit source names another feature; register an IAppliedEventListener instead: " + string.Join("; ", uses));
    }

    [Fact]
    public void TheReader_SeesCallsInMethodBodies_AndTheSearch_FindsACycle()
    {
        // A static call in a method body is an edge: HR's health read the ledger through billing's health this way.
        Assert.Contains(("Hosting", "Crm"), Edges.Keys);
        Assert.Equal("A → B → C → A", FolderDependencies.FindCycle([("A", "B"), ("B", "C"), ("C", "A"), ("C", "D")]));
        Assert.Null(FolderDependencies.FindCycle([("A", "B"), ("B", "C"), ("A", "C")]));
    }
}
