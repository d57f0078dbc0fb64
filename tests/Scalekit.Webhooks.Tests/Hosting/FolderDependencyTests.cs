using Scalekit.Webhooks.Ingest;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.Tests.Hosting;

public class FolderDependencyTests(ITestOutputHelper output)
{
    [Fact]
    public void Print()
    {
        foreach (var edge in FolderDependencies.Of(typeof(WebhookIngestor).Assembly).OrderBy(e => e.Key.From).ThenBy(e => e.Key.To))
        {
            output.WriteLine($"{edge.Key.From} -> {edge.Key.To}   ({edge.Value})");
        }
    }
}
