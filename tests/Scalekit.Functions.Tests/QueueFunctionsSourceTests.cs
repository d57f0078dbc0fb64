using System.Text.RegularExpressions;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Functions.Tests;

/// <summary>What the event queue functions hand the consumer, read from their source (this project does not load the Functions app).</summary>
public class QueueFunctionsSourceTests
{
    [Fact]
    public void EveryEventQueueFunction_PassesTheDequeueCount_FromItsTriggerMetadata()
    {
        var source = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src", "Scalekit.Functions", "QueueFunctions.cs"));
        var triggers = Regex.Count(source, @"\[QueueTrigger\(");

        Assert.True(triggers > 0);
        Assert.Equal(triggers, Regex.Count(source, @"FunctionContext context, CancellationToken cancellationToken\) =>\s+consumer\.HandleAsync\(message, DequeueCount\(context\), cancellationToken\);"));
        Assert.Contains("DequeueCount.From(context.BindingContext.BindingData)", source, StringComparison.Ordinal);
    }
}
