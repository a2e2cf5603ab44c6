// Issue #19's edit goals as a case of `bench content`, end to end: the benchmark character of
// samples/rigged_character.py (build_large: 60 bones, ~20,400 vertices skinned, the 250-frame action
// "Dance", a shape key "Flex" no action drives) built in real headless Blender and attached to a serve
// where the Unity simulator is live; then, one at a time and 100 ms apart, a keyframe of "Dance" moved
// (the headless runner's Graph Editor step: the root bone's Z location, a keyed LINEAR channel) and the
// "Flex" slider moved. Each is timed from Blender's own `edit_played` stamp to the simulator's next
// `applied` (--trace-applies): the edit read, sent, decided by serve and applied to Unity's objects.
using System.Text.Json;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Control;
using static VibeSync.Cli.Benchmarks.EndToEndBenchmark;

namespace VibeSync.Cli.Benchmarks;

internal static partial class ContentBenchmark
{
    /// <summary>The rig-edits case: keyframe edit → applied in Unity (goal p99 ≤ 100 ms), shape-key slider → applied (goal p99 ≤ 50 ms).</summary>
    public sealed record RigEditsResult(int Bones, int Vertices, double AttachToLiveSeconds, Latency KeyframeToUnity, Latency SliderToUnity, IReadOnlyList<Goal> Goals);

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
        var work = Path.Combine(Path.GetTempPath(), "vibesync-bench-rig-edits-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var blend = Path.Combine(work, "character.blend");
            var script = Path.Combine(work, "character.py");
            await File.WriteAllTextAsync(script, LargeRigScript);
            var samples = Path.GetFullPath(Path.Combine(BlenderInstall.AdapterDirectory()!, "..", "..", "samples"));
            progress("building samples/rigged_character.py's benchmark character in Blender (60 bones, ~20,400 vertices, a 250-frame action)");
            int bones, vertices;
            using (var p = BlenderInstall.Start(script, new[] { samples, blend }))
            {
                var errors = p.StandardError.ReadToEndAsync();
                var output = await p.StandardOutput.ReadToEndAsync();
                await p.WaitForExitAsync();
                var last = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
                if (p.ExitCode != 0 || last == null) throw new InvalidOperationException($"building the character failed: {(await errors).Trim()}\n{output.Trim()}");
                var built = JsonDocument.Parse(last).RootElement;
                (bones, vertices) = (built.GetProperty("bones").GetInt32(), built.GetProperty("vertices").GetInt32());
            }

            var dir = Path.Combine(work, "data");
            Directory.CreateDirectory(dir);
            var empty = Path.Combine(work, "empty.unity.json");
            await File.WriteAllTextAsync(empty, "{\"objects\": [], \"materials\": [], \"meshes\": []}");
            var api = new ControlApiClient(dir);
            await using var serve = await StartServeAsync(dir);
            await using var unity = ChildProcess.Self("unity", "sim-unity", "--data", dir, "--scene", empty, "--steps-from-stdin", "--trace-applies");
            await UntilAsync(async () => ControlApiClient.Phase(await api.StatusAsync(), "unity") == "live", "Unity live", TimeSpan.FromMinutes(1));
            progress("Blender attaches the character");
            await using var blender = BlenderInstall.Headless(blend, "--data", dir, "--steps-from-stdin");
            await UntilAsync(() => Task.FromResult(Events(blender, "attaching").Any()), "Blender to load the file", TimeSpan.FromMinutes(3));
            double t0 = Events(blender, "attaching").First().GetProperty("t").GetDouble();
            await UntilAsync(async () => InParity(await api.StatusAsync(), objects: bones + 2), "both engines live with the character", TimeSpan.FromMinutes(3));
            double attachSeconds = Math.Round((NowMs() - t0) / 1000.0, 3);
            if ((await api.StateAsync("reality")).Animations.Count == 0) throw new InvalidOperationException("the character's actions did not reach Reality");
            await Task.Delay(1000); // idle: the attach's last work settled

            progress($"{edits} keyframe edits of \"Dance\" in Blender → applied in Unity");
            var keyframes = await TimeEditsAsync(blender, unity, edits, i => new Dictionary<string, object>
            {
                ["action"] = "Dance", ["data_path"] = "pose.bones[\"Trunk00\"].location", ["index"] = 2, ["keyframe"] = 3,
                ["value"] = 0.001 * (1 + i % 20),
            });
            progress($"{edits} moves of the \"Flex\" slider in Blender → applied in Unity");
            var sliders = await TimeEditsAsync(blender, unity, edits, i => new Dictionary<string, object>
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
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Plays each step in Blender and waits for its <c>edit_played</c> and the simulator's next <c>applied</c>; the gaps in ms.</summary>
    private static async Task<List<double>> TimeEditsAsync(ChildProcess blender, ChildProcess unity, int edits, Func<int, Dictionary<string, object>> step)
    {
        var gaps = new List<double>(edits);
        for (int i = 0; i < edits; i++)
        {
            int played = Events(blender, "edit_played").Count(), applied = Events(unity, "applied").Count();
            blender.Step(step(i));
            JsonElement playedEvent = default, appliedEvent = default;
            await UntilAsync(() =>
            {
                playedEvent = Events(blender, "edit_played").Skip(played).FirstOrDefault();
                appliedEvent = Events(unity, "applied").Skip(applied).FirstOrDefault();
                return Task.FromResult(playedEvent.ValueKind == JsonValueKind.Object && appliedEvent.ValueKind == JsonValueKind.Object);
            }, "the edit to be applied in Unity", TimeSpan.FromSeconds(30));
            gaps.Add(appliedEvent.GetProperty("t").GetDouble() - playedEvent.GetProperty("t").GetDouble());
            await Task.Delay(100); // separate edits, not a drag
        }
        return gaps;
    }
}
