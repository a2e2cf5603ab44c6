// The README's main job: the whole product, for real, in one terminal. Every part is the real
// thing a user runs (serve, Blender with the add-on, the Unity package's core in the simulator),
// driven the way a person would: edits in an editor, an AI's intent through the control API, a
// human's approval, a fault, a kill -9. Each step waits for the outcome it narrates and reads it
// back from the engines; nothing printed is assumed.
using System.Diagnostics;
using System.Text.Json;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Control;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Cli.Demo;

/// <summary>One scripted session of <c>vibesync demo</c>.</summary>
internal sealed class DemoSession
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";
    private const string Camera = "0c0c0c0c-1111-4222-8333-444444444444";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dir;
    private readonly TextWriter _out;
    private ChildProcess? _serve;
    private readonly List<string> _serveLog = new(); // log lines of earlier serve processes (before the kill)
    private readonly ControlApiClient _api;

    public DemoSession(string dataDirectory, TextWriter output)
    {
        _dir = dataDirectory;
        _out = output;
        _api = new ControlApiClient(dataDirectory);
    }

    public async Task<int> RunAsync(string sampleBlenderJson)
    {
        _out.WriteLine("VibeSync demo: Blender ⇄ Unity, live and verified");
        _out.WriteLine($"  data directory {_dir} (left behind for `vibesync wal show --data {_dir}`)");
        _out.WriteLine();

        // The sample scene, as Blender and as Unity store it: one scene, two conventions.
        var sample = Path.Combine(_dir, "sample");
        Directory.CreateDirectory(sample);
        var blenderJson = Path.Combine(sample, "cube-and-camera.blender.json");
        var unityJson = Path.Combine(sample, "cube-and-camera.unity.json");
        var blend = Path.Combine(sample, "cube-and-camera.blend");
        await File.WriteAllTextAsync(blenderJson, sampleBlenderJson);
        var sampleBlobs = new BlobMemory();
        BlobFolder.WriteScene(unityJson, SceneJsonReader.ReadCanonical(sampleBlenderJson, Space.Blender, sampleBlobs), Space.Unity, sampleBlobs);
        Say(1, "Blender builds the sample scene (cube, handle, camera, a human-only key light) into a .blend");
        try { await BlenderInstall.BuildSceneAsync(blenderJson, blend); }
        catch (InvalidOperationException e) { throw new DemoFailed(e.Message); }

        Say(2, "Starting the orchestrator (vibesync serve; AI intents wait for a human: --trust supervised)");
        await StartServeAsync();
        await using var blender = BlenderInstall.Headless(blend, "--data", _dir, "--steps-from-stdin");
        var live = await UntilAsync(s => Phase(s, "blender") == "live", "Blender to attach");
        Detail($"Blender (real, headless, with the add-on) attached: Reality seeded from its scene, {live.GetProperty("sync").GetProperty("objects")} objects, root {Short(RealityRoot(live))}");
        await using var unity = ChildProcess.Self("unity", "sim-unity", "--data", _dir, "--scene", unityJson, "--steps-from-stdin");
        await UntilAsync(s => Phase(s, "unity") == "live", "the Unity simulator to attach");
        Detail($"Unity (the simulator hosting the Unity package's real core) attached in parity: root {Short(RealityRoot(await StatusAsync()))}");

        Say(3, "A human moves the Cube in Blender to (3, 2, 0.5) m");
        blender.Step(new Dictionary<string, object> { ["object"] = "Cube", ["location"] = new[] { 3.0, 2.0, 0.5 } });
        var moved = await UntilAsync(async _ => Near(await ObjectIn("unity", Cube), o => o.Translation.X, 3.0), "the Cube to move in Unity");
        var cubeInUnity = SceneConverter.FromCanonical(await StateAsync("unity"), Space.Unity).Objects.Single(o => o.Uuid == Cube);
        await UntilAsync(_ => LastFinal("human:blender") != null, "the Blender edit to be verified");
        Detail($"intent {LastFinal("human:blender")} from human:blender is FINAL; Unity's localPosition is now {cubeInUnity.Translation} (Z-up right-handed → Y-up left-handed)");

        Say(4, "A human makes the Red material rougher in Unity (roughness 0.2)");
        unity.Step(new Dictionary<string, object> { ["material"] = "Red", ["roughness"] = 0.2 });
        await UntilAsync(async _ => (await StateAsync("blender")).Materials.Any(m => m.Name == "Red" && Math.Abs(m.Roughness - 0.2) < 1e-5), "Red to change in Blender");
        await UntilAsync(_ => LastFinal("human:unity") != null, "the Unity edit to be verified");
        Detail($"intent {LastFinal("human:unity")} from human:unity is FINAL; Blender's Principled BSDF roughness is now 0.2");

        Say(5, "An AI agent asks to move the Camera (as MCP agents do, through the control API)");
        var pending = await PostAsync("/v1/intents?actor=ai:demo-agent",
            $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Camera}\", \"translation\": [6, 4, -6]}}], \"rationale\": \"frame the cube from the other side\"}}");
        ulong aiIntent = pending.GetProperty("intent").GetUInt64();
        Detail($"intent {aiIntent} is {pending.GetProperty("phase").GetString()}: {pending.GetProperty("reason").GetString()}");
        Detail($"a human approves it: vibesync approve {aiIntent} --data {_dir}");
        var approved = await PostAsync($"/v1/intents/{aiIntent}/approve", null);
        Detail($"intent {aiIntent} is {approved.GetProperty("phase").GetString()}: {approved.GetProperty("reason").GetString()}");
        if (!Near(await ObjectIn("blender", Camera), o => o.Translation.X, 6) || !Near(await ObjectIn("unity", Camera), o => o.Translation.X, 6))
            throw new DemoFailed("the approved intent is not in both engines");
        Detail("the Camera moved in Blender and in Unity");

        Say(6, "Unity misbehaves: its next apply is stored 0.5 m off (a fault injected into the simulator)");
        unity.Step(new Dictionary<string, object> { ["fault"] = "tamper" });
        await Task.Delay(300); // the step is read on the simulator's next tick
        var cubeBefore = await ObjectIn("blender", Cube);
        var mismatch = await PostAsync("/v1/intents?actor=human:cli&wait=settled",
            $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [0, 1, 0]}}], \"rationale\": \"centre the cube\"}}");
        Detail($"intent {mismatch.GetProperty("intent")} is {mismatch.GetProperty("phase").GetString()}: {mismatch.GetProperty("reason").GetString()}");
        if (mismatch.GetProperty("phase").GetString() != "ROLLED_BACK") throw new DemoFailed("the tampered apply was not rolled back");
        bool restored = Near(await ObjectIn("blender", Cube), o => o.Translation.X, cubeBefore!.Translation.X) && Near(await ObjectIn("unity", Cube), o => o.Translation.X, cubeBefore.Translation.X);
        Detail(restored ? "both engines are back where they were: nothing unverified became Reality" : "warning: an engine did not return to its prior state");

        Say(7, "The orchestrator is killed with kill -9 in the middle of the session");
        string before = RealityRoot(await StatusAsync());
        _serveLog.AddRange(_serve!.Lines);
        _serve.Kill();
        await _serve.DisposeAsync();
        Detail("killed; restarting it on the same data directory");
        await StartServeAsync();
        var restarted = await StatusAsync();
        Detail($"WAL replayed: Reality root {Short(RealityRoot(restarted))} ({(RealityRoot(restarted) == before ? "as acknowledged before the kill" : "DIFFERENT from before the kill")}); " +
               $"safe mode: {(restarted.GetProperty("sync").GetProperty("safe_mode").ValueKind == JsonValueKind.Null ? "off" : "on (no clean shutdown)")}");
        await UntilAsync(s => Phase(s, "blender") == "live" && Phase(s, "unity") == "live" && s.GetProperty("sync").GetProperty("safe_mode").ValueKind == JsonValueKind.Null,
            "both engines to re-handshake, resync and end safe mode");
        Detail("Blender and Unity re-handshook on their own, were resynced from Reality, and safe mode ended at parity");

        _out.WriteLine();
        var status = await StatusAsync();
        string reality = RealityRoot(status), blenderRoot = SceneHasher.RootHex(await StateAsync("blender")), unityRoot = SceneHasher.RootHex(await StateAsync("unity"));
        bool parity = reality == blenderRoot && blenderRoot == unityRoot;
        _out.WriteLine($"Parity: Reality {Short(reality)}  Blender {Short(blenderRoot)}  Unity {Short(unityRoot)}  {(parity ? "equal ✔" : "NOT EQUAL ✘")}");
        _out.WriteLine($"  full root: {reality}");
        _out.WriteLine();
        await blender.StopAsync(TimeSpan.FromSeconds(10));
        await unity.StopAsync(TimeSpan.FromSeconds(10));
        await _serve!.StopAsync(TimeSpan.FromSeconds(20));
        _out.WriteLine("Look around:");
        // What each command is for above it: the paths vary in length, so columns would not line up.
        _out.WriteLine("  every intent, phase by phase, hash-chained:");
        _out.WriteLine($"      vibesync wal show --data {_dir}");
        _out.WriteLine("  the safety snapshots (one commit per FINAL batch):");
        _out.WriteLine($"      git -C {Path.Combine(_dir, "snapshots")} log --stat");
        _out.WriteLine("  carry on: attach your own Blender (add-on) or Unity (package), and open the web console:");
        _out.WriteLine($"      vibesync serve --data {_dir}");
        _out.WriteLine($"      vibesync console --data {_dir}");
        return parity ? 0 : 1;
    }

    // ---- the parts ----

    private async Task StartServeAsync()
    {
        File.Delete(ServerInfo.PathIn(_dir));
        _serve = ChildProcess.Self("serve", "serve", "--data", _dir, "--trust", "supervised", "--cosmetic-window-ms", "100");
        var sw = Stopwatch.StartNew();
        while (ServerInfo.Read(_dir) == null)
        {
            if (_serve.HasExited) throw new DemoFailed("serve stopped: " + string.Join('\n', _serve.Lines.TakeLast(5)));
            if (sw.Elapsed > Patience) throw new DemoFailed("serve did not start in time");
            await Task.Delay(50);
        }
        var info = ServerInfo.Read(_dir)!;
        Detail($"serve pid {info.Pid}: adapter link 127.0.0.1:{info.LinkPort}, control API 127.0.0.1:{info.ApiPort}");
    }

    private Task<JsonElement> StatusAsync() => _api.StatusAsync();
    private Task<JsonElement> PostAsync(string path, string? json) => _api.PostAsync(path, json);
    private Task<Scene> StateAsync(string engine) => _api.StateAsync(engine);

    private async Task<SceneObject?> ObjectIn(string engine, string uuid) => (await StateAsync(engine)).Objects.SingleOrDefault(o => o.Uuid == uuid);

    private async Task<JsonElement> UntilAsync(Func<JsonElement, Task<bool>> done, string what)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            JsonElement status;
            try
            {
                status = await StatusAsync();
                if (await done(status)) return status;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or DemoFailed or ControlApiException or IOException) { if (sw.Elapsed > Patience) throw new DemoFailed($"waiting for {what}: {e.Message}"); }
            if (sw.Elapsed > Patience) throw new DemoFailed($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    private Task<JsonElement> UntilAsync(Func<JsonElement, bool> done, string what) => UntilAsync(s => Task.FromResult(done(s)), what);

    private static string Phase(JsonElement status, string engine) => ControlApiClient.Phase(status, engine);
    private static string RealityRoot(JsonElement status) => ControlApiClient.RealityRoot(status);

    /// <summary>The newest FINAL intent with operations from <paramref name="actor"/>, from serve's log.</summary>
    private string? LastFinal(string actor) => _serve!.Json().Concat(_serveLog.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement))
        .Where(e => e.TryGetProperty("phase", out var p) && p.GetString() == "FINAL" && e.TryGetProperty("actor", out var a) && a.GetString() == actor
            && e.GetProperty("operations").GetArrayLength() > 0)
        .Select(e => e.GetProperty("intent_id").GetUInt64().ToString()).LastOrDefault();

    private static bool Near(SceneObject? o, Func<SceneObject, double> value, double expected) => o != null && Math.Abs(value(o) - expected) < 1e-4;

    private static string Short(string root) => root[..12] + "…";

    private void Say(int step, string text)
    {
        _out.WriteLine();
        _out.WriteLine($"[{step}/7] {text}");
        _out.Flush();
    }

    private void Detail(string text)
    {
        _out.WriteLine("      " + text);
        _out.Flush();
    }
}

/// <summary>A demo step did not come out as it should; the message says which and why.</summary>
internal sealed class DemoFailed : Exception
{
    public DemoFailed(string message) : base(message) { }
}
