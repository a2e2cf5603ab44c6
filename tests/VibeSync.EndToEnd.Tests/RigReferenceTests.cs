using System.Runtime.InteropServices;
using System.Text.Json;
using SharpGLTF.Schema2;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #19 item 6, the Unity side: samples/rigged_character.py (an armature of several bone
/// hierarchies, a ~6,000-vertex body skinned with up to six influences, shape keys with a relative
/// key, a bone-parented mesh and empty) built in real headless Blender, synced through serve into the
/// Unity simulator, then VibeSync's export of what Unity holds against Blender's own exporter's file:
/// joint names in order, inverse bind matrices, bone weights per corner, morph deltas and names. The
/// reverse: a blend shape weight moved in the simulator reaches the live Blender. And an animation
/// submitted as an intent lands in the simulator as a clip and reads back as the record.
/// </summary>
public sealed class RigReferenceTests : EndToEndTest
{
    private static string Phase(JsonElement status, string engine) => SyncOf(status, engine).GetProperty("phase").GetString()!;

    /// <summary>How far an animated value may be from the reference's: both evaluate the same curves at the same frames in float32.</summary>
    private const float AnimationTolerance = 1e-4f;

    /// <summary>
    /// Blender's exporter (3.4) names an NLA track's animation after the track ("IdleTrack"); VibeSync's
    /// record is the action ("Idle": one action = one animation, docs/blender.md). Compared under that pairing.
    /// </summary>
    private static readonly Dictionary<string, string> AnimationRenamed = new() { ["Idle"] = "IdleTrack" };

    /// <summary>
    /// Prop's scale X is set by a driver (1 + frame / 50): the exporter samples it only over the scale
    /// F-curves' keys (frames 1–13) and holds 1.26 after, while Blender plays the driver on to frame 25
    /// (1.5), as VibeSync's record samples it (test_animations.py checks those values in Blender).
    /// </summary>
    private static readonly HashSet<(string, string, SharpGLTF.Schema2.PropertyPath)> AnimationReferenceRangeOnly =
        new() { ("PropMove", "Prop", SharpGLTF.Schema2.PropertyPath.scale) };

    private Task<(string Blend, string Reference)> SampleAsync() => BlenderSampleAsync("rigged_character");

    [Fact]
    public async Task the_rigged_character_synced_to_unity_exports_the_same_joints_bind_matrices_weights_and_morph_deltas_as_blenders_own_exporter()
    {
        var (blend, referencePath) = await SampleAsync();
        var empty = await WriteAsync("empty.unity.json", "{\"objects\": [], \"materials\": [], \"meshes\": []}");
        await using var serve = await ServeProcess.StartAsync();
        await using var engines = await BothLiveAsync(serve, blend, empty);
        await AtParityAsync(serve, "both engines live with the rigged character", timeoutMs: 120_000);

        var mine = await Parts.ExportGltfAsync(serve.DataDirectory, "unity", Path.Combine(Work, "unity.glb"));
        var theirs = ModelRoot.Load(referencePath);
        var body = theirs.LogicalNodes.Single(n => n.Name == "Body");
        Assert.True(body.Skin != null && body.Skin.JointsCount >= 17 && body.Mesh.Primitives[0].MorphTargetsCount == 3,
            "the exporter wrote the body skinned with the rig's bones and three morph targets");
        var ours = mine.LogicalNodes.Single(n => n.Name == "Body");
        Assert.True(ours.Skin != null && ours.Mesh.Primitives[0].MorphTargetsCount == 3, "VibeSync's export of Unity has the body skinned, with its morph targets");
        var differences = GltfComparison.Differences(mine, theirs, 1e-4f, new HashSet<string>());
        Assert.True(differences.Count == 0, "VibeSync's export of Unity differs from Blender's exporter:\n" + string.Join('\n', differences));
        // Animations, as they play: both files are sampled per frame (GltfComparison.Animations says what only the reference writes).
        Assert.True(theirs.LogicalAnimations.Count >= 4 && mine.LogicalAnimations.Count >= 4, $"animations: {theirs.LogicalAnimations.Count} in the reference, {mine.LogicalAnimations.Count} in ours");
        var played = GltfComparison.AnimationDifferences(mine, theirs, AnimationTolerance, AnimationRenamed, AnimationReferenceRangeOnly);
        Assert.True(played.Count == 0, "VibeSync's export of Unity plays its animations unlike Blender's exporter's:\n" + string.Join('\n', played));

        // And what Unity holds exports as Reality does (the records round-tripped through the simulator's Unity objects).
        var reality = await Parts.ExportGltfAsync(serve.DataDirectory, "reality", Path.Combine(Work, "reality.glb"));
        var same = GltfComparison.Differences(mine, reality, 1e-6f, new HashSet<string>());
        Assert.True(same.Count == 0, "VibeSync's export of Unity differs from its export of Reality:\n" + string.Join('\n', same));
        var realityPlayed = GltfComparison.AnimationDifferences(reality, theirs, AnimationTolerance, AnimationRenamed, AnimationReferenceRangeOnly);
        Assert.True(realityPlayed.Count == 0, "VibeSync's export of Reality plays its animations unlike Blender's exporter's:\n" + string.Join('\n', realityPlayed));
    }

