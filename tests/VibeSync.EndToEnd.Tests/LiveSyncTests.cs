using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// The product end to end, every part a real process: `vibesync serve`, headless Blender with the
/// add-on on a .blend built by Blender, and the Unity simulator hosting the Unity package's core.
/// </summary>
public sealed class LiveSyncTests : EndToEndTest
{
    private static bool Live(JsonElement status, string engine) => SyncOf(status, engine).GetProperty("phase").GetString() == "live";


    [Fact]
    public async Task a_blender_edit_lands_in_unity_and_a_unity_edit_lands_in_blender_and_all_three_roots_end_equal()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "100");
        // Blender moves the Cube (Blender space: +X by 2 m); Unity moves the Handle and recolours Red.
        var blenderEdits = await WriteAsync("blender-edits.json", """[{"at": 6.0, "object": "Cube", "location": [3.0, 2.0, 0.5]}]""");
        var unityEdits = await WriteAsync("unity-edits.json", """[{"at": 3.0, "object": "Handle", "localPosition": [0.5, 0.75, 0.25]}, {"at": 3.5, "material": "Red", "roughness": 0.25}]""");

        using var blender = Parts.Blender(blend, serve.DataDirectory, 30, blenderEdits);
        var blenderOutput = Parts.OutputOf(blender, TimeSpan.FromSeconds(60));
        await UntilAsync(serve, s => Live(s, "blender"), "Blender live (it seeds Reality)");
        var unityOut = Path.Combine(Work, "unity-after.json");
        using var sim = Parts.Sim(serve.DataDirectory, unityScene, 10, unityEdits, unityOut);
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(60));
        await UntilAsync(serve, s => Live(s, "unity"), "Unity live (first pairing: in parity on attach)");

        // Both edits become FINAL intents from their engine.
        await UntilAsync(serve, _ => FinalsLogged(serve).Count(f => f.Actor == "human:blender") >= 1 && FinalsLogged(serve).Count(f => f.Actor == "human:unity") >= 1,
            "a FINAL intent from each engine's human");
        Assert.True(await simOutput.WaitAsync(TimeSpan.FromSeconds(60)) is var simText && File.Exists(unityOut), simText);

        var status = await serve.StatusAsync();
        string reality = status.GetProperty("sync").GetProperty("reality_root").GetString()!;
        // Unity as the simulator wrote it on exit, hashed by the CLI in Unity space.
        Assert.Equal(reality, await Parts.HashAsync("unity", unityOut));
        // Blender as it holds it now, read back through the orchestrator, hashed by the CLI in Blender space.
        var blenderNow = await WriteAsync("blender-now.json", await serve.GetStringAsync("/v1/state?engine=blender"));
        Assert.Equal(reality, await Parts.HashAsync("blender", blenderNow));
        // And the edits are in them: Blender's move reached Unity (Blender +X is Unity −X), Unity's reached Blender.
        using var unityDoc = JsonDocument.Parse(File.ReadAllText(unityOut));
        var cube = unityDoc.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Cube");
        Assert.Equal(-3.0, cube.GetProperty("localPosition")[0].GetDouble(), 5);
        using var blenderDoc = JsonDocument.Parse(File.ReadAllText(blenderNow));
        var handle = blenderDoc.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Handle");
        Assert.NotEqual(0.0, handle.GetProperty("location")[0].GetDouble());
        var red = blenderDoc.RootElement.GetProperty("materials").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "Red");
        Assert.Equal(0.25, red.GetProperty("roughness").GetDouble(), 5);
        blender.Kill(entireProcessTree: true);
        await blenderOutput;
    }

    [Fact]
    public async Task no_acknowledged_final_is_lost_when_the_orchestrator_is_killed_and_the_engine_resyncs_from_reality()
    {
        var unityScene = Parts.SampleUnityScene(Work);
        var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        serve.KeepData = true;
        var data = serve.DataDirectory;
        var unityOut = Path.Combine(Work, "unity-after.json");
        using var sim = Parts.Sim(data, unityScene, 25, await WriteAsync("none.json", "[]"), unityOut);
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(90));
        try
        {
            await UntilAsync(serve, s => Live(s, "unity"), "Unity live (it seeds Reality)");
            const string cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";
            for (int i = 1; i <= 5; i++)
            {
                using var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli&wait=settled",
                    $$"""{"operations": [{"op": "set_transform", "uuid": "{{cube}}", "translation": [{{i}}, 0.5, -2]}], "rationale": "move {{i}}"}""");
                var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal("FINAL", answer.GetProperty("phase").GetString());
            }
            string before = (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString()!;
            serve.Kill();
            await serve.DisposeAsync();

            serve = await ServeProcess.StartInAsync(data, "--cosmetic-window-ms", "50");
            serve.KeepData = true;
            var status = await serve.StatusAsync();
            Assert.Equal(before, status.GetProperty("sync").GetProperty("reality_root").GetString());
            // No clean-shutdown marker: safe mode until parity is re-established.
            await serve.LoggedAsync("CRASH_RECOVERY");
            // The simulator reconnects by itself, is resynced and goes live at Reality's root; safe mode ends.
            status = await UntilAsync(serve, s => Live(s, "unity") && s.GetProperty("sync").GetProperty("safe_mode").ValueKind == JsonValueKind.Null,
                "Unity live again and safe mode over after the restart", 20_000);
            Assert.Equal(before, SyncOf(status, "unity").GetProperty("parity_root").GetString());
        }
        finally
        {
            serve.KeepData = false;
            await serve.DisposeAsync();
            sim.Kill(entireProcessTree: true);
            await simOutput;
        }
    }

    [Fact]
    public async Task a_restore_brings_an_object_back_to_a_snapshot_through_a_verified_intent_in_the_engine()
    {
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        var unityOut = Path.Combine(Work, "unity-after.json");
        using var sim = Parts.Sim(serve.DataDirectory, unityScene, 30, await WriteAsync("none.json", "[]"), unityOut);
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(90));
        try
        {
            await UntilAsync(serve, s => Live(s, "unity"), "Unity live (it seeds Reality)");
            const string cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";
            string seeded = (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString()!;
            var repo = Path.Combine(serve.DataDirectory, "snapshots");
            string first = await UntilCommitAsync(repo, 1);
            using (var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli&wait=settled",
                $$"""{"operations": [{"op": "set_transform", "uuid": "{{cube}}", "translation": [9, 9, 9]}, {"op": "rename", "uuid": "{{cube}}", "name": "Moved"}], "rationale": "try something"}"""))
                Assert.Equal("FINAL", JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("phase").GetString());
            await UntilCommitAsync(repo, 2); // each FINAL batch is a commit
            Assert.NotEqual(seeded, (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString());

            using (var reply = await serve.PostAsync($"/v1/restore?ref={first}&uuid={cube}"))
            {
                var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
                Assert.True(answer.TryGetProperty("phase", out var phase) && phase.GetString() == "FINAL", answer.ToString());
            }
            Assert.Equal(seeded, (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString());
            // The engine holds it too: its read-back hashes to Reality's root.
            var unityNow = await WriteAsync("unity-now.json", await serve.GetStringAsync("/v1/state?engine=unity"));
            Assert.Equal(seeded, await Parts.HashAsync("unity", unityNow));
            // A snapshot that does not exist is a clear error, and nothing changes.
            using (var reply = await serve.PostAsync("/v1/restore?ref=0123456789abcdef0123456789abcdef01234567"))
            {
                Assert.Equal(404, (int)reply.StatusCode);
                Assert.Contains("NO_SNAPSHOT", await reply.Content.ReadAsStringAsync());
            }
            Assert.Equal(seeded, (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString());
        }
        finally
        {
            sim.Kill(entireProcessTree: true);
            await simOutput;
        }
    }

    /// <summary>Waits until the snapshot repository has at least <paramref name="count"/> commits; returns the oldest.</summary>
    private static async Task<string> UntilCommitAsync(string repo, int count)
    {
        for (int i = 0; i < 200; i++)
        {
            var (code, output) = await Parts.RunAsync("git", TimeSpan.FromSeconds(30), "-C", repo, "log", "--format=%H");
            var commits = code == 0 ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries) : Array.Empty<string>();
            if (commits.Length >= count) return commits[^1];
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"the snapshot repository never reached {count} commit(s)");
    }

    [Fact]
    public async Task a_continuous_drag_in_either_engine_is_coalesced_in_the_wal_and_never_echoes_back()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "250");
        // A human drags the Cube in Blender for 2 s (a step every 20 ms), then the Handle in Unity for 2 s.
        var blenderDrag = Enumerable.Range(0, 100).Select(i => $$"""{"at": {{(4.0 + i * 0.02).ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "object": "Cube", "location": [{{(1 + i * 0.03).ToString(System.Globalization.CultureInfo.InvariantCulture)}}, 2.0, 0.5]}""");
        var unityDrag = Enumerable.Range(0, 100).Select(i => $$"""{"at": {{(4.5 + i * 0.02).ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "object": "Handle", "localPosition": [{{(i * 0.01).ToString(System.Globalization.CultureInfo.InvariantCulture)}}, 0.5, 0]}""");
        var blenderEdits = await WriteAsync("blender-drag.json", "[" + string.Join(", ", blenderDrag) + "]");
        var unityEdits = await WriteAsync("unity-drag.json", "[" + string.Join(", ", unityDrag) + "]");

        using var blender = Parts.Blender(blend, serve.DataDirectory, 40, blenderEdits);
        var blenderOutput = Parts.OutputOf(blender, TimeSpan.FromSeconds(60));
        await UntilAsync(serve, s => Live(s, "blender"), "Blender live");
        var unityOut = Path.Combine(Work, "unity-after.json");
        using var sim = Parts.Sim(serve.DataDirectory, unityScene, 9, unityEdits, unityOut);
        var simText = await Parts.OutputOf(sim, TimeSpan.FromSeconds(60));
        Assert.True(File.Exists(unityOut), simText);
        var blenderNow = await WriteAsync("blender-now.json", await serve.GetStringAsync("/v1/state?engine=blender"));
        blender.Kill(entireProcessTree: true);
        await blenderOutput;

        var finals = FinalsLogged(serve);
        int fromBlender = finals.Count(f => f.Actor == "human:blender"), fromUnity = finals.Count(f => f.Actor == "human:unity");
        // Coalesced: far fewer FINAL entries than the 100 steps each drag made, but at least one.
        Assert.True(fromBlender is >= 1 and <= 30 && fromUnity is >= 1 and <= 30, $"blender {fromBlender}, unity {fromUnity}:\n" + string.Join("\n", serve.Log.Where(l => !l.Contains("heartbeat")).TakeLast(60)));
        Assert.InRange(fromBlender, 1, 30);
        Assert.InRange(fromUnity, 1, 30);
        // No echo: each engine's intents touch only what its human dragged; nothing the orchestrator applied came back as an edit.
        Assert.All(finals.Where(f => f.Actor == "human:blender"), f => Assert.Equal(new[] { "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f" }, f.Uuids));
        Assert.All(finals.Where(f => f.Actor == "human:unity"), f => Assert.Equal(new[] { "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" }, f.Uuids));
        // Both ends of both drags are in both engines.
        using var unityDoc = JsonDocument.Parse(File.ReadAllText(unityOut));
        var cube = unityDoc.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Cube");
        Assert.Equal(-(1 + 99 * 0.03), cube.GetProperty("localPosition")[0].GetDouble(), 4);
        string reality = (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString()!;
        Assert.Equal(reality, await Parts.HashAsync("blender", blenderNow));
    }

    [Fact]
    public async Task an_engine_that_crashed_and_comes_back_on_its_old_scene_is_resynced_to_reality()
    {
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50", "--heartbeat-timeout", "2");
        const string cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";
        using (var first = Parts.Sim(serve.DataDirectory, unityScene, 30, await WriteAsync("crash.json", """[{"at": 4, "fault": "crash"}]"""), Path.Combine(Work, "ignored.json")))
        {
            var firstOutput = Parts.OutputOf(first, TimeSpan.FromSeconds(60));
            await UntilAsync(serve, s => Live(s, "unity"), "Unity live (it seeds Reality)");
            using (var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli&wait=settled",
                $$"""{"operations": [{"op": "set_transform", "uuid": "{{cube}}", "translation": [7, 0.5, -2]}, {"op": "set_visibility", "uuid": "{{cube}}", "visible": false}], "rationale": "before the crash"}"""))
                Assert.Equal("FINAL", JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("phase").GetString());
            await firstOutput; // the simulator crashes (exit 70, no BYE)
            Assert.Equal(70, first.ExitCode);
        }
        var status = await UntilAsync(serve, s => SyncOf(s, "unity").GetProperty("phase").GetString() == "detached", "Unity detached after the crash");
        // While it is away, Reality moves on (an intent from the CLI: applied in no engine, verified in none, FINAL).
        using (var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli&wait=settled",
            $$"""{"operations": [{"op": "rename", "uuid": "{{cube}}", "name": "Renamed while Unity was away"}], "rationale": "while away"}"""))
            Assert.Equal("FINAL", JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("phase").GetString());
        string reality = (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString()!;

        // It comes back on the scene it had before anything happened: resynced from Reality.
        var after = Path.Combine(Work, "unity-after.json");
        using var second = Parts.Sim(serve.DataDirectory, unityScene, 4, await WriteAsync("none.json", "[]"), after);
        var secondText = await Parts.OutputOf(second, TimeSpan.FromSeconds(60));
        Assert.True(File.Exists(after), secondText);
        Assert.Equal(reality, await Parts.HashAsync("unity", after));
    }

    [Fact]
    public async Task a_scene_of_a_few_hundred_objects_reaches_parity_on_attach_in_both_engines()
    {
        var (blend, unityJson) = await Parts.RandomScenesAsync(Work, seed: 31, objects: 300);
        await using var serve = await ServeProcess.StartAsync();
        using var blender = Parts.Blender(blend, serve.DataDirectory, 60, await WriteAsync("none.json", "[]"));
        var blenderOutput = Parts.OutputOf(blender, TimeSpan.FromSeconds(90));
        await UntilAsync(serve, s => Live(s, "blender"), "Blender live (it seeds Reality)", 60_000);
        var unityOut = Path.Combine(Work, "unity-after.json");
        using var sim = Parts.Sim(serve.DataDirectory, unityJson, 6, await WriteAsync("none2.json", "[]"), unityOut);
        var status = await UntilAsync(serve, s => Live(s, "unity") || SyncOf(s, "unity").GetProperty("phase").GetString() == "blocked", "Unity live", 60_000);
        Assert.True(Live(status, "unity"), status.ToString());
        Assert.Equal(300, status.GetProperty("sync").GetProperty("objects").GetInt32());
        var simText = await Parts.OutputOf(sim, TimeSpan.FromSeconds(60));
        Assert.True(File.Exists(unityOut), simText);
        // Both engines' scenes, hashed by the CLI, equal Reality's root (or, on a quantization tie, its fields within ε: status says which).
        // Blender's read back in canonical values (converting camera and light frames back to Blender space is inexact).
        string reality = status.GetProperty("sync").GetProperty("reality_root").GetString()!;
        var blenderNow = await WriteAsync("blender-now.json", await serve.GetStringAsync("/v1/state?engine=blender&space=canonical"));
        if (await Parts.HashAsync("canonical", blenderNow) != reality)
        {
            // A quantization tie: a light's rotation read back through its frame conversion lands
            // within ε of Reality's but on the other side of a rounding boundary. Fields decide.
            static VibeSync.Protocol.State.Scene Read(string text) => VibeSync.Protocol.SceneJson.SceneJsonReader.ReadCanonical(text, VibeSync.Protocol.Spaces.Space.Canonical);
            var differences = VibeSync.Protocol.Comparison.FieldComparer.Differences(
                Read(await serve.GetStringAsync("/v1/state?engine=reality")), Read(File.ReadAllText(blenderNow)));
            Assert.True(differences.Count == 0, string.Join("; ", differences));
        }
        if (!SyncOf(status, "unity").GetProperty("reason").GetString()!.Contains("quantization ties"))
            Assert.Equal(reality, await Parts.HashAsync("unity", unityOut));
        blender.Kill(entireProcessTree: true);
        await blenderOutput;
    }

    [Fact]
    public async Task a_domain_reload_re_handshakes_with_a_new_generation_and_resyncs_without_losing_an_intent()
    {
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        const string cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";
        var unityOut = Path.Combine(Work, "unity-after.json");
        using var sim = Parts.Sim(serve.DataDirectory, unityScene, 9, await WriteAsync("reload.json", """[{"at": 4, "fault": "domain_reload"}]"""), unityOut);
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(60));
        await UntilAsync(serve, s => Live(s, "unity"), "Unity live (it seeds Reality)");
        using (var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli&wait=settled",
            $$"""{"operations": [{"op": "set_transform", "uuid": "{{cube}}", "translation": [4, 0.5, -2]}], "rationale": "before the reload"}"""))
            Assert.Equal("FINAL", JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("phase").GetString());
        // The reload: the session ends, a new one with generation 2 attaches and goes live again.
        var status = await UntilAsync(serve, s => Live(s, "unity") && ServeProcess.EngineIn(s, "unity").GetProperty("session") is { ValueKind: JsonValueKind.Object } session
            && session.GetProperty("generation").GetInt64() == 2, // between the two sessions there is none
            "Unity live again with generation 2", 20_000);
        string reality = status.GetProperty("sync").GetProperty("reality_root").GetString()!;
        var simText = await simOutput;
        Assert.Contains("\"fault\":\"domain_reload\"", simText);
        Assert.Equal(reality, await Parts.HashAsync("unity", unityOut));
    }

    [Fact]
    public async Task after_a_hash_mismatch_the_object_is_dirty_until_a_fresh_read_or_a_resync_shows_it_back_in_parity()
    {
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        const string cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";
        // Unity stores every write 0.5 m off from 3 s to 15 s after its start: the apply, the rollback and the
        // orchestrator's repairs (retried with back-off) all go wrong while the moves below run. A count of
        // writes raced: once spent, a retried repair could clean the object before the AI's move.
        // The reload comes well after the moves below even on a loaded machine (its time counts from the
        // simulator's start, the moves' from Unity going live; at 9 s it once came first, and the resync
        // cleaned the object before the AI's move could be refused).
        using var sim = Parts.Sim(serve.DataDirectory, unityScene, 45, await WriteAsync("tamper.json", """[{"at": 3, "fault": "tamper", "seconds": 12}, {"at": 20, "fault": "domain_reload"}]"""),
            Path.Combine(Work, "unity-after.json"));
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(90));
        try
        {
            await UntilAsync(serve, s => Live(s, "unity"), "Unity live (it seeds Reality)");
            await Task.Delay(TimeSpan.FromSeconds(3.5) - TimeSpan.FromMilliseconds(0)); // past the tamper step
            async Task<JsonElement> Move(double x, string actor = "human:cli")
            {
                using var reply = await serve.PostJsonAsync($"/v1/intents?actor={actor}&wait=settled",
                    $$"""{"operations": [{"op": "set_transform", "uuid": "{{cube}}", "translation": [{{x}}, 0.5, -2]}], "rationale": "move"}""");
                return JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.Clone();
            }
            var first = await Move(2);
            Assert.Equal("ROLLED_BACK", first.GetProperty("phase").GetString());
            Assert.Contains("HASH_MISMATCH", first.GetProperty("reason").GetString());
            var status = await serve.StatusAsync();
            Assert.Contains(cube, status.GetProperty("sync").GetProperty("dirty").EnumerateArray().Select(e => e.GetString()));
            // No further mutation of it by automation: refused as DIRTY, nothing applied (a human's edit would go through).
            var refused = await Move(3, "ai:claude");
            Assert.Equal("REFUSED", refused.GetProperty("phase").GetString());
            Assert.Equal("DIRTY", refused.GetProperty("code").GetString());
            // The domain reload re-attaches Unity; its resync brings it to Reality, and the object is clean again.
            await UntilAsync(serve, s => Live(s, "unity") && ServeProcess.EngineIn(s, "unity").GetProperty("session").GetProperty("generation").GetInt64() == 2
                && s.GetProperty("sync").GetProperty("dirty").GetArrayLength() == 0, "Unity resynced after the reload and the object clean", 40_000);
            Assert.Equal("FINAL", (await Move(4)).GetProperty("phase").GetString());
        }
        finally
        {
            sim.Kill(entireProcessTree: true);
            await simOutput;
        }
    }

    [Fact]
    public async Task a_first_pairing_of_two_different_scenes_creates_what_each_side_lacks_in_the_other_and_reaches_parity()
    {
        // Blender opens the cube-and-camera sample; the simulator its own, different sample (other
        // objects, another material and mesh): nothing shared but the coordinate conventions.
        var blend = await Parts.SampleBlendAsync(Work);
        await using var serve = await ServeProcess.StartAsync();
        var none = await WriteAsync("none.json", "[]");
        using var blender = Parts.Blender(blend, serve.DataDirectory, 60, none);
        var blenderOutput = Parts.OutputOf(blender, TimeSpan.FromSeconds(90));
        await UntilAsync(serve, s => Live(s, "blender"), "Blender live (it seeds Reality)");
        var seeded = (await serve.StatusAsync()).GetProperty("sync");
        var unityOut = Path.Combine(Work, "unity-after.json");
        using var sim = Parts.Start("dotnet", Parts.Cli, "sim-unity", "--data", serve.DataDirectory, "--seconds", "8", "--write", unityOut);
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(60));
        var status = await UntilAsync(serve, s => Live(s, "unity") || SyncOf(s, "unity").GetProperty("phase").GetString() == "blocked", "Unity paired", 30_000);
        Assert.True(Live(status, "unity"), status.ToString());
        var sync = status.GetProperty("sync");
        Assert.True(sync.GetProperty("objects").GetInt32() > seeded.GetProperty("objects").GetInt32(), "Unity's objects were adopted into Reality");
        Assert.True(sync.GetProperty("meshes").GetInt32() > seeded.GetProperty("meshes").GetInt32(), "Unity's mesh was adopted into Reality");
        string reality = sync.GetProperty("reality_root").GetString()!;
        // Blender now holds Unity's objects (created there by the adoption intent), and the reverse.
        var blenderNow = await WriteAsync("blender-now.json", await serve.GetStringAsync("/v1/state?engine=blender&space=canonical"));
        using var blenderDoc = JsonDocument.Parse(File.ReadAllText(blenderNow));
        Assert.Equal(sync.GetProperty("objects").GetInt32(), blenderDoc.RootElement.GetProperty("objects").GetArrayLength());
        Assert.Equal(reality, await Parts.HashAsync("canonical", blenderNow));
        var simText = await simOutput;
        Assert.True(File.Exists(unityOut), simText);
        using var unityDoc = JsonDocument.Parse(File.ReadAllText(unityOut));
        Assert.Contains(unityDoc.RootElement.GetProperty("objects").EnumerateArray(), o => o.GetProperty("name").GetString() == "Handle"); // Blender's
        Assert.Equal(sync.GetProperty("objects").GetInt32(), unityDoc.RootElement.GetProperty("objects").GetArrayLength());
        blender.Kill(entireProcessTree: true);
        await blenderOutput;
    }

    [Fact]
    public async Task a_light_energy_edited_in_blender_again_and_again_keeps_parity_without_a_resync()
    {
        // A point lamp of 500 W; Blender seeds Reality, the simulator pairs and gets it.
        var blend = await Parts.SampleBlendAsync(Work, """
            lamp = bpy.data.objects.new("Lamp", bpy.data.lights.new("Lamp", "POINT"))
            lamp.data.energy = 500.0
            bpy.context.scene.collection.objects.link(lamp)
            """.Replace("            ", "") + "\n");
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await UntilAsync(serve, s => Live(s, "blender"), "Blender live (it seeds Reality)", 60_000);
        using var sim = Parts.Sim(serve.DataDirectory, Parts.SampleUnityScene(Work), 90, await WriteAsync("none.json", "[]"), Path.Combine(Work, "unity-after.json"));
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(120));
        try
        {
            await AtParityAsync(serve, "both engines live at Reality's root");
            async Task<JsonElement> Lamp(string engine)
            {
                using var doc = JsonDocument.Parse(await serve.GetStringAsync($"/v1/state?engine={engine}&space=canonical"));
                return doc.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Lamp").Clone();
            }
            string lamp = (await Lamp("reality")).GetProperty("uuid").GetString()!;
            // A sync writes 33697.8761 cd into Blender: 620 W there, the candela kept beside it.
            var written = await serve.SubmitAsync($$"""{"operations": [{"op": "set_light", "uuid": "{{lamp}}", "intensity": 33697.8761}], "rationale": "a sync's write"}""");
            Assert.Equal("FINAL", written.GetProperty("phase").GetString());
            // The human's edits, one back to the watts the sync wrote, each left quiet long enough for
            // the origin read-back to run twice (a difference seen twice is a lost parity).
            foreach (var energy in new[] { 1500.0, 1234.5, 620.0, 777.7, 1500.0 })
            {
                await blender.StepAsync($$"""{"light": "Lamp", "energy": {{energy.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""");
                double cd = energy / (4 * Math.PI) * 683;
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (Math.Abs((await Lamp("reality")).GetProperty("light").GetProperty("intensity").GetDouble() - cd) > 0.01)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"{energy} W never reached Reality:\n{string.Join('\n', serve.Log.TakeLast(30))}");
                    await Task.Delay(100);
                }
                await Task.Delay(2000);
            }
            var lost = serve.Log.Where(l => l.Contains("PARITY_LOST") || l.Contains("HASH_MISMATCH")).ToList();
            Assert.True(lost.Count == 0, string.Join('\n', lost));
            await AtParityAsync(serve, "both engines still live at Reality's root", timeoutMs: 5_000);
            // Blender reads the lamp exactly as Reality's float32 model of it.
            double reality = (await Lamp("reality")).GetProperty("light").GetProperty("intensity").GetDouble();
            Assert.Equal((double)(float)reality, (await Lamp("blender")).GetProperty("light").GetProperty("intensity").GetDouble());
        }
        finally
        {
            sim.Kill(entireProcessTree: true);
            await simOutput;
        }
    }
}
