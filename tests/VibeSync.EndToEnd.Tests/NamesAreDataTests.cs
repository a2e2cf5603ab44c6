using System.Diagnostics;
using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #16 item 7 with real Blender: a name is data. A rename to a name full of what the link's
/// blocked patterns look for is admitted, lands in Blender and in Unity, and every report Blender
/// sends back afterwards — the verification read, its human's edits of that object — is taken; the
/// engine that stores a value the orchestrator admitted is never revoked for it.
/// </summary>
public sealed class NamesAreDataTests : EndToEndTest
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f"; // samples/cube-and-camera.blender.json

    [Fact]
    public async Task a_rename_to_a_name_full_of_blocked_patterns_lands_in_both_engines_and_never_locks_blender_out()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "100");
        var info = new ProcessStartInfo("blender") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-b", blend, "--python", Path.Combine(Parts.Repo, "adapters", "blender", "headless.py"), "--", "--data", serve.DataDirectory, "--seconds", "150", "--steps-from-stdin" })
            info.ArgumentList.Add(a);
        using var blender = Process.Start(info)!;
        var blenderOutput = Parts.OutputOf(blender, TimeSpan.FromSeconds(180));
        using var sim = Parts.Sim(serve.DataDirectory, unityScene, 150, await WriteAsync("none.json", "[]"), Path.Combine(Work, "unity-after.json"));
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(180));
        try
        {
            await UntilAsync(serve, s => Phase(s, "blender") == "live" && Phase(s, "unity") == "live", "both engines live", 90_000);
            foreach (var name in new[] { "Rock__01__LOD", "os.system(x)__import__" })
            {
                using var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli&wait=settled",
                    $$"""{"operations": [{"op": "rename", "uuid": "{{Cube}}", "name": {{JsonSerializer.Serialize(name)}}}], "rationale": "names are data"}""");
                var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
                Assert.True(answer.GetProperty("phase").GetString() == "FINAL", $"{name}: {answer}\n{string.Join('\n', serve.Log.TakeLast(20))}");
                foreach (var engine in new[] { "reality", "blender", "unity" })
                    Assert.Equal(name, NameOf(await serve.GetStringAsync($"/v1/state?engine={engine}&space=canonical"), Cube));
            }
            // Blender's human moves the renamed object: its report (an EDIT, then its read-back) carries the name.
            blender.StandardInput.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["object"] = "os.system(x)__import__", ["location"] = new[] { 4.0, 2.0, 0.5 } }));
            blender.StandardInput.Flush();
            await UntilAsync(serve, _ => Finals(serve).Any(), "Blender's edit of the renamed object FINAL");
            var status = await UntilAsync(serve, s => Phase(s, "blender") == "live" && Phase(s, "unity") == "live", "both live after the edit");
            Assert.Empty(ServeProcess.Panicked(status));
            Assert.Equal(0, status.GetProperty("link").GetProperty("violations").GetInt64());
            Assert.DoesNotContain(serve.Log, l => l.Contains("BLOCKED_PATTERN"));
            Assert.True(ServeProcess.EngineIn(status, "blender").GetProperty("connected").GetBoolean());
            // And all three agree, by hash from outside.
            string reality = status.GetProperty("sync").GetProperty("reality_root").GetString()!;
            Assert.Equal(reality, await Parts.HashAsync("blender", await WriteAsync("blender-now.json", await serve.GetStringAsync("/v1/state?engine=blender"))));
            Assert.Equal(reality, await Parts.HashAsync("unity", await WriteAsync("unity-now.json", await serve.GetStringAsync("/v1/state?engine=unity"))));
        }
        finally
        {
            blender.Kill(entireProcessTree: true);
            sim.Kill(entireProcessTree: true);
            await blenderOutput;
            await simOutput;
        }
    }

    private static string Phase(JsonElement status, string engine) => SyncOf(status, engine).GetProperty("phase").GetString()!;

    private static string NameOf(string sceneJson, string uuid) =>
        JsonDocument.Parse(sceneJson).RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("uuid").GetString() == uuid).GetProperty("name").GetString()!;

    /// <summary>FINAL intents of Blender's human, from the journal.</summary>
    private static IEnumerable<JsonElement> Finals(ServeProcess serve) =>
        JsonDocument.Parse(serve.GetStringAsync("/v1/wal?since=0&limit=1000").GetAwaiter().GetResult()).RootElement.EnumerateArray()
            .Where(e => e.GetProperty("phase").GetString() == "FINAL" && e.GetProperty("actor").GetString() == "human:blender").Select(e => e.Clone()).ToList();
}