    [Fact]
    public async Task a_blend_shape_weight_moved_in_unity_reaches_the_live_blender()
    {
        var (blend, _) = await SampleAsync();
        var empty = await WriteAsync("empty.unity.json", "{\"objects\": [], \"materials\": [], \"meshes\": []}");
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await using var sim = Driven.Sim(serve.DataDirectory, empty);
        var before = (await AtParityAsync(serve, "both engines live with the rigged character", timeoutMs: 120_000)).GetProperty("sync").GetProperty("reality_root").GetString();

        // Smile (0.3 in the sample; Blink is driven by an action, so its slider is the animation's, not an edit).
        await sim.StepAsync("""{"object": "Body", "blendShapes": {"Smile": 60}}""");
        await AtParityAsync(serve, "parity after the blend shape moved in Unity", s => s.GetProperty("sync").GetProperty("reality_root").GetString() != before);

        // The live Blender saves its file; Blender's exporter then writes the shape keys' values as the mesh's weights.
        var output = await SavedAndPrintedAsync(blender, "after-unity", """
            import sys, bpy
            keys = bpy.data.objects["Body"].data.shape_keys.key_blocks
            print("VALUES " + " ".join(f"{k.name}={k.value:.6f}" for k in keys))
            """);
        var values = output.Split('\n').Single(l => l.StartsWith("VALUES ")).Split(' ').Skip(1).Select(p => p.Split('=')).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(Math.Abs(values["Smile"] - 0.6) < 1e-6, $"Smile is {values["Smile"]} in Blender, Unity's slider says 60 (0.6)");
        Assert.Equal(0.5, values["SmileWide"]); // the others as they were
    }

    /// <summary>Whether Reality holds IK.L's joint at the height Unity raised it to (glTF y = 1.5).</summary>
    private static async Task<bool> JointRaisedAsync(ServeProcess serve)
    {
        using var doc = JsonDocument.Parse(await serve.GetStringAsync("/v1/state?engine=reality&space=canonical"));
        return doc.RootElement.GetProperty("objects").EnumerateArray()
            .Any(o => o.TryGetProperty("name", out var n) && n.GetString() == "IK.L" && Math.Abs(o.GetProperty("translation")[1].GetDouble() - 1.5) < 1e-4);
    }

