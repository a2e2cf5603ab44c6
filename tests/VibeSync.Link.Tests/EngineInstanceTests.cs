using VibeSync.Link.Tests.Support;
using VibeSync.Orchestrator.Keys;

namespace VibeSync.Link.Tests;

/// <summary>
/// Engine instances (docs/team.md "Engine instances"): their key files in DIR/keys, and a real
/// `serve` that registers every instance with a key file, lists them in status and admits each only
/// under its own key.
/// </summary>
public sealed class EngineInstanceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-instances-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void an_added_key_is_a_new_0600_file_named_after_the_instance_and_is_never_replaced()
    {
        var path = EngineKeys.Add(_dir, EngineInstance.Parse("blender:bob"));
        Assert.Equal(Path.Combine(_dir, "keys", "blender.bob.key"), path);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var key = File.ReadAllText(path);
        var e = Assert.Throws<IOException>(() => EngineKeys.Add(_dir, EngineInstance.Parse("blender:bob")));
        Assert.Contains("has a key already", e.Message);
        Assert.Equal(key, File.ReadAllText(path)); // untouched
    }

    [Fact]
    public void the_instances_of_a_directory_are_the_defaults_then_every_named_key_file_and_nothing_else()
    {
        EngineKeys.Add(_dir, EngineInstance.Parse("unity:level"));
        EngineKeys.Add(_dir, EngineInstance.Parse("blender:alice"));
        foreach (var stray in new[] { "Blender.key", "maya.key", "blender.a.b.key", "blender.bob.key.tmp" })
            File.WriteAllText(Path.Combine(_dir, "keys", stray), new string('0', 64));
        Assert.Equal(new[] { "blender:alice", "unity:level" }, EngineKeys.Files(_dir, createDefaults: false).Select(f => f.Instance.ToString()));
        var keys = EngineKeys.LoadAll(_dir);
        Assert.Equal(new[] { "blender", "unity", "blender:alice", "unity:level" }, keys.Keys);
        Assert.True(File.Exists(Path.Combine(_dir, "keys", "blender.key")) && File.Exists(Path.Combine(_dir, "keys", "unity.key")));
        Assert.Equal(4, keys.Values.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public async Task serve_lists_every_instance_and_admits_each_only_under_its_own_key()
    {
        EngineKeys.Add(_dir, EngineInstance.Parse("blender:bob"));
        await using var serve = await ServeProcess.StartInAsync(_dir);
        var status = await serve.StatusAsync();
        Assert.Equal(new[] { "blender", "unity", "blender:bob" },
            status.GetProperty("sync").GetProperty("engines").EnumerateArray().Select(e => e.GetProperty("engine").GetString()));
        Assert.False(ServeProcess.EngineIn(status, "blender:bob").GetProperty("connected").GetBoolean());

        using (var bob = await serve.ConnectAsync("blender:bob"))
            Assert.True(ServeProcess.EngineIn(await serve.StatusAsync(), "blender:bob").GetProperty("connected").GetBoolean());

        // Bob's key claiming to be the default Blender, or an instance with no key file: nothing but a closed connection.
        Assert.Empty(await serve.SendRawAndWaitCloseAsync(ServeProcess.HelloFrame(serve.KeyOf("blender:bob"), Engines.Blender)));
        await serve.LoggedAsync("IMPERSONATION");
        Assert.Empty(await serve.SendRawAndWaitCloseAsync(ServeProcess.HelloFrame(serve.KeyOf("blender:bob"), "blender:alice")));
        for (int i = 0; i < 100 && serve.CountLogged("junk", "IMPERSONATION") < 2; i++) await Task.Delay(50);
        Assert.Equal(2, serve.CountLogged("junk", "IMPERSONATION"));
        Assert.False(ServeProcess.EngineIn(await serve.StatusAsync(), Engines.Blender).GetProperty("connected").GetBoolean());
    }
}
