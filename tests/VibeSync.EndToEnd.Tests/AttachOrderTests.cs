using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #15 §1: whatever order the editors arrive in — one before the other, both at once, empty
/// or not — Reality is seeded once and every engine shown live holds exactly Reality, checked
/// from outside (<c>state</c> of each engine hashed by the CLI, against Reality's root).
/// </summary>
public sealed class AttachOrderTests : EndToEndTest
{
    private const string EmptyUnity = """{"objects": [], "materials": [], "meshes": []}""";

    private static string Phase(JsonElement status, string engine) => SyncOf(status, engine).GetProperty("phase").GetString()!;

    private async Task<string> EmptyBlendAsync()
    {
        var blend = Path.Combine(Work, "empty.blend");
        var script = await WriteAsync("empty.py", "import bpy, sys\nfor o in list(bpy.data.objects): bpy.data.objects.remove(o)\nbpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])\n");
        var (code, output) = await Parts.RunAsync("blender", TimeSpan.FromSeconds(120), "-b", "--factory-startup", "--python-exit-code", "1", "--python", script, "--", blend);
        Assert.True(code == 0 && File.Exists(blend), output);
        return blend;
    }

    /// <summary>Seed entries the pipeline journaled (its log line of each).</summary>
    private static int Seeds(ServeProcess serve) =>
        serve.Log.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"Reality seeded from (blender|unity)(\\u0027|')s scene"));

    private static int ObjectsIn(JsonElement status) => status.GetProperty("sync").GetProperty("objects").GetInt32();

    [Fact]
    public async Task an_empty_unity_then_a_full_blender_end_with_both_live_on_one_reality()
    {
        // The issue's reproduction: the simulator on an empty scene, Blender on a full .blend a second later.
        var blend = await Parts.SampleBlendAsync(Work);
        var empty = await WriteAsync("empty.unity.json", EmptyUnity);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var sim = Driven.Sim(serve.DataDirectory, empty);
        await UntilAsync(serve, s => Phase(s, "unity") == "live", "Unity live (its empty scene seeds Reality)", 60_000);
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await AssertParityAsync(serve, "blender", "unity");
        var status = await serve.StatusAsync();
        Assert.True(ObjectsIn(status) > 0, "Blender's objects were adopted into Reality");
        Assert.Equal(1, Seeds(serve)); // seeded once, by the first
    }

    [Fact]
    public async Task a_full_blender_then_an_empty_unity_end_with_both_live_on_one_reality()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var empty = await WriteAsync("empty.unity.json", EmptyUnity);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await UntilAsync(serve, s => Phase(s, "blender") == "live", "Blender live (it seeds Reality)", 60_000);
        await using var sim = Driven.Sim(serve.DataDirectory, empty);
        await AssertParityAsync(serve, "blender", "unity");
        Assert.True(ObjectsIn(await serve.StatusAsync()) > 0);
    }

    [Fact]
    public async Task an_empty_blender_then_a_full_unity_end_with_both_live_on_one_reality()
    {
        var blend = await EmptyBlendAsync();
        var unity = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await UntilAsync(serve, s => Phase(s, "blender") == "live", "Blender live (its empty scene seeds Reality)", 60_000);
        await using var sim = Driven.Sim(serve.DataDirectory, unity);
        await AssertParityAsync(serve, "blender", "unity");
        Assert.True(ObjectsIn(await serve.StatusAsync()) > 0, "Unity's objects were adopted into Reality");
    }

    [Fact]
    public async Task both_started_at_once_on_different_scenes_seed_once_and_end_live_on_one_reality()
    {
        var (blend, _) = await Parts.RandomScenesAsync(Work, seed: 15, objects: 40);
        var unity = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var sim = Driven.Sim(serve.DataDirectory, unity);
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await AssertParityAsync(serve, "blender", "unity");
        Assert.Equal(1, Seeds(serve));
        Assert.True(ObjectsIn(await serve.StatusAsync()) >= 40, "both scenes' objects are in Reality");
    }

    [Fact]
    public async Task both_empty_seed_once_and_a_later_edit_reaches_the_other()
    {
        var blend = await EmptyBlendAsync();
        var empty = await WriteAsync("empty.unity.json", EmptyUnity);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await using var sim = Driven.Sim(serve.DataDirectory, empty);
        await AssertParityAsync(serve, "blender", "unity");
        Assert.Equal(0, ObjectsIn(await serve.StatusAsync()));
        Assert.Equal(1, Seeds(serve));
    }

    [Fact]
    public async Task a_blender_edit_while_unity_compiles_stands_and_unity_is_resynced_once_it_is_ready()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unity = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await using var sim = Driven.Sim(serve.DataDirectory, unity);
        await AssertParityAsync(serve, "blender", "unity");
        await sim.StepAsync("""{"fault": "compiling", "seconds": 10}""");
        await Task.Delay(300);
        await blender.StepAsync("""{"object": "Cube", "location": [4.0, 4.0, 0.5]}""");
        await UntilAsync(serve, s => Phase(s, "unity") != "live", "Unity out of live: it could not take the edit", 30_000);
        Assert.Equal("live", Phase(await serve.StatusAsync(), "blender")); // the human's editor holds Reality
        await AssertParityAsync(serve, "blender", "unity"); // retried until it is ready, then resynced
        using var reality = JsonDocument.Parse(await serve.GetStringAsync("/v1/state?engine=reality"));
        var cube = reality.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Cube");
        Assert.Equal(4.0, cube.GetProperty("translation")[0].GetDouble(), 4); // the edit stood: Blender x is canonical x
    }

    [Fact]
    public async Task twenty_random_interleavings_of_attach_detach_and_edit_end_with_reality_equal_to_both_engines()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var full = Parts.SampleUnityScene(Work);
        var empty = await WriteAsync("empty.unity.json", EmptyUnity);
        for (int seed = 1; seed <= 20; seed++)
        {
            var r = new Random(seed);
            var trace = new List<string>();
            await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
            var unityScene = r.Next(2) == 0 ? empty : full;
            Driven? blender = null, sim = null;
            try
            {
                for (int step = 0; step < 6; step++)
                {
                    var status = await serve.StatusAsync();
                    switch (r.Next(5))
                    {
                        case 0 when blender == null: blender = Driven.Blender(blend, serve.DataDirectory); trace.Add("attach blender"); break;
                        case 0: await blender.DisposeAsync(); blender = null; trace.Add("kill blender"); break;
                        case 1 when sim == null: sim = Driven.Sim(serve.DataDirectory, unityScene); trace.Add("attach unity"); break;
                        case 1: await sim.DisposeAsync(); sim = null; trace.Add("kill unity"); break;
                        case 2 when blender != null && Phase(status, "blender") == "live":
                            await blender.StepAsync($$"""{"object": "Cube", "location": [{{r.Next(-5, 5)}}, {{r.Next(-5, 5)}}, 0.5]}"""); trace.Add("edit in blender"); break;
                        case 3 when sim != null && Phase(status, "unity") == "live" && ObjectsIn(status) > 0:
                            await sim.StepAsync($$"""{"object": "Cube", "localPosition": [{{r.Next(-5, 5)}}, 0.5, {{r.Next(-5, 5)}}]}"""); trace.Add("edit in unity"); break;
                        default: trace.Add("wait"); break;
                    }
                    await Task.Delay(r.Next(100, 1500));
                }
                blender ??= Driven.Blender(blend, serve.DataDirectory);
                sim ??= Driven.Sim(serve.DataDirectory, unityScene);
                try { await AssertParityAsync(serve, "blender", "unity"); }
                catch (Exception e) when (e is Xunit.Sdk.XunitException)
                {
                    throw new Xunit.Sdk.XunitException($"interleaving {seed} ({string.Join(", ", trace)}): {e.Message}");
                }
                Assert.True(Seeds(serve) == 1, $"interleaving {seed} seeded more than once: {string.Join(", ", trace)}");
            }
            finally
            {
                if (blender != null) await blender.DisposeAsync();
                if (sim != null) await sim.DisposeAsync();
            }
        }
    }
}
