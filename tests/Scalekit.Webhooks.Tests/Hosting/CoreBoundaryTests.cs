using System.Reflection;
using System.Xml.Linq;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Tests.Hosting;

/// <summary>The core is the product: it references no host, no hosting machinery and no samples.</summary>
public class CoreBoundaryTests
{
    private static readonly string[] HostSpecific =
    [
        "Microsoft.AspNetCore",
        "Microsoft.Azure.Functions",
        "Microsoft.Azure.WebJobs",
        "System.CommandLine",
        "Scalekit.Webhooks.",
        "Scalekit.Functions",
    ];

    [Fact]
    public void CoreAssembly_ReferencesNothingHostSpecific()
    {
        var references = typeof(WebhookIngestor).Assembly.GetReferencedAssemblies().Select(name => name.Name!).ToList();

        Assert.Contains("Azure.Data.Tables", references);
        Assert.DoesNotContain(references, name => HostSpecific.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)));
    }

    [Fact]
    public void CoreProject_HasNoProjectOrFrameworkReferences()
    {
        var project = XDocument.Load(Path.Combine(Repository.Root, "src", "Scalekit.Webhooks", "Scalekit.Webhooks.csproj"));

        Assert.Empty(project.Descendants("ProjectReference"));
        Assert.Empty(project.Descendants("FrameworkReference"));
    }

    [Theory]
    [InlineData("Scalekit.Webhooks.Samples")]
    [InlineData("Scalekit.Webhooks.Hosting.Local")]
    public void CoreAssembly_HoldsNoTypeOf(string movedNamespace)
    {
        Assert.DoesNotContain(typeof(WebhookIngestor).Assembly.GetTypes(), type => type.Namespace == movedNamespace);
    }
}
