using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// A data directory is its owner's only (issue #16): the WAL and the snapshots were world-readable,
/// and serve used keys another user owned, or read through a symlinked <c>keys</c> directory.
/// These run as root, as run-tests does (chown needs it).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DataDirectoryPrivacyTests : EndToEndTest
{
    private const string Create = """
        {"operations": [{"op": "create_object", "uuid": "0b1e0000-0000-4000-8000-0000000000a1", "name": "Private", "kind": "empty", "parent": null,
          "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}]}
        """;

    [Fact]
    public async Task every_file_serve_writes_is_0600_and_every_directory_0700()
    {
        var dir = Path.Combine(Work, "data");
        await using (var serve = await ServeProcess.StartInAsync(dir))
        {
            serve.KeepData = true;
            using var reply = await serve.PostJsonAsync("/v1/intents?wait=settled", Create);
            Assert.Contains("\"FINAL\"", await reply.Content.ReadAsStringAsync());
            // A FINAL batch is snapshotted in git; wait for its commit.
            for (int i = 0; i < 100 && !Directory.EnumerateFiles(Path.Combine(dir, "snapshots", "objects")).Any(); i++) await Task.Delay(100);
        }
        var wrong = new List<string>();
        foreach (var path in Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Prepend(dir))
        {
            bool isDir = Directory.Exists(path);
            var mode = File.GetUnixFileMode(path);
            if (isDir ? mode != (UnixFileMode)Convert.ToInt32("700", 8) : (mode & (UnixFileMode)Convert.ToInt32("077", 8)) != 0)
                wrong.Add($"{Convert.ToString((int)mode, 8)} {Path.GetRelativePath(dir, path)}");
        }
        Assert.True(wrong.Count == 0, "readable by others:\n" + string.Join('\n', wrong));
        Assert.Contains(Directory.EnumerateFiles(Path.Combine(dir, "wal")), f => f.EndsWith(".wal", StringComparison.Ordinal));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(dir, "snapshots", "objects")));
    }

    [Fact]
    public async Task a_directory_an_earlier_version_left_open_is_closed_at_start()
    {
        var dir = Path.Combine(Work, "data");
        await using (var first = await ServeProcess.StartInAsync(dir)) first.KeepData = true;
        foreach (var d in new[] { "wal", "snapshots", "keys" }) File.SetUnixFileMode(Path.Combine(dir, d), (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(Path.Combine(dir, "config.json"), (UnixFileMode)Convert.ToInt32("644", 8));
        await using (var second = await ServeProcess.StartInAsync(dir)) second.KeepData = true;
        foreach (var d in new[] { "wal", "snapshots", "keys" })
            Assert.Equal((UnixFileMode)Convert.ToInt32("700", 8), File.GetUnixFileMode(Path.Combine(dir, d)));
        Assert.Equal((UnixFileMode)Convert.ToInt32("600", 8), File.GetUnixFileMode(Path.Combine(dir, "config.json")));
    }

    [Fact]
    public async Task a_key_file_owned_by_another_user_is_refused_with_its_owner_named()
    {
        var dir = Path.Combine(Work, "data");
        await using (var first = await ServeProcess.StartInAsync(dir)) first.KeepData = true;
        var key = Path.Combine(dir, "keys", "unity.key");
        var (chown, chownOutput) = await Parts.RunAsync("chown", TimeSpan.FromSeconds(10), "65534", key);
        Assert.True(chown == 0, "these tests run as root (as run-tests does): " + chownOutput);

        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "serve", "--data", dir);
        Assert.Equal(1, code);
        Assert.Contains("unity.key", output);
        Assert.Contains("owned by uid 65534", output);
        Assert.False(File.Exists(Path.Combine(dir, "serve.json")));
    }

    [Fact]
    public async Task a_symlinked_keys_directory_is_refused_and_nothing_is_written_through_it()
    {
        var elsewhere = Path.Combine(Work, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.SetUnixFileMode(elsewhere, (UnixFileMode)Convert.ToInt32("755", 8));
        var dir = Path.Combine(Work, "data");
        Directory.CreateDirectory(dir);
        Directory.CreateSymbolicLink(Path.Combine(dir, "keys"), elsewhere);

        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "serve", "--data", dir);
        Assert.Equal(1, code);
        Assert.Contains("symbolic link", output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), File.GetUnixFileMode(elsewhere)); // not chmod-ed through the link
        Assert.False(File.Exists(Path.Combine(dir, "serve.json")));
    }
}
