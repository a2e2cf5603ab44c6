// Issue #19's edit goals as a case of `bench content`, end to end: the benchmark character of
// samples/rigged_character.py (build_large: 60 bones, ~20,400 vertices skinned, the 250-frame action
// "Dance", a shape key "Flex" no action drives) built in real headless Blender and attached to a serve
// where the Unity simulator is live; then, one at a time and 100 ms apart, a keyframe of "Dance" moved
// (the headless runner's Graph Editor step: the root bone's Z location, a keyed LINEAR channel) and the
// "Flex" slider moved. Each is timed from Blender's own `edit_played` stamp to the simulator's next
// `applied` (--trace-applies): the edit read, sent, decided by serve and applied to Unity's objects.
using VibeSync.Cli.Hosts;
using static VibeSync.Cli.Benchmarks.EndToEndBenchmark;

namespace VibeSync.Cli.Benchmarks;

internal static partial class ContentBenchmark
{
    /// <summary>The rig-edits case: keyframe edit → applied in Unity (goal p99 ≤ 100 ms), shape-key slider → applied (goal p99 ≤ 50 ms).</summary>
    public sealed record RigEditsResult(int Bones, int Vertices, double AttachToLiveSeconds, Latency KeyframeToUnity, Latency SliderToUnity, IReadOnlyList<Goal> Goals);

    /// <summary>rigged_character.py's build_large saved as a .blend (its own __main__ exports a GLB instead).</summary>
    private const string LargeRigScript = """
        import sys, json, bpy
        argv = sys.argv[sys.argv.index("--") + 1:]
        sys.path.insert(0, argv[0])
        import rigged_character
        made = rigged_character.build_large()
        bpy.ops.wm.save_as_mainfile(filepath=argv[1])
        print(json.dumps({"bones": len(made["BigRig"].data.bones), "vertices": len(made["BigBody"].data.vertices)}))
        """;

    /// <summary>Builds the benchmark character, attaches it, then times <paramref name="edits"/> keyframe edits and as many slider moves.</summary>
    public static async Task<RigEditsResult> RigEditsAsync(int edits, Action<string> progress)
    {
        var script = Path.Combine(Path.GetTempPath(), "vibesync-bench-rig-edits-" + Guid.NewGuid().ToString("N") + ".py");
        await File.WriteAllTextAsync(script, LargeRigScript);
        var samples = Path.GetFullPath(Path.Combine(BlenderInstall.AdapterDirectory()!, "..", "..", "samples"));
        try
        {
            // An absolute script path: SampleAsync's Path.Combine keeps it as it is.
            await using var run = await LooksRun.StartAsync("rig-edits", progress, "rigged_character.py's benchmark character (60 bones, ~20,400 vertices, a 250-frame action)",
                blend => SampleAsync(script, null, samples, blend));
            int bones = run.Built.GetProperty("bones").GetInt32(), vertices = run.Built.GetProperty("vertices").GetInt32();
            progress("Blender attaches the character");
            double attachSeconds = Math.Round(await run.AttachBlenderAsync(objects: bones + 2), 3);
            if ((await run.Api.StateAsync("reality")).Animations.Count == 0) throw new InvalidOperationException("the character's actions did not reach Reality");
            await Task.Delay(1000); // idle: the attach's last work settled

            progress($"{edits} keyframe edits of \"Dance\" in Blender → applied in Unity");
            var keyframes = await TimeEditsAsync(run, edits, i => new Dictionary<string, object>
            {
                ["action"] = "Dance", ["data_path"] = "pose.bones[\"Trunk00\"].location", ["index"] = 2, ["keyframe"] = 3,
                ["value"] = 0.001 * (1 + i % 20),
            });
            progress($"{edits} moves of the \"Flex\" slider in Blender → applied in Unity");
            var sliders = await TimeEditsAsync(run, edits, i => new Dictionary<string, object>
            {
                ["shape_key"] = "BigBody", ["key"] = "Flex", ["value"] = 0.02 * (1 + i % 40),
            });
            var (k, s) = (Stats(keyframes), Stats(sliders));
            return new RigEditsResult(bones, vertices, attachSeconds, k, s, new[]
            {
                new Goal("keyframe_edit_to_unity_p99", k.P99Ms, 100, "ms", k.P99Ms <= 100),
                new Goal("shape_key_slider_to_unity_p99", s.P99Ms, 50, "ms", s.P99Ms <= 50),
            });
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Plays each step in Blender, 100 ms apart; the ms from each one's <c>edit_played</c> to the simulator's next <c>applied</c>.</summary>
    private static async Task<List<double>> TimeEditsAsync(LooksRun run, int edits, Func<int, Dictionary<string, object>> step)
    {
        var gaps = new List<double>(edits);
        for (int i = 0; i < edits; i++)
        {
            gaps.Add(await EditAsync(run.Blender, run.Unity, step(i)));
            await Task.Delay(100); // separate edits, not a drag
        }
        return gaps;
    }
}
