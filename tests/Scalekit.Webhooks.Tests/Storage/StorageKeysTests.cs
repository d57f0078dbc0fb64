using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Tests.Storage;

public class StorageKeysTests
{
    private static readonly string[] Forbidden = ["/", "\\", "#", "?", "\u0000", "\u0001", "\u001f", "\u007f", "\u0085", "\t", "\n", "%", "~", ".", ":", " ", "'", "\ud800"];

    public static TheoryData<string> ForbiddenCharacters => [.. Forbidden];

    [Fact]
    public void Key_OfAPlainId_IsTheIdItself()
    {
        Assert.Equal("evt_01H9-x", StorageKeys.Key("evt_01H9-x"));
    }

    [Theory]
    [MemberData(nameof(ForbiddenCharacters))]
    public void Key_IdsDifferingOnlyInAForbiddenCharacter_GetDifferentKeysOfAllowedCharacters(string forbidden)
    {
        var keys = new[] { $"org_1{forbidden}2", "org_1_2", "org_12", $"org_1{forbidden}{forbidden}2", "org_1~005F2" }.Select(StorageKeys.Key).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(keys, AssertAllowed);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../../etc")]
    [InlineData("a/./b")]
    public void PayloadBlobName_HasNoDotSegments_AndStaysInItsSourceFolder(string eventId)
    {
        var name = StorageKeys.PayloadBlobName("scalekit", eventId, "msg_1");

        var segments = name.Split('/');
        Assert.Equal(3, segments.Length);
        Assert.Equal("scalekit", segments[0]);
        Assert.DoesNotContain(segments, s => s is "." or ".." or "");
    }

    [Fact]
    public void Key_OfAnIdOver255Characters_IsBoundedAndStillDistinct()
    {
        var a = new string('a', 2000);
        var b = new string('a', 1999) + "b";
        var escaped = new string('/', 1100);

        var keys = new[] { a, b, escaped, escaped + "/" }.Select(StorageKeys.Key).ToList();

        Assert.All(keys, key => Assert.Equal(StorageKeys.MaxLength, key.Length));
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(keys, AssertAllowed);
        Assert.Equal(StorageKeys.Key(a), StorageKeys.Key(new string('a', 2000)));
    }

    [Fact]
    public void Key_AtTheLimit_IsNotHashed_AndNeverLooksLikeAHashedKey()
    {
        var exactly = new string('x', StorageKeys.MaxLength);

        Assert.Equal(exactly, StorageKeys.Key(exactly));
        Assert.DoesNotContain("~~", StorageKeys.Key("~~~"), StringComparison.Ordinal);
        Assert.Contains("~~", StorageKeys.Key(exactly + "x"), StringComparison.Ordinal);
    }

    [Fact]
    public void Key_OfTheEmptyId_DiffersFromEveryOther()
    {
        Assert.Equal("~", StorageKeys.Key(string.Empty));
        Assert.NotEqual(StorageKeys.Key(string.Empty), StorageKeys.Key("~"));
    }

    [Fact]
    public void Key_OfAPair_IsInjective()
    {
        Assert.NotEqual(StorageKeys.Key("a:b", "c"), StorageKeys.Key("a", "b:c"));
        Assert.Equal("grp_1:diruser_2", StorageKeys.Key("grp_1", "diruser_2"));
    }

    [Fact]
    public void Key_OfRandomIds_NeverCollides()
    {
        var random = new Random(1311);
        var alphabet = "ab/\\#?.~:_-\u0000\u00e9";
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 20_000; i++)
        {
            ids.Add(new string([.. Enumerable.Range(0, random.Next(0, 8)).Select(_ => alphabet[random.Next(alphabet.Length)])]));
        }

        var keys = ids.Select(StorageKeys.Key).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(ids.Count, keys.Count);
    }

    private static void AssertAllowed(string key)
    {
        Assert.True(key.Length <= StorageKeys.MaxLength);
        Assert.All(key, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~', $"'{c}' in {key}"));
    }
}
