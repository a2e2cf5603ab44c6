namespace VibeSync.EndToEnd.Tests;

/// <summary>The README's first command, as a newcomer runs it.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task the_demo_plays_every_step_and_ends_with_equal_roots()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vibesync-demo-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(4), Parts.Cli, "demo", "--data", dir);
            Assert.True(code == 0, output);
            foreach (var expected in new[] { "[7/7]", "from human:blender is FINAL", "from human:unity is FINAL", "is PENDING", "ROLLED_BACK: HASH_MISMATCH in unity",
                         "as acknowledged before the kill", "safe mode ended at parity", "equal ✔" })
                Assert.Contains(expected, output);
            // What to run next, each command on a line of its own (copyable whole), the web console among them.
            var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            foreach (var command in new[] { $"vibesync wal show --data {dir}", $"vibesync serve --data {dir}", $"vibesync console --data {dir}" })
                Assert.Contains("      " + command, lines);
            // It leaves the data directory for `vibesync wal show`, whose chain verifies.
            var (verify, report) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "wal", "verify", "--data", dir);
            Assert.True(verify == 0, report);
            // Running it again replaces its own earlier data directory.
            var (again, second) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(4), Parts.Cli, "demo", "--data", dir);
            Assert.True(again == 0, second);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task the_demo_refuses_a_directory_it_did_not_make()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vibesync-notdemo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "precious.txt"), "mine");
        try
        {
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "demo", "--data", dir);
            Assert.Equal(2, code);
            Assert.Contains("was not made by `vibesync demo`", output);
            Assert.True(File.Exists(Path.Combine(dir, "precious.txt")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
