namespace VibeSync.Protocol.Tests.Support;

/// <summary>Finds the repository from the test binaries, so tests read testdata/ and run the real tools.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string TestData(string file) => Path.Combine(Root, "testdata", file);

    public static string BlenderAdapter => Path.Combine(Root, "adapters", "blender");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")) && Directory.Exists(Path.Combine(dir.FullName, "testdata")))
                return dir.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
