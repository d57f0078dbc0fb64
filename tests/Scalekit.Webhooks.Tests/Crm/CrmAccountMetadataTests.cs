using Scalekit.Webhooks.Crm;

namespace Scalekit.Webhooks.Tests.Crm;

public class CrmAccountMetadataTests
{
    private static readonly Dictionary<string, string> Facts = new(StringComparer.Ordinal)
    {
        ["industry"] = "Software",
        ["account_type"] = "Enterprise",
    };

    [Fact]
    public void Compact_IsOneReadableKey_WithTheSyncTimeLast()
    {
        var pairs = CrmAccountMetadata.Layout(CrmMetadataMode.Compact, Facts, "2026-12-07T10:00:00Z");

        Assert.Equal(new Dictionary<string, string> { ["crm"] = "industry=Software;account_type=Enterprise;synced=2026-12-07T10:00:00Z" }, pairs);
    }

    [Fact]
    public void Keys_IsOneKeyPerFact_PlusLastCrmSync()
    {
        var pairs = CrmAccountMetadata.Layout(CrmMetadataMode.Keys, Facts, "2026-12-07T10:00:00Z");

        Assert.Equal(new Dictionary<string, string> { ["industry"] = "Software", ["account_type"] = "Enterprise", ["last_crm_sync"] = "2026-12-07T10:00:00Z" }, pairs);
    }

    [Fact]
    public void Compact_WithoutFacts_IsNoKey() =>
        Assert.Empty(CrmAccountMetadata.Layout(CrmMetadataMode.Compact, new Dictionary<string, string>(), "2026-12-07T10:00:00Z"));

    [Fact]
    public void Compact_EscapesSeparatorsInValues_AndReadsThemBack()
    {
        var compact = CrmAccountMetadata.Layout(CrmMetadataMode.Compact, new Dictionary<string, string> { ["industry"] = "R&D; 50%=half" }, null)["crm"];

        Assert.Equal("industry=R&D%3B 50%25%3Dhalf", compact);
        Assert.Equal("R&D; 50%=half", CrmAccountMetadata.Parse(compact)["industry"]);
    }

    [Theory]
    [InlineData("crm", "industry=Software;synced=2026-12-07T10:00:00Z", "2026-12-07T10:00:00Z")]
    [InlineData("last_crm_sync", "2026-11-01T08:00:00Z", "2026-11-01T08:00:00Z")]
    [InlineData("cost_center", "42", null)]
    public void LastSync_IsReadFromEitherLayout(string key, string value, string? expected) =>
        Assert.Equal(expected, CrmAccountMetadata.LastSync(new Dictionary<string, string> { [key] = value }));
}
