using System.Reflection;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.LocalHost;

namespace Scalekit.Functions.Tests;

/// <summary>
/// One log event id space: each folder (namespace) logs inside a range of its own, so an id names one message and
/// a log query on it finds nothing else. A new folder that logs adds its range here.
/// </summary>
public class LogEventIdTests
{
    private static readonly (string Namespace, int First, int Last)[] Ranges =
    [
        ("Scalekit.Webhooks.Ingest", 1000, 1999),
        ("Scalekit.Webhooks.Hosting.Local", 2000, 2099),
        ("Scalekit.Webhooks.Processing", 3000, 3999),
        ("Scalekit.Webhooks.LocalHost", 4000, 4099),
        ("Scalekit.Webhooks.Hosting", 5000, 5099),
        ("Scalekit.Webhooks.Stripe", 5100, 5199),
        ("Scalekit.Webhooks.DeadLetters", 6000, 6999),
        ("Scalekit.Webhooks.Operations", 7000, 7999),
        ("Scalekit.Webhooks.Privacy", 8000, 8099),
        ("Scalekit.Webhooks.Hr", 8100, 8199),
        ("Scalekit.Webhooks.Crm", 8200, 8299),
        ("Scalekit.Webhooks.Onboarding", 9500, 9599),
        ("Scalekit.Webhooks.Scalekit", 9700, 9799),
    ];

    private static readonly Assembly[] Logging = [typeof(WebhookIngestor).Assembly, typeof(QueueTriggerListener).Assembly, typeof(LocalHostApp).Assembly];

    [Fact]
    public void EveryLogMessage_HasAnIdOfItsOwn_InsideItsFoldersRange()
    {
        var messages = Logging.SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(found => found.Attribute is not null)
            .Select(found => (Id: found.Attribute!.EventId, Name: $"{found.Method.DeclaringType!.FullName}.{found.Method.Name}", Namespace: Outermost(found.Method.DeclaringType).Namespace ?? string.Empty))
            .ToList();
        Assert.True(messages.Count > 50, $"only {messages.Count} log messages found: the reader misses the generated ones");

        var shared = messages.GroupBy(message => message.Id).Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(message => message.Name))}").ToList();
        Assert.True(shared.Count == 0, "log event ids used twice: " + string.Join("; ", shared));

        var outside = messages.Where(message => RangeOf(message.Namespace) is not { } range || message.Id < range.First || message.Id > range.Last)
            .Select(message => $"{message.Name} ({message.Id})").ToList();
        Assert.True(outside.Count == 0, "log event ids outside their folder's range (see Ranges): " + string.Join("; ", outside));
    }

    [Fact]
    public void TheRanges_DoNotOverlap()
    {
        var ordered = Ranges.OrderBy(range => range.First).ToList();
        Assert.All(ordered.Zip(ordered.Skip(1)), pair => Assert.True(pair.First.Last < pair.Second.First, $"{pair.First.Namespace} and {pair.Second.Namespace} overlap"));
    }

    /// <summary>The range of the longest namespace that contains <paramref name="name"/>.</summary>
    private static (int First, int Last)? RangeOf(string name) => Ranges
        .Where(range => name == range.Namespace || name.StartsWith(range.Namespace + ".", StringComparison.Ordinal))
        .OrderByDescending(range => range.Namespace.Length)
        .Select(range => ((int First, int Last)?)(range.First, range.Last))
        .FirstOrDefault();

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }
}
