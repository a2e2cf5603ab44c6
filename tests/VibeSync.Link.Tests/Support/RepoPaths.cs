namespace VibeSync.Link.Tests.Support;

/// <summary>The repository, found from the test binaries: its adapters, docs and testdata.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "adapters", "blender")) && Directory.Exists(Path.Combine(dir.FullName, "testdata"))) return dir.FullName;
        throw new InvalidOperationException("repository not found");
    }
}