    [Fact]
    public async Task a_joint_moved_in_unity_moves_the_bones_rest_in_the_live_blender_with_its_skin()
    {
        var (blend, _) = await SampleAsync();
        var empty = await WriteAsync("empty.unity.json", "{\"objects\": [], \"materials\": [], \"meshes\": []}");
        await using var serve = await ServeProcess.StartAsync();
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await using var sim = Driven.Sim(serve.DataDirectory, empty);
        var before = (await AtParityAsync(serve, "both engines live with the rigged character", timeoutMs: 120_000)).GetProperty("sync").GetProperty("reality_root").GetString();

        // IK.L, a root bone deforming nothing, heads at (0.84, 0.3, 1.38) in the armature (Blender's axes): its joint
        // node's translation is (0.84, 1.38, −0.3) in glTF's, (−0.84, 1.38, −0.3) in Unity's. A human raises it 0.12.
        await sim.StepAsync("""{"object": "IK.L", "localPosition": [-0.84, 1.5, -0.3]}""");
        // Parity means Blender took set_transform of the joint and update_skin (it refuses bind matrices off its bones' rest) and reads back the same.
        // Reality's root also moves with other edits (Blender's own reads after attach), so wait for the joint itself first.
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); !await JointRaisedAsync(serve); await Task.Delay(200))
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "Reality never took IK.L's move from Unity");
        await AtParityAsync(serve, "parity after the joint moved in Unity", s => s.GetProperty("sync").GetProperty("reality_root").GetString() != before);

        var output = await SavedAndPrintedAsync(blender, "after-joint", """
            import bpy
            b = bpy.data.objects["Rig"].data.bones["IK.L"]
            print("HEAD " + " ".join(f"{v:.6f}" for v in b.head_local) + " LENGTH " + f"{b.length:.6f}")
            """);
        var line = output.Split('\n').Single(l => l.StartsWith("HEAD ")).Split(' ');
        var head = line.Skip(1).Take(3).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(Math.Abs(head[0] - 0.84) < 1e-5 && Math.Abs(head[1] - 0.3) < 1e-5 && Math.Abs(head[2] - 1.5) < 1e-5, $"IK.L's head is at {string.Join(", ", head)} in Blender, Unity moved it to (0.84, 0.3, 1.5)");
        Assert.True(Math.Abs(double.Parse(line[5], System.Globalization.CultureInfo.InvariantCulture) - 0.15) < 1e-5, "the bone keeps its length");
    }

    /// <summary>The live Blender saves its file as <paramref name="name"/>.blend; what <paramref name="python"/> prints when run on it (in another Blender).</summary>
    private async Task<string> SavedAndPrintedAsync(Driven blender, string name, string python)
    {
        var saved = Path.Combine(Work, name + ".blend");
        await blender.StepAsync(JsonSerializer.Serialize(new { save = saved }));
        for (int i = 0; i < 300 && !File.Exists(saved); i++) await Task.Delay(100);
        Assert.True(File.Exists(saved), "the live Blender did not save its file");
        var script = await WriteAsync(name + ".py", python.Replace("            ", ""));
        var (code, output) = await Parts.RunAsync("blender", TimeSpan.FromSeconds(120), "-b", saved, "--python-exit-code", "1", "--python", script);
        Assert.True(code == 0, output);
        return output;
    }

    private const string Rig = "7a0c5e0e-0000-4000-8000-0000000000a0";
    private const string Bone = "7a0c5e0e-0000-4000-8000-0000000000a1";
    private const string Tip = "7a0c5e0e-0000-4000-8000-0000000000a2";
    private const string Wave = "7a0c5e0e-0000-4000-8000-0000000000e0";

    private static async Task<string> UploadAsync(ServeProcess serve, float[] values, int components)
    {
        var data = Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan()));
        using var reply = await serve.PostJsonAsync("/v1/blobs?actor=human:cli",
            $$"""{"element": "F32", "components": {{components}}, "count": {{values.Length / components}}, "offset": 0, "data": "{{data}}"}""");
        var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.True(answer.TryGetProperty("blob", out var blob) && blob.ValueKind == JsonValueKind.String, answer.ToString());
        return blob.GetString()!;
    }

    [Fact]
    public async Task an_animation_submitted_as_an_intent_lands_in_unity_as_a_clip_and_reads_back_as_the_record()
    {
        // Unity alone (this Blender adapter does not write animations yet: it would refuse the intent).
        var scene = await WriteAsync("rig.unity.json", $$"""
            {"objects": [
              {"uuid": "{{Rig}}", "name": "Rig", "kind": "armature", "parent": null, "localPosition": [0, 0, 0], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": [], "mesh": null},
              {"uuid": "{{Bone}}", "name": "Bone", "kind": "joint", "parent": "{{Rig}}", "localPosition": [0, 1, 0], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": [], "mesh": null},
              {"uuid": "{{Tip}}", "name": "Tip", "kind": "joint", "parent": "{{Bone}}", "localPosition": [0, 0.5, 0], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": [], "mesh": null}],
             "materials": [], "meshes": []}
            """);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var sim = Driven.Sim(serve.DataDirectory, scene);
        await UntilAsync(serve, s => Phase(s, "unity") == "live", "Unity live with its rig", 60_000);

        var times = await UploadAsync(serve, new[] { 0f, 0.5f, 1f }, 1);
        var moves = await UploadAsync(serve, new[] { 0f, 1, 0, 0.3f, 1.2f, 0, 0, 1, 0 }, 3);
        var turns = await UploadAsync(serve, new[] { 0f, 0, 0, 1, 0, 0, 0.38268343f, 0.9238795f, 0, 0, 0, 1 }, 4);
        using (var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli&wait=settled", $$"""
            {"operations": [{"op": "create_animation", "uuid": "{{Wave}}", "name": "Wave", "frame_rate": 24, "channels": [
              {"target": "{{Bone}}", "path": "translation", "interpolation": "LINEAR", "times": "{{times}}", "values": "{{moves}}", "sampled": false},
              {"target": "{{Tip}}", "path": "rotation", "interpolation": "STEP", "times": "{{times}}", "values": "{{turns}}", "sampled": false}]}],
             "rationale": "a wave"}
            """))
        {
            var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
            Assert.True(answer.TryGetProperty("phase", out var phase) && phase.GetString() == "FINAL", answer + "\n" + string.Join("\n", serve.Log.TakeLast(20)));
        }

        // What Unity reports is the record the intent made, blob for blob, and its root is Reality's.
        var unity = JsonDocument.Parse(await serve.GetStringAsync("/v1/state?engine=unity")).RootElement;
        var animation = unity.GetProperty("animations").EnumerateArray().Single();
        Assert.Equal("Wave", animation.GetProperty("name").GetString());
        var channels = animation.GetProperty("channels").EnumerateArray().ToList();
        Assert.Equal(new[] { (Bone, "translation", "LINEAR", moves), (Tip, "rotation", "STEP", turns) },
            channels.Select(c => (c.GetProperty("target").GetString()!, c.GetProperty("path").GetString()!, c.GetProperty("interpolation").GetString()!, c.GetProperty("values").GetString()!)));
        var unityNow = Path.Combine(Work, "unity-now.json");
        File.WriteAllText(unityNow, unity.GetRawText());
        Assert.Equal((await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString(), await Parts.HashAsync("unity", unityNow));
    }
}
