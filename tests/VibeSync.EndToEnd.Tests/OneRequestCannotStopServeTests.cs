using System.Text;
using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Nothing a client sends can stop the orchestrator (issue #16 §5, §6), tried against a real serve
/// with the simulator attached: each trigger that once stopped the pipeline until a restart (every
/// later intent failed, Unity edits dropped) is refused naming the limit or the field, and the next
/// ordinary intent still goes FINAL in Unity. The AI's requests go where <c>vibesync mcp</c> sends
/// them (the control API as <c>ai:NAME</c>); the MCP server itself is not in the loop here.
/// </summary>
public sealed class OneRequestCannotStopServeTests : EndToEndTest
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";

    private async Task<(ServeProcess Serve, Driven Sim)> ServeWithSimAsync(params string[] serveArgs)
    {
        var serve = await ServeProcess.StartInAsync(Path.Combine(Work, "data"), serveArgs);
        var sim = Driven.Sim(serve.DataDirectory, Parts.SampleUnityScene(Work));
        await UntilAsync(serve, s => SyncOf(s, "unity").GetProperty("phase").GetString() == "live", "the simulator live");
        return (serve, sim);
    }

    /// <summary>An ordinary human intent goes FINAL and the simulator holds it: the pipeline is alive.</summary>
    private static async Task TheNextIntentLandsInUnityAsync(ServeProcess serve, double x)
    {
        using var reply = await serve.PostJsonAsync("/v1/intents?wait=settled",
            $$"""{"operations": [{"op": "set_transform", "uuid": "{{Cube}}", "translation": [{{x}}, 0, 0]}]}""");
        var answer = await reply.Content.ReadAsStringAsync();
        Assert.True(JsonDocument.Parse(answer).RootElement.GetProperty("phase").GetString() == "FINAL", answer + "\n" + string.Join('\n', serve.Log.TakeLast(10)));
        string state;
        try { state = await serve.GetStringAsync("/v1/state?engine=unity&space=canonical"); }
        catch (HttpRequestException e) { throw new Xunit.Sdk.XunitException(e.Message + "\n" + string.Join('\n', serve.Log.Where(l => !l.Contains("heartbeat")).TakeLast(25))); }
        var unity = JsonDocument.Parse(state).RootElement;
        var cube = unity.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("uuid").GetString() == Cube);
        Assert.Equal(x, cube.GetProperty("translation")[0].GetDouble(), 4);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public async Task an_ai_intent_with_a_5_mib_rationale_is_refused_as_resource_limit_even_in_supervised_trust()
    {
        var (serve, sim) = await ServeWithSimAsync("--trust", "supervised");
        await using (serve)
        await using (sim)
        {
            string Hide(int chars) => $$"""{"operations": [{"op": "set_visibility", "uuid": "{{Cube}}", "visible": false}], "rationale": "{{new string('w', chars)}}"}""";
            // 5 MiB: the whole intent is over the byte limit, refused before it is even parsed.
            using (var reply = await serve.PostJsonAsync("/v1/intents?actor=ai:claude&wait=settled", Hide(5 << 20)))
            {
                var answer = Json(await reply.Content.ReadAsStringAsync());
                Assert.Equal("RESOURCE_LIMIT", answer.GetProperty("code").GetString());
                Assert.Contains("limits.max_intent_bytes", answer.GetProperty("message").GetString());
            }
            // Within the bytes, over the rationale's own limit: refused and journaled, where supervised trust would have journaled it PENDING.
            using (var reply = await serve.PostJsonAsync("/v1/intents?actor=ai:claude&wait=settled", Hide(5_000)))
            {
                var answer = Json(await reply.Content.ReadAsStringAsync());
                Assert.Equal("REFUSED", answer.GetProperty("phase").GetString());
                Assert.Equal("RESOURCE_LIMIT", answer.GetProperty("code").GetString());
                Assert.Contains("limits.max_rationale_chars", answer.GetProperty("reason").GetString());
            }
            Assert.Empty((await serve.StatusAsync()).GetProperty("sync").GetProperty("pending").EnumerateArray());
            await TheNextIntentLandsInUnityAsync(serve, 2);
        }
    }

    [Fact]
    public async Task a_mesh_of_ten_million_indices_from_an_ai_is_refused_before_it_is_parsed()
    {
        var (serve, sim) = await ServeWithSimAsync();
        await using (serve)
        await using (sim)
        {
            var json = new StringBuilder("{\"operations\": [{\"op\": \"create_mesh\", \"uuid\": \"0b1e0000-0000-4000-8000-00000000000b\", ")
                .Append("\"positions\": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], \"triangles\": [");
            for (int i = 0; i < 10_000_000 / 3; i++) json.Append(i == 0 ? "[0,1,2]" : ",[0,1,2]");
            json.Append("]}], \"rationale\": \"a dense scan\"}");
            using var reply = await serve.PostJsonAsync("/v1/intents?actor=ai:claude&wait=settled", json.ToString());
            var answer = Json(await reply.Content.ReadAsStringAsync());
            Assert.Equal("RESOURCE_LIMIT", answer.GetProperty("code").GetString());
            Assert.Contains("limits.max_intent_bytes", answer.GetProperty("message").GetString());
            await TheNextIntentLandsInUnityAsync(serve, 3);
        }
    }

    [Fact]
    public async Task sixty_thousand_operations_in_one_cli_intent_are_refused_naming_the_limit()
    {
        var (serve, sim) = await ServeWithSimAsync();
        await using (serve)
        await using (sim)
        {
            async Task<string> SubmitAsync(int operations)
            {
                var ops = Enumerable.Range(0, operations).Select(i => $"{{\"op\": \"set_visibility\", \"uuid\": \"{Cube}\", \"visible\": {(i % 2 == 0 ? "true" : "false")}}}");
                var file = await WriteAsync($"ops-{operations}.json", "{\"operations\": [" + string.Join(", ", ops) + "]}");
                var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(2), Parts.Cli, "submit", "--data", serve.DataDirectory, "--wait", file);
                Assert.True(code == 1, output);
                return output;
            }
            // 60,000 operations are 4.5 MB of JSON: over the bytes an intent may take, refused before parsing.
            var sixty = await SubmitAsync(60_000);
            Assert.Contains("error: RESOURCE_LIMIT", sixty);
            Assert.Contains("limits.max_intent_bytes", sixty);
            // 12,000 fit in the bytes and are over the operations an intent may carry: refused and journaled.
            var twelve = Json(await SubmitAsync(12_000));
            Assert.Equal("REFUSED", twelve.GetProperty("phase").GetString());
            Assert.Equal("RESOURCE_LIMIT", twelve.GetProperty("code").GetString());
            Assert.Contains("limits.max_intent_operations", twelve.GetProperty("reason").GetString());
            await TheNextIntentLandsInUnityAsync(serve, 4);
        }
    }

    [Fact]
    public async Task a_uv_of_1e13_is_refused_at_its_path_and_the_simulator_keeps_running()
    {
        var (serve, sim) = await ServeWithSimAsync();
        await using (serve)
        await using (sim)
        {
            var file = await WriteAsync("uv.json", """
                {"operations": [{"op": "create_mesh", "uuid": "0b1e0000-0000-4000-8000-0000000000c1", "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]],
                  "triangles": [[0, 1, 2]], "uv0": [[1e13, 0], [0, 0], [0, 1]]}]}
                """);
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "submit", "--data", serve.DataDirectory, "--wait", file);
            Assert.True(code == 1, output);
            Assert.Contains("NON_FINITE at operations[0].uv0[0]", output);
            await Task.Delay(500);
            if (!sim.Running) Assert.Fail("the simulator stopped:\n" + await sim.KillAsync());
            var status = await serve.StatusAsync();
            Assert.True(SyncOf(status, "unity").GetProperty("phase").GetString() == "live", status + "\n" + string.Join('\n', serve.Log.TakeLast(15)));
            await TheNextIntentLandsInUnityAsync(serve, 5);
        }
    }

    [Fact]
    public async Task an_honest_250k_vertex_mesh_edit_from_blender_crosses_as_blobs_and_the_next_edit_lands_in_unity()
    {
        // A scan: 250,000 loose vertices. In content schema 1 this was one 5.5 MB operation that no WAL
        // record could hold (refused RESOURCE_LIMIT, issue #16); as blobs (issue #17) the journal entry
        // names a 3 MB POSITION blob by its id and the edit lands like any other.
        var blend = await Parts.SampleBlendAsync(Work, """
            scan = bpy.data.meshes.new("ScanMesh")
            scan.from_pydata([(float(i % 500), float(i // 500), 0.0) for i in range(250000)], [], [])
            scan.update()
            bpy.context.scene.collection.objects.link(bpy.data.objects.new("Scan", scan))

            """.Replace("            ", ""));
        await using var serve = await ServeProcess.StartInAsync(Path.Combine(Work, "data"));
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        // Blender first: it seeds Reality (a checkpoint, not a journal entry), and the simulator pairs with it.
        await UntilAsync(serve, s => SyncOf(s, "blender").GetProperty("phase").GetString() == "live", "Blender live", 180_000);
        await using var sim = Driven.Sim(serve.DataDirectory, Parts.SampleUnityScene(Work));
        await UntilAsync(serve, s => SyncOf(s, "unity").GetProperty("phase").GetString() == "live", "the simulator live", 120_000);

        string PositionOf(JsonElement state)
        {
            var mesh = state.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Scan").GetProperty("mesh").GetString();
            var record = state.GetProperty("meshes").EnumerateArray().Single(m => m.GetProperty("uuid").GetString() == mesh);
            Assert.Equal(250_000, record.GetProperty("vertex_count").GetInt32());
            return record.GetProperty("attributes").GetProperty("POSITION").GetString()!;
        }
        string before = PositionOf(Json(await serve.GetStringAsync("/v1/state?engine=reality")));
        await blender.StepAsync("""{"mesh": "ScanMesh", "offset": [0, 0, 1]}""");
        for (int i = 0; ; i++)
        {
            string reality = PositionOf(Json(await serve.GetStringAsync("/v1/state?engine=reality")));
            if (reality != before && PositionOf(Json(await serve.GetStringAsync("/v1/state?engine=unity&space=canonical"))) == reality) break;
            Assert.True(i < 600, "Blender's 250k-vertex edit did not reach Reality and Unity:\n" + string.Join('\n', serve.Log.Where(l => !l.Contains("heartbeat")).TakeLast(20)));
            await Task.Delay(100);
        }

        // Blender's next edit, an ordinary one, still lands in Unity.
        await blender.StepAsync("""{"object": "Cube", "location": [3, 0, 0]}""");
        for (int i = 0; ; i++)
        {
            var unity = Json(await serve.GetStringAsync("/v1/state?engine=unity&space=canonical"));
            var cube = unity.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("uuid").GetString() == Cube);
            if (Math.Abs(cube.GetProperty("translation")[0].GetDouble() - 3) < 1e-4) break;
            Assert.True(i < 300, "Blender's next edit did not reach Unity:\n" + string.Join('\n', serve.Log.Where(l => !l.Contains("heartbeat")).TakeLast(20)));
            await Task.Delay(100);
        }
        Assert.True(blender.Running && sim.Running);
    }

    [Fact]
    public async Task unlock_emergency_prints_what_it_lifted_and_succeeds()
    {
        await using var serve = await ServeProcess.StartInAsync(Path.Combine(Work, "data"));
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "unlock", "--emergency", "--data", serve.DataDirectory);
        Assert.True(code == 0, output);
        Assert.Equal(JsonValueKind.Array, Json(output).ValueKind); // the PANICs lifted (none)
        var journal = Json(await serve.GetStringAsync("/v1/wal"));
        Assert.Contains(journal.EnumerateArray(), e => e.GetProperty("actor").GetString()!.StartsWith("emergency:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_restore_reference_holding_a_nul_is_refused_not_cut_and_nothing_is_restored()
    {
        await using var serve = await ServeProcess.StartInAsync(Path.Combine(Work, "data"));
        string[] made = { "0b1e0000-0000-4000-8000-0000000000d1", "0b1e0000-0000-4000-8000-0000000000d2" };
        foreach (var uuid in made)
        {
            using var reply = await serve.PostJsonAsync("/v1/intents?wait=settled", $$"""
                {"operations": [{"op": "create_object", "uuid": "{{uuid}}", "name": "N", "kind": "empty", "parent": null,
                  "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}]}
                """);
            Assert.Contains("\"FINAL\"", await reply.Content.ReadAsStringAsync());
        }
        // Each FINAL batch is a snapshot commit: wait for the second.
        var snapshots = Path.Combine(serve.DataDirectory, "snapshots");
        for (int i = 0; i < 100; i++)
        {
            var (_, log) = await Parts.RunAsync("git", TimeSpan.FromSeconds(10), "-C", snapshots, "log", "--format=%s");
            if (log.Contains($"after FINAL intent 2", StringComparison.Ordinal) || log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2) break;
            await Task.Delay(100);
        }
        // "HEAD~1" alone would be the snapshot before the second object: restoring it deletes that object.
        using var restore = await serve.PostAsync("/v1/restore?ref=HEAD~1%00junk");
        var answer = Json(await restore.Content.ReadAsStringAsync());
        Assert.Equal("NO_SNAPSHOT", answer.GetProperty("code").GetString());
        Assert.Contains("not a commit reference", answer.GetProperty("message").GetString());
        Assert.Contains("\\u0000", answer.GetProperty("message").GetString());
        var reality = Json(await serve.GetStringAsync("/v1/state?engine=reality"));
        Assert.Equal(made, reality.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("uuid").GetString()).Order().ToArray());
    }
}
