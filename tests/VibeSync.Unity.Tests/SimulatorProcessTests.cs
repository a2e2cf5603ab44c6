using System.Diagnostics;
using System.Text.Json;
using VibeSync.Link.Tests.Support;
using VibeSync.Unity.Simulator;

namespace VibeSync.Unity.Tests;

/// <summary>
/// `vibesync sim-unity` (the real core in the simulator) against a real `vibesync serve`, both as
/// processes on loopback: attach with the CLI's root, domain reload, hang, crash, play mode.
/// </summary>
public sealed class SimulatorProcessTests : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "vibesync-sim-" + Guid.NewGuid().ToString("N"));
    private ServeProcess _serve = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        _serve = await ServeProcess.StartAsync("--heartbeat-timeout", "2");
    }

    public async Task DisposeAsync()
    {
        await _serve.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "vibesync.dll");

    private static async Task<(int Code, string Out)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Cli);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (p.ExitCode, await output + await errors);
    }

    private async Task<List<JsonElement>> SimAsync(double seconds, string edits)
    {
        var editsFile = Path.Combine(_work, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(editsFile, edits);
        var (code, output) = await RunAsync("sim-unity", "--data", _serve.DataDirectory, "--seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--edits", editsFile, "--write", Path.Combine(_work, "out.json"));
        var events = output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.True(events.Count > 0, $"exit {code}: {output}");
        return events;
    }

    private static JsonElement Event(List<JsonElement> events, string name) => events.First(e => e.GetProperty("event").GetString() == name);

    [Fact]
    public async Task the_simulator_attaches_with_the_root_vibesync_hash_computes_and_its_edits_arrive()
    {
        var events = await SimAsync(1.5, """[{"at": 0.3, "object": "Cube", "localPosition": [2, 0.5, 2]}, {"at": 0.6, "material": "Red", "roughness": 0.25}]""");
        var attached = Event(events, "attached");
        Assert.True(attached.GetProperty("connected").GetBoolean());
        var scene = Path.Combine(_work, "default.json");
        await File.WriteAllTextAsync(scene, SimHost.DefaultScene);
        var (_, hash) = await RunAsync("hash", "--space", "unity", scene);
        Assert.Equal(JsonDocument.Parse(hash).RootElement.GetProperty("root").GetString(), attached.GetProperty("root").GetString());
        var logged = await SceneLoggedAsync();
        Assert.Contains("root " + attached.GetProperty("root").GetString(), logged.GetProperty("message").GetString()); // the orchestrator's own hash of what the simulator sent
        Assert.Equal(JsonValueKind.Null, logged.GetProperty("code").ValueKind); // no ROOT_MISMATCH
        var (_, written) = await RunAsync("hash", "--space", "unity", Path.Combine(_work, "out.json"));
        Assert.Equal(JsonDocument.Parse(written).RootElement.GetProperty("root").GetString(), Event(events, "stopped").GetProperty("root").GetString());
        Assert.Equal(2, (await _serve.StatusAsync()).GetProperty("link").GetProperty("edits_accepted").GetInt64());
    }

    [Fact]
    public async Task a_domain_reload_re_handshakes_with_the_next_generation_within_a_second()
    {
        var events = await SimAsync(1.5, """[{"at": 0.3, "fault": "domain_reload"}, {"at": 0.8, "object": "Rig", "active": false}]""");
        var reloaded = Event(events, "reloaded");
        Assert.Equal(2, reloaded.GetProperty("generation").GetInt64());
        Assert.True(reloaded.GetProperty("connected").GetBoolean());
        Assert.InRange(reloaded.GetProperty("ms").GetInt64(), 0, 1000);
        Assert.Contains(_serve.Log, l => l.Contains("\"session_start\"") && l.Contains("generation 2"));
        Assert.Equal(1, (await _serve.StatusAsync()).GetProperty("link").GetProperty("edits_accepted").GetInt64()); // the edit after the reload arrived
        Assert.Empty(ServeProcess.Panicked(await _serve.StatusAsync())); // a reload with a new handshake is not drift
    }

    [Fact]
    public async Task a_hung_editor_opens_the_circuit_breaker()
    {
        await SimAsync(9, """[{"at": 0.3, "fault": "hang", "seconds": 8}]""");
        await _serve.LoggedAsync("HEARTBEAT_LOST", "unity");
        Assert.Contains("unity", ServeProcess.Panicked(await _serve.StatusAsync()));
    }

    [Fact]
    public async Task a_compiling_editor_says_so_in_its_heartbeats_and_recovers()
    {
        var run = SimAsync(4, """[{"at": 0.3, "fault": "compiling", "seconds": 2}]""");
        var states = new List<string>();
        var until = DateTime.UtcNow.AddSeconds(20);
        while (!run.IsCompleted && DateTime.UtcNow < until)
        {
            var unity = ServeProcess.EngineIn(await _serve.StatusAsync(), "unity");
            if (unity.GetProperty("connected").GetBoolean()) states.Add(unity.GetProperty("session").GetProperty("state").GetString()!);
            await Task.Delay(100);
        }
        await run;
        Assert.Contains("compiling", states);
        Assert.Equal("ready", states.Last(s => s != "compiling")); // and back to ready before the end
        Assert.True(states.LastIndexOf("ready") > states.IndexOf("compiling"));
        Assert.Empty(ServeProcess.Panicked(await _serve.StatusAsync()));
    }

    [Fact]
    public async Task a_crash_ends_the_session_without_a_word_and_the_server_stays_up()
    {
        var (code, _) = await RunAsync("sim-unity", "--data", _serve.DataDirectory, "--seconds", "5", "--edits", await Write("""[{"at": 0.3, "fault": "crash"}]"""));
        Assert.Equal(70, code);
        await _serve.LoggedAsync("DISCONNECTED", "unity");
        Assert.False(_serve.HasExited);
    }

    [Fact]
    public async Task nothing_syncs_in_play_mode_and_the_scene_comes_back_after_it()
    {
        var events = await SimAsync(2, """[{"at": 0.2, "fault": "play", "seconds": 1}, {"at": 0.5, "object": "Cube", "localPosition": [7, 7, 7]}]""");
        Assert.Equal(0, (await _serve.StatusAsync()).GetProperty("link").GetProperty("edits_accepted").GetInt64());
        Assert.Equal(Event(events, "attached").GetProperty("root").GetString(), Event(events, "stopped").GetProperty("root").GetString());
    }

    [Fact]
    public async Task a_scene_too_large_for_one_frame_attaches_in_parts()
    {
        // 12,000 GameObjects: three parts of at most 5,000, checked and hashed as one scene.
        var objects = Enumerable.Range(0, 12_000).Select(i => new Protocol.State.SceneObject(
            $"00000000-0000-4000-8000-{i:x12}", "GameObject " + new string('x', 200) + i, Protocol.State.ObjectKind.Empty,
            i > 0 && i % 3 == 0 ? $"00000000-0000-4000-8000-{i - 1:x12}" : null,
            new Protocol.State.Vector3d(i, 0, 0), Protocol.State.Quaterniond.Identity, Protocol.State.Vector3d.One, true, Array.Empty<string?>(), null)).ToList();
        var file = await Write(Protocol.SceneJson.SceneJsonWriter.Write(new Protocol.State.Scene(objects, Array.Empty<Protocol.State.Material>(), Array.Empty<Protocol.State.Mesh>()), Protocol.Spaces.Space.Unity));
        var (_, output) = await RunAsync("sim-unity", "--data", _serve.DataDirectory, "--scene", file, "--seconds", "3");
        var attached = output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).First(e => e.GetProperty("event").GetString() == "attached");
        var logged = await SceneLoggedAsync();
        Assert.Contains("12000 objects", logged.GetProperty("message").GetString());
        Assert.Contains("in 3 parts", logged.GetProperty("message").GetString());
        Assert.Contains("root " + attached.GetProperty("root").GetString(), logged.GetProperty("message").GetString());
        var (_, hash) = await RunAsync("hash", "--space", "unity", file);
        Assert.Equal(JsonDocument.Parse(hash).RootElement.GetProperty("root").GetString(), attached.GetProperty("root").GetString());
    }

    /// <summary>The server's "scene" log line; it logs asynchronously, so wait for it.</summary>
    private async Task<JsonElement> SceneLoggedAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var line = _serve.Log.Select(l => JsonDocument.Parse(l).RootElement).FirstOrDefault(e => e.GetProperty("event").GetString() == "scene");
            if (line.ValueKind != JsonValueKind.Undefined) return line;
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException("no scene log line:\n" + string.Join("\n", _serve.Log));
            await Task.Delay(50);
        }
    }

    private async Task<string> Write(string text)
    {
        var f = Path.Combine(_work, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(f, text);
        return f;
    }
}
