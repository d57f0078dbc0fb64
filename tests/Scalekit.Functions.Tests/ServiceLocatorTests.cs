using System.Text.RegularExpressions;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Functions.Tests;

/// <summary>
/// Dependencies come through constructors (or a minimal-API handler's parameters): only registration code may reach
/// into the container, in its factory lambdas.
/// </summary>
public partial class ServiceLocatorTests
{
    private static readonly string[] RegistrationFiles =
    [
        "src/Scalekit.Webhooks/Hosting/ScalekitWebhooksServiceCollectionExtensions.cs",
        "src/Scalekit.Webhooks.LocalHost/LocalHostServices.cs",
    ];

    [Fact]
    public void OnlyRegistrationCode_TouchesTheContainer()
    {
        var offenders = SourceFiles()
            .Where(file => !IsRegistrationCode(file))
            .Select(file => (File: file, Uses: ContainerAccess().Matches(File.ReadAllText(Path.Combine(RepositoryRoot.Path, file))).Select(m => m.Value).Distinct().ToList()))
            .Where(found => found.Uses.Count > 0)
            .Select(found => $"{found.File} ({string.Join(", ", found.Uses)})")
            .ToList();

        Assert.True(offenders.Count == 0, "Inject these through the constructor (or the handler's parameters) instead of the container: " + string.Join("; ", offenders));
    }

    [Fact]
    public void ListedRegistrationFiles_Exist()
    {
        Assert.All(RegistrationFiles, file => Assert.True(File.Exists(Path.Combine(RepositoryRoot.Path, file)), file));
    }

    [Theory]
    [InlineData("public sealed class X(IServiceProvider services)")]
    [InlineData("var q = context.RequestServices.GetService(typeof(OpsQueries));")]
    [InlineData("provider.GetRequiredService<ScalekitClient>()")]
    [InlineData("services.GetService<AuditTrail>()")]
    public void ContainerAccess_IsRecognised(string line) => Assert.Matches(ContainerAccess(), line);

    private static bool IsRegistrationCode(string file) =>
        RegistrationFiles.Contains(file) || file.EndsWith("Registration.cs", StringComparison.Ordinal);

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/'))
            .Where(file => !file.Contains("/obj/", StringComparison.Ordinal) && !file.Contains("/bin/", StringComparison.Ordinal));

    [GeneratedRegex(@"\bIServiceProvider\b|\bRequestServices\b|\bGetRequiredService\b|\bGetService\b")]
    private static partial Regex ContainerAccess();
}
