using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Framing;
using VibeSync.Unity.Simulator;

namespace VibeSync.Link.Tests;

/// <summary>
/// Issue #16 against a real serve: the actors an attacker really is — a process holding one
/// engine's key (a raw <see cref="LinkClient"/> with blender.key) and keyless local processes
/// (<see cref="JunkFlood"/>) — while the honest Unity engine, the real simulator, keeps syncing a
/// person's edits. Each test says which item it covers.
/// </summary>
[Collection(UnderAttack.Name)]
public sealed class HostileActorTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public HostileActorTests(Xunit.Abstractions.ITestOutputHelper output) => _out = output;

    private const string Cube = SimProcess.Cube;
    private const string Hidden = "h-5a1d0000-0000-4000-8000-000000000009";

    private static double CubeX(JsonElement? unityObject) => unityObject!.Value.GetProperty("localPosition")[0].GetDouble();

    /// <summary>Waits until Reality's Cube is at <paramref name="x"/> (the person's last step landed).</summary>
    private static async Task CubeLandsAsync(ServeProcess serve, double x, int timeoutMs = 15_000)
    {
        var sw = Stopwatch.StartNew();
        double now = double.NaN;
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            now = CubeX(await serve.UnityObjectAsync("reality", Cube));
            if (Math.Abs(now - x) < 1e-6) return;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"Reality's Cube is at x = {now}, not {x}; serve:\n{string.Join('\n', serve.Log.TakeLast(30))}");
    }

    private static int Count(ServeProcess serve, string code, string? engine = null) =>
        serve.Log.Count(l => l.Contains($"\"code\":\"{code}\"") && (engine == null || l.Contains($"\"engine\":\"{engine}\"")));

    private static string Code(Frame reply) => JsonDocument.Parse(reply.Payload.ToArray()).RootElement.TryGetProperty("code", out var c) ? c.GetString()! : "";

    private static async Task<(ServeProcess Serve, SimProcess Sim)> HonestUnityAsync(string? scene = null, params string[] serveArgs)
    {
        var serve = await ServeProcess.StartAsync(serveArgs);
        var sim = SimProcess.Start(serve, scene);
        await sim.LiveAsync(serve);
        return (serve, sim);
    }

    // ---- item 8: keyless junk costs the honest engine nothing ----

    [Fact]
    public async Task a_keyless_junk_flood_neither_slows_nor_costs_the_honest_engine()
    {
        var (serve, sim) = await HonestUnityAsync();
        await using var _ = serve;
        await using var __ = sim;
        await using var flood1 = JunkFlood.Start(serve.LinkPort, 9);
        await Task.Delay(1000); // the flood is under way

        // A person drags the Cube in Unity, one edit every 100 ms, while another adapter (Blender's
        // key) reconnects over and over and heartbeats: neither may pay for the flood.
        var drag = Task.Run(async () =>
        {
            for (int i = 1; i <= 60; i++)
            {
                sim.MoveCube(1 + i * 0.01);
                await Task.Delay(100);
            }
        });
        var connects = new List<double>();
        var beats = new List<double>();
        for (int round = 0; round < 6; round++)
        {
            var sw = Stopwatch.StartNew();
            LinkClient blender;
            try { blender = await serve.ConnectAsync(Engines.Blender).WaitAsync(TimeSpan.FromSeconds(20)); }
            catch (Exception e) when (e is IOException or TimeoutException)
            {
                throw new Xunit.Sdk.XunitException($"an honest reconnect was turned away in round {round}: {e.Message}; serve:\n" +
                    string.Join('\n', serve.Log.Where(l => !l.Contains("\"event\":\"junk")).TakeLast(20)));
            }
            using var ___ = blender;
            connects.Add(sw.Elapsed.TotalMilliseconds);
            for (int i = 0; i < 15; i++)
            {
                sw.Restart();
                Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type);
                beats.Add(sw.Elapsed.TotalMilliseconds);
                await Task.Delay(50);
            }
        }
        await drag;
        int sent = await flood1.EndAsync();
        await CubeLandsAsync(serve, 1.6);
        // Nothing is kept against the address the junk came from: once the flood is over, a
        // reconnect from it is as quick as ever (before issue #16 each paid a ~1 s penalty).
        var after = new List<double>();
        for (int round = 0; round < 3; round++)
        {
            var sw = Stopwatch.StartNew();
            using var blender = await serve.ConnectAsync(Engines.Blender).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type);
            after.Add(sw.Elapsed.TotalMilliseconds);
        }

        var status = await serve.StatusAsync();
        var unity = ServeProcess.EngineIn(status, Engines.Unity);
        beats.Sort();
        double p99 = beats[(int)Math.Ceiling(beats.Count * 0.99) - 1];
        var figures = $"{sent} junk connections; handshakes {string.Join(", ", connects.Select(c => c.ToString("F0")))} ms, after the flood {string.Join(", ", after.Select(c => c.ToString("F0")))} ms; heartbeat p50 {beats[beats.Count / 2]:F1} ms, p99 {p99:F1} ms";
        _out.WriteLine(figures);
        Assert.True(sent > 1000, figures);
        Assert.Equal(0, Count(serve, "RATE_LIMITED"));
        Assert.Equal(100, unity.GetProperty("trust").GetInt32());
        Assert.False(unity.GetProperty("quarantined").GetBoolean());
        Assert.Equal("live", ServeProcess.PhaseOf(status, Engines.Unity));
        // Timing on a shared two-core machine under a flood that takes most of a core (the rest of
        // the suite runs beside it): before issue #16 every reconnect paid a ~1 s junk penalty or
        // was turned away. Now none is turned away, and a reconnect waits only its turn behind the
        // junk queued before it. How long that turn is, is a race for the CPU between the flood and
        // serve's accept loop: when the flood wins, the kernel's queue (4,096) stays full and each
        // connect waits for it to drain (CI saw 0.3–2.2 s with the flood at 2,500 connections/s;
        // alone here, 2–300 ms). So the bound during the flood is loose, and the penalty is checked
        // where no race hides it: after the flood. The figures are in the message.
        connects.Sort();
        Assert.True(connects[connects.Count / 2] < 1500 && connects.Max() < 5000, "an honest reconnect waited during the flood: " + figures);
        Assert.True(after.Max() < 500, "a reconnect after the flood paid for it: " + figures);
        Assert.True(beats[beats.Count / 2] < 50, "heartbeats slowed during the flood: " + figures);
        Assert.True(status.GetProperty("link").GetProperty("junk_dropped").GetInt64() > 1000, figures);
    }

    [Fact]
    public async Task refused_and_junk_connections_are_logged_as_one_summary_a_second_not_a_line_each()
    {
        await using var serve = await ServeProcess.StartAsync();
        int before = serve.Log.Count;
        await using (var flood = JunkFlood.Start(serve.LinkPort, 3))
        {
            int sent = await flood.EndAsync();
            Assert.True(sent > 1000, $"only {sent} junk connections");
        }
        await Task.Delay(1500); // the last second's summary
        var lines = serve.Log.Skip(before).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var junk = lines.Where(e => e.GetProperty("event").GetString() is "junk" or "refused" or "junk_summary").ToList();
        long dropped = (await serve.StatusAsync()).GetProperty("link").GetProperty("junk_dropped").GetInt64();
        Assert.True(junk.Count <= 60, $"{junk.Count} log lines for {dropped} junk connections in ~4 s");
        var summaries = junk.Where(e => e.GetProperty("event").GetString() == "junk_summary").ToList();
        Assert.NotEmpty(summaries);
        Assert.All(summaries, s => Assert.Contains("127.0.0.1", s.GetProperty("remote").GetString()));
        long counted = junk.Count(e => e.GetProperty("event").GetString() != "junk_summary")
            + summaries.Sum(s => s.GetProperty("count").GetInt64());
        Assert.All(summaries, s => Assert.Equal(s.GetProperty("count").GetInt64(), s.GetProperty("counts").EnumerateObject().Sum(c => c.Value.GetInt64())));
        Assert.True(counted >= dropped * 9 / 10, $"the log accounts for {counted} of {dropped} junk connections");
    }

    // ---- medium: honest drags are never limited, and trust recovers ----

    [Fact]
    public async Task a_long_drag_at_adapter_rates_is_never_rate_limited()
    {
        var (serve, sim) = await HonestUnityAsync();
        await using var _ = serve;
        await using var __ = sim;
        // 60 Hz for 20 s: an adapter that sends one edit per object per editor tick.
        var sw = Stopwatch.StartNew();
        const int steps = 1200;
        for (int i = 1; i <= steps; i++)
        {
            sim.MoveCube(1 + i * 0.001);
            var due = TimeSpan.FromSeconds(i / 60.0) - sw.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
        }
        await CubeLandsAsync(serve, 1 + steps * 0.001);
        var status = await serve.StatusAsync();
        var unity = ServeProcess.EngineIn(status, Engines.Unity);
        Assert.Equal(0, Count(serve, "RATE_LIMITED"));
        Assert.Equal(100, unity.GetProperty("trust").GetInt32());
        Assert.False(unity.GetProperty("quarantined").GetBoolean());
        Assert.Equal("live", ServeProcess.PhaseOf(status, Engines.Unity));
        // The simulator coalesces per tick (steps that reach it within one tick are one edit): at
        // least half the steps arrived as edits of their own, so edits came at 30–60 Hz.
        Assert.True(status.GetProperty("link").GetProperty("edits_accepted").GetInt64() >= steps / 2,
            $"{status.GetProperty("link").GetProperty("edits_accepted").GetInt64()} edits accepted of {steps} steps");
    }

    // ---- item 7: names are data ----

    [Fact]
    public async Task a_name_full_of_blocked_patterns_lands_as_data_and_never_revokes_the_engine_holding_it()
    {
        var (serve, sim) = await HonestUnityAsync();
        await using var _ = serve;
        await using var __ = sim;
        const string name = "os.system(x)__import__";
        var answer = await serve.SubmitAsync(
            $"{{\"operations\": [{{\"op\": \"rename\", \"uuid\": \"{Cube}\", \"name\": {JsonSerializer.Serialize(name)}}}], \"rationale\": \"a name is data\"}}");
        Assert.True(answer.GetProperty("phase").GetString() == "FINAL", answer.ToString());
        Assert.Equal(name, (await serve.UnityObjectAsync("reality", Cube))!.Value.GetProperty("name").GetString());
        Assert.Equal(name, (await serve.UnityObjectAsync("unity", Cube))!.Value.GetProperty("name").GetString()); // read back from the simulator
        // Unity saves and is opened again: it reports its whole scene, the name in it.
        var saved = Path.Combine(serve.DataDirectory, "saved.unity.json");
        sim.Step(new { save = saved });
        for (int i = 0; i < 100 && !sim.Output.Any(l => l.Contains("\"saved\"")); i++) await Task.Delay(50);
        await sim.DisposeAsync();
        await using var reopened = SimProcess.Start(serve, saved);
        await reopened.LiveAsync(serve);
        Assert.Contains(JsonSerializer.Serialize(name), File.ReadAllText(saved));
        var status = await serve.StatusAsync();
        Assert.Empty(ServeProcess.Panicked(status));
        Assert.Equal(0, Count(serve, "BLOCKED_PATTERN"));
        Assert.Equal(0, status.GetProperty("link").GetProperty("violations").GetInt64());
        reopened.MoveCube(4, name); // and Unity still syncs
        await CubeLandsAsync(serve, 4);
    }

    // ---- pairing: an engine that never attached cannot edit ----

    [Fact]
    public async Task an_engine_that_never_attached_cannot_edit_anything_not_even_hidden_objects()
    {
        var doc = JsonNode.Parse(SimHost.DefaultScene)!;
        doc["objects"]!.AsArray().Add(JsonNode.Parse($$"""
            {"uuid": "{{Hidden}}", "name": "Secret", "kind": "empty", "parent": null, "localPosition": [5, 0, 0], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": [], "mesh": null}
            """));
        var scene = Path.Combine(Path.GetTempPath(), $"vibesync-hidden-{Guid.NewGuid():N}.json");
        File.WriteAllText(scene, doc.ToJsonString());
        try
        {
            var (serve, sim) = await HonestUnityAsync(scene);
            await using var _ = serve;
            await using var __ = sim;
            var reality = await serve.GetStringAsync("/v1/state?engine=reality&space=unity");
            using var blender = await serve.ConnectAsync(Engines.Blender);
            foreach (var target in new[] { Hidden, Cube })
            {
                var reply = await blender.RequestAsync(MessageType.Edit, $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{target}\", \"translation\": [9, 9, 9]}}]}}");
                Assert.Equal(MessageType.Error, reply.Type);
                Assert.Equal("NOT_ATTACHED", Code(reply));
            }
            await Task.Delay(600); // a cosmetic batch window and then some
            Assert.Equal(reality, await serve.GetStringAsync("/v1/state?engine=reality&space=unity"));
            Assert.DoesNotContain("human:blender", await serve.GetStringAsync("/v1/wal?since=0&limit=1000"));
            Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type); // refused, not revoked: an honest adapter may race its attach
        }
        finally { File.Delete(scene); }
    }

    [Fact]
    public async Task an_engine_that_reported_its_scene_but_is_not_live_yet_cannot_edit()
    {
        var (serve, sim) = await HonestUnityAsync();
        await using var _ = serve;
        await using var __ = sim;
        // Blender's key, reporting only the camera: its first pairing must create the rest in it, so
        // it stays "syncing" while the orchestrator waits for APPLY answers this client never gives.
        var reality = JsonNode.Parse(await serve.GetStringAsync("/v1/state?engine=reality&space=canonical"))!;
        var camera = reality["objects"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == "Main Camera")!.DeepClone();
        var scene = new JsonObject { ["objects"] = new JsonArray(camera) }.ToJsonString();
        var records = VibeSync.Protocol.SceneJson.SceneJsonReader.ReadCanonicalRecords(VibeSync.Protocol.Json.JsonParser.Parse(scene));
        string root = VibeSync.Protocol.Hashing.Hex.Encode(VibeSync.Protocol.Hashing.SceneHasher.Hash(records).Root);
        using var blender = await serve.ConnectAsync(Engines.Blender);
        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.Scene, $"{{\"generation\": 1, \"root\": \"{root}\", \"scene\": {scene}}}")).Type);
        for (int i = 0; i < 100 && ServeProcess.PhaseOf(await serve.StatusAsync(), Engines.Blender) != "syncing"; i++) await Task.Delay(20);
        var reply = await blender.RequestAsync(MessageType.Edit, $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [9, 9, 9]}}]}}");
        Assert.Equal(MessageType.Error, reply.Type);
        Assert.Equal("NOT_ATTACHED", Code(reply));
        Assert.Contains("not live", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.DoesNotContain("human:blender", await serve.GetStringAsync("/v1/wal?since=0&limit=1000"));
    }

    // ---- HUMAN_ACTIVE locks end with their session ----

    [Theory]
    [InlineData("disconnect")]
    [InlineData("reconnect_same_generation")]
    [InlineData("reconnect_next_generation")]
    public async Task human_active_locks_end_with_the_session_that_took_them(string how)
    {
        await using var serve = await ServeProcess.StartAsync();
        var blender = await serve.ConnectAsync(Engines.Blender);
        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.HumanActive, $"{{\"uuids\": [\"{Cube}\"], \"active\": true}}")).Type);
        Assert.Contains(Cube, await LocksAsync(serve, expectEmpty: false));
        LinkClient? next = null;
        switch (how)
        {
            case "disconnect": blender.Dispose(); break;
            case "reconnect_same_generation": next = await serve.ConnectAsync(Engines.Blender, generation: 1); break;
            case "reconnect_next_generation": next = await serve.ConnectAsync(Engines.Blender, generation: 2); break;
        }
        Assert.Empty(await LocksAsync(serve, expectEmpty: true));
        if (next != null)
        {
            // The new session's own lock is its own: taken after the old ones were released, it holds.
            Assert.Equal(MessageType.Ack, (await next.RequestAsync(MessageType.HumanActive, $"{{\"uuids\": [\"{Cube}\"], \"active\": true}}")).Type);
            Assert.Contains(Cube, await LocksAsync(serve, expectEmpty: false));
            next.Dispose();
            blender.Dispose();
        }
    }

    private static async Task<string[]> LocksAsync(ServeProcess serve, bool expectEmpty)
    {
        string[] locks = Array.Empty<string>();
        for (int i = 0; i < 60; i++)
        {
            locks = (await serve.StatusAsync()).GetProperty("sync").GetProperty("locks").EnumerateArray().Select(l => l.GetString()!).ToArray();
            if ((locks.Length == 0) == expectEmpty) break;
            await Task.Delay(50);
        }
        return locks;
    }

    // ---- PANIC is per engine ----

    [Fact]
    public async Task a_panic_in_blender_does_not_hold_the_human_edits_made_in_unity()
    {
        var (serve, sim) = await HonestUnityAsync();
        await using var _ = serve;
        await using var __ = sim;
        using var blender = await serve.ConnectAsync(Engines.Blender);
        await blender.SendAsync(0x7f, "{}"); // an unknown type: a contract violation, Blender's session revoked, PANIC for Blender
        await serve.LoggedAsync("UNKNOWN_TYPE", Engines.Blender);
        var status = await serve.StatusAsync();
        Assert.Equal(new[] { Engines.Blender }, ServeProcess.Panicked(status));
        sim.MoveCube(3);
        await CubeLandsAsync(serve, 3);
        Assert.Empty((await serve.StatusAsync()).GetProperty("sync").GetProperty("pending").EnumerateArray());
        Assert.Equal(new[] { Engines.Blender }, ServeProcess.Panicked(await serve.StatusAsync())); // Blender's PANIC stays until a human's unlock
    }

    // ---- an unfinished SCENE in parts is bounded ----

    [Fact]
    public async Task an_unfinished_scene_in_parts_is_refused_past_its_bound_and_its_memory_let_go()
    {
        // A loaded machine (a 13 MB part read at a few percent of a CPU) must not lose the heartbeat mid-transfer.
        await using var serve = await ServeProcess.StartAsync("--heartbeat-timeout", "60");
        using var blender = await serve.ConnectAsync(Engines.Blender);
        long baseline = serve.ResidentBytes();
        string? refusal = null;
        int part = 0;
        long sentBytes = 0;
        for (; part < 40 && refusal == null; part++)
        {
            Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type); // alive all along: only the transfer is unfinished
            var payload = ScenePart(part, 4096, 35_000);
            sentBytes += payload.Length;
            Frame reply;
            try { reply = await blender.RequestAsync(MessageType.Scene, payload); }
            catch (IOException e) { throw new Xunit.Sdk.XunitException($"part {part}: {e.Message}; serve:\n{string.Join('\n', serve.Log.TakeLast(5))}"); }
            if (reply.Type == MessageType.Error) refusal = Encoding.UTF8.GetString(reply.Payload.Span);
            Assert.True(reply.Type != MessageType.Bye, "the session was revoked: " + Encoding.UTF8.GetString(reply.Payload.Span) + string.Join("\n", serve.Log.TakeLast(5)));
        }
        long peak = serve.ResidentBytes();
        _out.WriteLine($"refused after part {part - 1}, {sentBytes >> 20} MiB sent; serve grew from {baseline >> 20} to {peak >> 20} MiB: {refusal}");
        Assert.True(refusal != null, $"{part} parts ({sentBytes / (1 << 20)} MiB) of an unfinished SCENE were all taken; serve holds {peak / (1 << 20)} MiB");
        Assert.Contains("RESOURCE_LIMIT", refusal);
        Assert.True(sentBytes <= 300L << 20, $"refused only after {sentBytes / (1 << 20)} MiB");
        // Unfinished parts are held as their bytes (SceneTransfer): 256 MiB sent grew serve by 460–554 MiB
        // on a quiet machine (the bytes, and the last parts' parse not yet collected); held as records
        // it was 892 MiB quiet, 1.2–1.5 GiB loaded. The bound sits 1.4–1.7x above the quiet figures
        // and below the records' cost, so holding records again fails it.
        Assert.True(peak - baseline < 768L << 20, $"serve grew by {(peak - baseline) / (1 << 20)} MiB for {sentBytes / (1 << 20)} MiB sent");
        Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type); // a limit, not a violation
        Assert.Empty(ServeProcess.Panicked(await serve.StatusAsync()));
    }

    /// <summary>One part of a SCENE of <paramref name="parts"/> parts: <paramref name="objects"/> empties with long names, distinct uuids per part.</summary>
    private static string ScenePart(int part, int parts, int objects)
    {
        var name = new string('n', 190);
        var sb = new StringBuilder($"{{\"generation\": 1, \"root\": \"{new string('0', 64)}\", \"part\": {part}, \"parts\": {parts}, \"scene\": {{\"objects\": [");
        for (int i = 0; i < objects; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append($"{{\"uuid\": \"00000000-0000-4000-8000-{part:x4}{i:x8}\", \"name\": \"{name}\", \"kind\": \"empty\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"visible\": true, \"materials\": [], \"mesh\": null}}");
        }
        return sb.Append("]}}").ToString();
    }
}
