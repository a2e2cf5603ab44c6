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
        // The edits come after the orchestrator has the engine live (an edit made while it is being attached is adopted
        // later, not counted as an EDIT accepted): 1 s leaves room for a loaded machine's first SCENE (schema 3's readers JIT).
        var events = await SimAsync(2.5, """[{"at": 1.0, "object": "Cube", "localPosition": [2, 0.5, 2]}, {"at": 1.3, "material": "Red", "roughness": 0.25}]""");
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
    public async Task the_simulator_shows_the_pending_ai_intents_serve_announces_and_reviews_one_at_its_console_page()
    {
        ulong crate = await SubmitAiAsync("7a1d0000-0000-4000-8000-0000000000c1", "Crate", "put a crate by the door");
        ulong barrel = await SubmitAiAsync("7a1d0000-0000-4000-8000-0000000000c2", "Barrel", "and a barrel");
        var run = SimAsync(8, $$"""[{"at": 2.0, "review": {{crate}}}]""");
        // Once the simulator is live, a human approves the barrel (the simulator applies it): it hears the shorter list.
        for (int i = 0; i < 100 && ServeProcess.PhaseOf(await _serve.StatusAsync(), "unity") != "live"; i++) await Task.Delay(50);
        await Task.Delay(2500); // after the review step
        using (var approved = await _serve.PostAsync($"/v1/intents/{barrel}/approve")) Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync());
        var events = await run;

        var shown = events.Where(e => e.GetProperty("event").GetString() == "pending_intents").ToList();
        Assert.True(shown.Count >= 2, string.Join('\n', events));
        var first = shown[0];
        Assert.Equal("AI intents to review: 2", first.GetProperty("title").GetString());
        Assert.Equal(PendingIntents.ConsoleOn(_serve.ApiPort), first.GetProperty("console").GetString());
        var row = first.GetProperty("rows")[0];
        Assert.Equal((crate, $"#{crate} ai:claude · structural", "put a crate by the door", $"http://127.0.0.1:{_serve.ApiPort}/console/intents/{crate}"),
            (row.GetProperty("id").GetUInt64(), row.GetProperty("heading").GetString(), row.GetProperty("rationale").GetString(), row.GetProperty("page").GetString()));
        Assert.Equal($"http://127.0.0.1:{_serve.ApiPort}/console/intents/{crate}", Event(events, "review").GetProperty("url").GetString());
        var last = shown[^1];
        Assert.Equal(new[] { crate }, last.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("id").GetUInt64()));
        // Reviewing decided nothing: the crate still waits for a human.
        Assert.Contains(crate, (await _serve.StatusAsync()).GetProperty("sync").GetProperty("pending").EnumerateArray().Select(p => p.GetUInt64()));
    }

    private async Task<ulong> SubmitAiAsync(string uuid, string name, string rationale)
    {
        var answer = await _serve.SubmitAsync("{\"operations\": [{\"op\": \"create_object\", \"uuid\": \"" + uuid + "\", \"name\": \"" + name + "\", \"kind\": \"empty\", " +
            "\"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}], \"rationale\": \"" + rationale + "\"}", "ai:claude");
        Assert.True(answer.GetProperty("phase").GetString() == "PENDING", answer.ToString());
        return answer.GetProperty("intent").GetUInt64();
    }

    [Fact]
    public async Task a_domain_reload_re_handshakes_with_the_next_generation_within_a_second()
    {
        // The edit comes 2.7 s after the reload, once the new session is live even on a loaded machine (at
        // 1.2 s after it, CI saw it made while the new session was still attaching: adopted, not counted).
        var events = await SimAsync(4.0, """[{"at": 0.3, "fault": "domain_reload"}, {"at": 3.0, "object": "Rig", "active": false}]""");
        var reloaded = Event(events, "reloaded");
        Assert.Equal(2, reloaded.GetProperty("generation").GetInt64());
        Assert.True(reloaded.GetProperty("connected").GetBoolean());
        Assert.InRange(reloaded.GetProperty("ms").GetInt64(), 0, 1000);
        Assert.Contains(_serve.Log, l => l.Contains("\"session_start\"") && l.Contains("generation 2"));
        Assert.Equal(1, (await _serve.StatusAsync()).GetProperty("link").GetProperty("edits_accepted").GetInt64()); // the edit after the reload arrived
        Assert.Empty(ServeProcess.Panicked(await _serve.StatusAsync())); // a reload with a new handshake is not drift
    }

    [Fact]
    public async Task a_request_of_the_session_before_a_domain_reload_is_never_answered_on_the_new_one()
    {
        // The orchestrator asks for the scene while the editor's main thread is busy, then the domain
        // reloads before the request is handled. It belongs to a session that has ended: answered on
        // the new one it answers nothing there, and serve revokes that session (UNEXPECTED_REPLY),
        // as the chaos soak saw (seed 1 at ~40 s, seed 2026 at ~150 s).
        var edits = await Write("""[{"at": 1, "fault": "hang", "seconds": 3}, {"at": 1, "fault": "domain_reload"}, {"at": 5, "object": "Rig", "active": false}]""");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Cli, "sim-unity", "--data", _serve.DataDirectory, "--seconds", "7", "--edits", edits }) info.ArgumentList.Add(a);
        using var sim = Process.Start(info)!;
        var lines = new List<string>();
        sim.OutputDataReceived += (_, e) => { if (e.Data != null) lock (lines) lines.Add(e.Data); };
        sim.BeginOutputReadLine();
        bool Said(string name) { lock (lines) return Events(string.Join('\n', lines)).Any(e => e.GetProperty("event").GetString() == name); }

        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until && !Said("fault")) await Task.Delay(10);
        Assert.True(Said("fault"), "the simulator never hung");
        var read = _serve.GetStringAsync("/v1/state?engine=unity"); // a READ on generation 1 while its main thread hangs
        while (DateTime.UtcNow < until && !Said("reloaded")) await Task.Delay(20);
        Assert.True(Said("reloaded"));
        await Assert.ThrowsAnyAsync<Exception>(() => read); // its session ended unanswered: the orchestrator says so
        await sim.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(_serve.Log, l => l.Contains("UNEXPECTED_REPLY"));
        Assert.Equal(1, _serve.Log.Count(l => l.Contains("\"session_start\"") && l.Contains("generation 2"))); // the new session was never revoked and reopened
        Assert.Equal(1, (await _serve.StatusAsync()).GetProperty("link").GetProperty("edits_accepted").GetInt64()); // the edit after the reload arrived on it
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

    [Fact]
    public async Task a_scene_with_textured_materials_a_camera_and_a_light_attaches_with_its_image_blob_and_human_edits_of_them_arrive()
    {
        var (json, blobs) = LookApplyTests.Scene();
        var file = Path.Combine(_work, "looks.json");
        await File.WriteAllTextAsync(file, json);
        var image = VibeSync.Protocol.Blobs.BlobId.OfBytes(LookApplyTests.Png2x2);
        VibeSync.Protocol.Blobs.BlobFolder.Write(VibeSync.Protocol.Blobs.BlobFolder.DirectoryOf(file), new[] { image }, blobs);
        var edits = await Write("""[{"at": 1.0, "material": "Brick", "floats": {"_Glossiness": 0.75}}, {"at": 1.2, "object": "Main Camera", "camera": {"fieldOfView": 50}}, {"at": 1.4, "object": "Spot", "light": {"intensity": 20}}]""");
        var (code, output) = await RunAsync("sim-unity", "--data", _serve.DataDirectory, "--scene", file, "--seconds", "3", "--edits", edits, "--write", Path.Combine(_work, "looks-out.json"));
        var events = Events(output);
        Assert.True(events.Count > 0, $"exit {code}: {output}");
        var attached = Event(events, "attached");
        Assert.True(attached.GetProperty("connected").GetBoolean(), output);
        var (_, hash) = await RunAsync("hash", "--space", "unity", file);
        Assert.Equal(JsonDocument.Parse(hash).RootElement.GetProperty("root").GetString(), attached.GetProperty("root").GetString());
        var logged = await SceneLoggedAsync();
        Assert.Contains("root " + attached.GetProperty("root").GetString(), logged.GetProperty("message").GetString()); // the orchestrator hashed the same materials, image, camera and light
        Assert.Equal(JsonValueKind.Null, logged.GetProperty("code").ValueKind);
        Assert.True(VibeSync.Blobs.BlobStore.Open(Path.Combine(_serve.DataDirectory, "blobs")).Has(image), "the image's bytes crossed the link (BLOB_WANT answered from the core's textures)");
        Assert.Equal(3, (await _serve.StatusAsync()).GetProperty("link").GetProperty("edits_accepted").GetInt64()); // set_material_params, set_camera, set_light
        var (_, written) = await RunAsync("hash", "--space", "unity", Path.Combine(_work, "looks-out.json"));
        Assert.Equal(JsonDocument.Parse(written).RootElement.GetProperty("root").GetString(), Event(events, "stopped").GetProperty("root").GetString());
        var after = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_work, "looks-out.json"))).RootElement;
        Assert.Equal(0.25, after.GetProperty("materials")[0].GetProperty("roughness").GetDouble(), 6);
        Assert.Equal(0.25, after.GetProperty("materials")[0].GetProperty("textures").GetProperty("base_color").GetProperty("rotation").GetDouble(), 6); // kept by the adapter
    }

    [Fact]
    public async Task a_tga_a_human_binds_in_the_simulator_is_listed_not_synced_to_serve_and_the_rest_of_the_scene_syncs()
    {
        var (json, blobs) = LookApplyTests.Scene();
        var file = Path.Combine(_work, "looks.json");
        await File.WriteAllTextAsync(file, json);
        VibeSync.Protocol.Blobs.BlobFolder.Write(VibeSync.Protocol.Blobs.BlobFolder.DirectoryOf(file), new[] { VibeSync.Protocol.Blobs.BlobId.OfBytes(LookApplyTests.Png2x2) }, blobs);
        var tga = Path.Combine(_work, "rock.tga");
        await File.WriteAllBytesAsync(tga, new byte[] { 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 32, 8, 1, 2, 3, 4 });
        var edits = await Write($$$"""
            [{"at": 1.0, "import": {{{JsonSerializer.Serialize(tga)}}}}, {"at": 1.2, "material": "Brick", "textures": {"_EmissionMap": "rock.tga"}},
             {"at": 1.4, "object": "Cube", "localPosition": [4, 0.5, 2]}]
            """);
        var (code, output) = await RunAsync("sim-unity", "--data", _serve.DataDirectory, "--scene", file, "--seconds", "3", "--edits", edits);
        var events = Events(output);
        Assert.True(events.Any(e => e.GetProperty("event").GetString() == "stopped"), $"exit {code}: {output}");
        var lists = events.Where(e => e.GetProperty("event").GetString() == "not_synced").ToList();
        Assert.Contains("rotation", lists[0].GetProperty("lines")[0].GetString()); // from the attach: the scene's texture rotation
        Assert.Contains(lists.Last().GetProperty("lines").EnumerateArray(), l => l.GetString()!.StartsWith("not synced: Brick (MATERIAL, READ_FAILED): IMAGE_FORMAT"));
        // serve took the NOT_SYNCED frame (its status lists it while the engine is attached; the simulator has stopped by now, so its log says).
        var logged = _serve.Log.Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("event", out var name) && name.GetString() == "not_synced").Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Contains(logged, m => m!.Contains("Brick (READ_FAILED)"));
        var link = (await _serve.StatusAsync()).GetProperty("link");
        Assert.Equal(0, link.GetProperty("violations").GetInt64());
        Assert.Equal(1, link.GetProperty("edits_accepted").GetInt64()); // the cube's move; the .tga binding is no edit
    }

    /// <summary>The server's "scene" log line; it logs asynchronously, so wait for it.</summary>
    private Task<JsonElement> SceneLoggedAsync() => LoggedAsync("scene");

    /// <summary>The server's first log line of this event.</summary>
    private async Task<JsonElement> LoggedAsync(string @event)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var line = _serve.Log.Select(l => JsonDocument.Parse(l).RootElement).FirstOrDefault(e => e.GetProperty("event").GetString() == @event);
            if (line.ValueKind != JsonValueKind.Undefined) return line;
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException($"no {@event} log line:\n" + string.Join("\n", _serve.Log));
            await Task.Delay(50);
        }
    }

    private async Task<string> Write(string text)
    {
        var f = Path.Combine(_work, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(f, text);
        return f;
    }

    // ---- project identity (docs/protocol.md, "Project identity") ---------------------------------------

    private string ProjectId => JsonDocument.Parse(File.ReadAllText(Path.Combine(_serve.DataDirectory, "project.json"))).RootElement.GetProperty("project_id").GetString()!;

    private static List<JsonElement> Events(string output) =>
        output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static Hierarchy.ProjectStamp? StampOf(string file) => SceneFile.Split(File.ReadAllText(file)).Stamp;


    private async Task<string> SceneWithStampAsync(Hierarchy.ProjectStamp? stamp) => await Write(SceneFile.Write(SimHost.DefaultScene, stamp));

    [Fact]
    public async Task an_unstamped_scene_is_stamped_with_the_project_on_welcome_and_a_save_writes_the_stamp()
    {
        var scene = await SceneWithStampAsync(null);
        var saved = Path.Combine(_work, "saved.json");
        var (_, output) = await RunAsync("sim-unity", "--data", _serve.DataDirectory, "--scene", scene, "--seconds", "2",
            "--edits", await Write($$"""[{"at": 1, "save": {{JsonSerializer.Serialize(saved)}}}]"""), "--write", Path.Combine(_work, "out.json"));
        Assert.True(Event(Events(output), "attached").GetProperty("connected").GetBoolean(), output);
        Assert.Equal(new Hierarchy.ProjectStamp(ProjectId, VibeSync.Protocol.Link.ContentSchema.Current), StampOf(saved));
        Assert.Equal(new Hierarchy.ProjectStamp(ProjectId, VibeSync.Protocol.Link.ContentSchema.Current), StampOf(Path.Combine(_work, "out.json")));
        Assert.Null(StampOf(scene)); // the simulator writes only where it is told to, as Unity writes a scene only when saved
        Assert.Equal(0, (await _serve.StatusAsync()).GetProperty("link").GetProperty("edits_accepted").GetInt64()); // stamping is not an edit
        var (_, hashed) = await RunAsync("hash", "--space", "unity", saved);
        Assert.Equal(Event(Events(output), "attached").GetProperty("root").GetString(), JsonDocument.Parse(hashed).RootElement.GetProperty("root").GetString()); // the records are untouched
    }

    [Fact]
    public async Task a_stamped_scene_says_its_project_in_hello_and_is_welcomed()
    {
        var scene = await SceneWithStampAsync(new Hierarchy.ProjectStamp(ProjectId, 1));
        var (_, output) = await RunAsync("sim-unity", "--data", _serve.DataDirectory, "--scene", scene, "--seconds", "1.5", "--write", Path.Combine(_work, "out.json"));
        Assert.True(Event(Events(output), "attached").GetProperty("connected").GetBoolean(), output);
        var start = await LoggedAsync("session_start");
        Assert.Contains("project " + ProjectId, start.GetProperty("message").GetString()); // the orchestrator's record of the HELLO
        Assert.DoesNotContain(Events(output), e => e.GetProperty("event").GetString() == "refused");
        Assert.Equal(new Hierarchy.ProjectStamp(ProjectId, VibeSync.Protocol.Link.ContentSchema.Current), StampOf(Path.Combine(_work, "out.json")));
    }

    [Fact]
    public async Task a_scene_of_another_project_is_refused_said_once_left_unchanged_and_let_in_by_pair_replace()
    {
        var other = Guid.NewGuid().ToString();
        var scene = await SceneWithStampAsync(new Hierarchy.ProjectStamp(other, 1));
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Cli, "sim-unity", "--data", _serve.DataDirectory, "--scene", scene, "--seconds", "14", "--write", Path.Combine(_work, "out.json") }) info.ArgumentList.Add(a);
        using var sim = Process.Start(info)!;
        var lines = new List<string>();
        sim.OutputDataReceived += (_, e) => { if (e.Data != null) lock (lines) lines.Add(e.Data); };
        sim.BeginOutputReadLine();
        List<JsonElement> Now() { lock (lines) return Events(string.Join('\n', lines)); }

        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until && !Now().Any(e => e.GetProperty("event").GetString() == "refused")) await Task.Delay(50);
        var refused = Now().First(e => e.GetProperty("event").GetString() == "refused");
        Assert.Equal("PROJECT_MISMATCH", refused.GetProperty("code").GetString());
        Assert.Contains(other, refused.GetProperty("message").GetString());
        Assert.Contains("vibesync pair --engine unity --replace", refused.GetProperty("message").GetString());
        await Task.Delay(3000); // it keeps trying, with its backoff, and says it once
        Assert.Single(Now(), e => e.GetProperty("event").GetString() == "refused");
        Assert.True(_serve.CountLogged("refused", "PROJECT_MISMATCH") >= 3, string.Join('\n', _serve.Log)); // a line a second, the rest counted in summaries
        Assert.False(ServeProcess.EngineIn(await _serve.StatusAsync(), "unity").GetProperty("connected").GetBoolean());

        var (code, paired) = await RunAsync("pair", "--engine", "unity", "--replace", "--data", _serve.DataDirectory);
        Assert.True(code == 0, paired);
        until = DateTime.UtcNow.AddSeconds(10); // the backoff is at most 5 s
        while (DateTime.UtcNow < until && !ServeProcess.EngineIn(await _serve.StatusAsync(), "unity").GetProperty("connected").GetBoolean()) await Task.Delay(100);
        Assert.True(ServeProcess.EngineIn(await _serve.StatusAsync(), "unity").GetProperty("connected").GetBoolean(), "pair --replace let the scene in");
        await sim.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(new Hierarchy.ProjectStamp(ProjectId, VibeSync.Protocol.Link.ContentSchema.Current), StampOf(Path.Combine(_work, "out.json"))); // welcomed: now stamped with this project
        Assert.Equal(new Hierarchy.ProjectStamp(other, 1), StampOf(scene));
    }

    [Fact]
    public async Task a_refused_simulator_changes_nothing_in_its_scene()
    {
        var other = new Hierarchy.ProjectStamp(Guid.NewGuid().ToString(), 1);
        var scene = await SceneWithStampAsync(other);
        var (_, output) = await RunAsync("sim-unity", "--data", _serve.DataDirectory, "--scene", scene, "--seconds", "1.5", "--write", Path.Combine(_work, "out.json"));
        var events = Events(output);
        Assert.False(Event(events, "attached").GetProperty("connected").GetBoolean());
        Assert.Equal("PROJECT_MISMATCH", Event(events, "refused").GetProperty("code").GetString());
        Assert.Equal(other, StampOf(Path.Combine(_work, "out.json")));
        var (_, before) = await RunAsync("hash", "--space", "unity", scene);
        var (_, after) = await RunAsync("hash", "--space", "unity", Path.Combine(_work, "out.json"));
        Assert.Equal(JsonDocument.Parse(before).RootElement.GetProperty("root").GetString(), JsonDocument.Parse(after).RootElement.GetProperty("root").GetString()); // the same records
    }

    [Fact]
    public async Task a_scene_of_a_newer_schema_is_refused_with_schema_mismatch()
    {
        var scene = await SceneWithStampAsync(new Hierarchy.ProjectStamp(ProjectId, VibeSync.Protocol.Link.ContentSchema.Current + 1));
        var (_, output) = await RunAsync("sim-unity", "--data", _serve.DataDirectory, "--scene", scene, "--seconds", "1");
        Assert.Equal("SCHEMA_MISMATCH", Event(Events(output), "refused").GetProperty("code").GetString());
    }
}
