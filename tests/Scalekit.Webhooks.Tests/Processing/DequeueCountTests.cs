using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.Tests.Processing;

public class DequeueCountTests
{
    public static TheoryData<object?, long> Values => new()
    {
        { 1L, 1 },
        { 3, 3 },
        { "2", 2 },
        { "0", 0 },
        { -1, 0 },
        { "not a number", 0 },
        { null, 0 },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void FromTriggerMetadata_ReadsNumbersAndText_ElseZero(object? value, long expected) =>
        Assert.Equal(expected, DequeueCount.From(new Dictionary<string, object?> { [DequeueCount.MetadataName] = value }));

    [Fact]
    public void MissingFromTheMetadata_IsZero() => Assert.Equal(0, DequeueCount.From(new Dictionary<string, object?>()));
}
