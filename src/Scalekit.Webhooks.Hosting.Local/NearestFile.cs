namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>Finds a settings file the way the Functions tools do: in a folder or the nearest folder above it.</summary>
internal static class NearestFile
{
    public static string? Above(string startDirectory, string fileName)
    {
        for (var directory = new DirectoryInfo(startDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
