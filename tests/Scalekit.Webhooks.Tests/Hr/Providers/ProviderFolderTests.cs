using System.Reflection;
using System.Text.RegularExpressions;
using Scalekit.Webhooks.Hr.Providers;

namespace Scalekit.Webhooks.Tests.Hr.Providers;

/// <summary>
/// An HR provider is its folder plus its line in <see cref="HrProviders.All"/>: nothing else in <c>src/</c> (code, the
/// console, the CLI, samples) names it, so adding or removing one touches nothing outside its folder.
/// </summary>
public class ProviderFolderTests
{
    private const string Registration = "src/Scalekit.Webhooks/Hr/Providers/HrProviders.cs";

    private static readonly string[] Scanned = ["*.cs", "*.js", "*.html", "*.css", "*.json"];

    public static TheoryData<string> Providers() => [.. HrProviders.All.Select(profile => profile.Name)];

    [Theory]
    [MemberData(nameof(Providers))]
    public void NothingOutsideItsFolder_NamesTheProvider(string name)
    {
        var profile = HrProviders.Find(name)!;
        var folder = FolderOf(profile);
        var tokens = Tokens(profile);

        var leaks = SourceFiles()
            .Where(file => !file.Path.StartsWith(folder, StringComparison.Ordinal) && file.Path != Registration)
            .SelectMany(file => file.Lines.Select((line, index) => (file.Path, Line: index + 1, Text: line)))
            .Where(line => tokens.Any(token => Regex.IsMatch(line.Text, $@"\b{Regex.Escape(token)}\b")))
            .Select(line => $"{line.Path}:{line.Line}: {line.Text.Trim()}")
            .ToList();

        Assert.True(leaks.Count == 0, $"{profile.Label} is named outside {folder} ({string.Join(", ", tokens)}):\n{string.Join('\n', leaks.Take(20))}");
    }

    [Fact]
    public void EveryProvider_IsAFolderOfItsOwn_WithItsProfileAndSettings()
    {
        Assert.Equal(HrProviders.All.Count, HrProviders.All.Select(FolderOf).Distinct().Count());
        Assert.Equal(HrProviders.All.Count, HrProviders.All.Select(profile => profile.Name).Distinct().Count());
        Assert.All(HrProviders.All, profile =>
        {
            Assert.Matches("^[a-z][a-z0-9]*$", profile.Name);
            Assert.True(typeof(IHrProvider).IsAssignableFrom(profile.Provider), $"{profile.Provider} is not an IHrProvider");
            Assert.Equal(profile.Provider.Namespace, typeof(HrProviders).Namespace + "." + Path.GetFileName(FolderOf(profile).TrimEnd('/')));
            Assert.True((profile.SharedRoute is null) == (profile.RoutingField is null), $"{profile.Name}: a shared route needs the field that routes it, and only then");
        });
    }

    [Fact]
    public void TheScan_FindsAProviderNamedElsewhere()
    {
        // The check itself: this file names every provider's type, so it would fail if it were under src/.
        var tokens = Tokens(HrProviders.Find("bamboohr")!);

        Assert.Contains("BambooHrProvider", tokens);
        Assert.Contains("BAMBOOHR_API_BASE_URL", tokens);
        Assert.Contains(tokens, token => Regex.IsMatch("see the BambooHR docs", $@"\b{Regex.Escape(token)}\b"));
    }

    /// <summary>
    /// What names a provider: its types, its settings, and its name and label when they are not ordinary words (Merge's
    /// are: "merge" is a table update mode and a verb, so its types and settings name it instead).
    /// </summary>
    private static IReadOnlyList<string> Tokens(HrProviderProfile profile)
    {
        var types = profile.Provider.Assembly.GetTypes().Where(type => type.Namespace == profile.Provider.Namespace && !type.Name.Contains('<', StringComparison.Ordinal)).ToList();
        var settings = types.SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(field => field.IsLiteral && field.Name.EndsWith("Setting", StringComparison.Ordinal))
            .Select(field => (string)field.GetRawConstantValue()!);
        var words = OrdinaryWords.Contains(profile.Name) ? [] : new[] { profile.Name, profile.Label };
        return [.. types.Select(type => type.Name.Split('`')[0]), .. settings, .. words];
    }

    private static readonly HashSet<string> OrdinaryWords = new(StringComparer.OrdinalIgnoreCase) { "merge", "generic" };

    private static string FolderOf(HrProviderProfile profile) =>
        "src/Scalekit.Webhooks/" + profile.Provider.Namespace!["Scalekit.Webhooks.".Length..].Replace('.', '/') + "/";

    private static IEnumerable<(string Path, string[] Lines)> SourceFiles()
    {
        var src = Path.Combine(Repository.Root, "src");
        return Scanned
            .SelectMany(pattern => Directory.EnumerateFiles(src, pattern, SearchOption.AllDirectories))
            .Select(path => Path.GetRelativePath(Repository.Root, path).Replace('\\', '/'))
            .Where(path => !path.Contains("/bin/", StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal))
            .Select(path => (path, File.ReadAllLines(Path.Combine(Repository.Root, path))));
    }
}
