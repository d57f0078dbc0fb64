namespace Scalekit.Webhooks.Tests;

/// <summary>The repository the tests run in: for tests that read its sources, docs and settings files.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Scalekit.Functions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find Scalekit.Functions.sln above " + AppContext.BaseDirectory);
    }
}
