using System.Text.Json;
using SharpGLTF.Schema2;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #18 item 6: materials, images, cameras and lights checked against Blender's own glTF
/// exporter in both directions. samples/materials_lights_cameras.py builds the scene in real Blender
/// (every texture slot, a texture transform through a Mapping node, a second UV set, nearest and
/// clamped samplers, each alpha mode, single- and double-sided, emission above 1, point, ranged,
/// spot and sun lights, perspective cameras with each sensor fit and an orthographic one, 100
/// materials on 10 shared textures). Blender → Unity: the exporter's file against `vibesync export
/// --gltf --engine unity` after a sync. Unity → Blender: edits made in the simulator, synced into the
/// live Blender, the .blend it saves exported by the same exporter, against the same export and
/// against the values Unity was given.
/// </summary>
public sealed class LookReferenceTests : EndToEndTest
{
    /// <summary>Builds the sample scene (small images) with real Blender, exports it with the bundled exporter and saves it.</summary>
    private async Task<(string Blend, string Reference)> SampleAsync()
    {
        var blend = Path.Combine(Work, "looks.blend");
        var reference = Path.Combine(Directory.CreateDirectory(Path.Combine(Work, "blender-exporter")).FullName, "scene.gltf");
        var script = await WriteAsync("looks.py", """
            import sys, os, bpy
            sys.path.insert(0, sys.argv[-3])
            import materials_lights_cameras as sample
            sample.build(os.path.join(os.path.dirname(sys.argv[-1]), "images"), small=True)
            sample.export(sys.argv[-2])
            bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])
            """.Replace("            ", ""));
        var (built, output) = await Parts.RunAsync("blender", TimeSpan.FromSeconds(180), "-b", "--factory-startup", "--python-exit-code", "1", "--python", script, "--",
            Path.Combine(Parts.Repo, "samples"), reference, blend);
        Assert.True(built == 0 && File.Exists(blend) && File.Exists(reference), $"Blender could not build and export the looks scene ({built}): {output[^Math.Min(2000, output.Length)..]}");
        return (blend, reference);
    }

    /// <summary>Blender's bundled exporter run on a saved .blend, as samples/materials_lights_cameras.py's export does.</summary>
    private async Task<string> ExportWithBlenderAsync(string blend, string name)
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(Work, name)).FullName, "scene.gltf");
        var script = await WriteAsync(name + ".py", """
            import sys
            sys.path.insert(0, sys.argv[-2])
            import materials_lights_cameras as sample
            sample.export(sys.argv[-1])
            """.Replace("            ", ""));
        var (code, output) = await Parts.RunAsync("blender", TimeSpan.FromSeconds(120), "-b", blend, "--python-exit-code", "1", "--python", script, "--",
            Path.Combine(Parts.Repo, "samples"), path);
        Assert.True(code == 0 && File.Exists(path), $"Blender's exporter failed on {blend} ({code}): {output[^Math.Min(2000, output.Length)..]}");
        return path;
    }

    /// <summary>`vibesync export --gltf --engine unity` of what Unity holds, checked by the Khronos validator (0 errors).</summary>
    private async Task<ModelRoot> ExportUnityAsync(ServeProcess serve, string name)
    {
        var validator = Path.Combine(Parts.Repo, "tests", "gltf-validator", "validate.mjs");
        Assert.True(File.Exists(Path.Combine(Parts.Repo, "tests", "gltf-validator", "node_modules", "gltf-validator", "package.json")),
            "the Khronos validator is not installed: run `npm ci` in tests/gltf-validator (run-tests does)");
        var ours = Path.Combine(Work, name);
        var (exported, exportOutput) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "export", "--gltf", ours, "--data", serve.DataDirectory, "--engine", "unity");
        Assert.True(exported == 0, exportOutput);
        var (valid, report) = await Parts.RunAsync("node", TimeSpan.FromSeconds(60), validator, ours);
        Assert.True(valid == 0, $"the glTF validator found errors in VibeSync's export: {report}");
        Assert.Equal(0, JsonDocument.Parse(report.Trim().Split('\n').Last()).RootElement.GetProperty("errors").GetInt32());
        return ModelRoot.Load(ours);
    }

    private static Task<JsonElement> AtParityAsync(ServeProcess serve, string what, Func<JsonElement, bool>? also = null) => UntilAsync(serve, s =>
    {
        var root = s.GetProperty("sync").GetProperty("reality_root").GetString();
        return s.GetProperty("sync").GetProperty("objects").GetInt32() > 0
            && s.GetProperty("sync").GetProperty("engines").EnumerateArray().All(e => e.GetProperty("phase").GetString() == "live" && e.GetProperty("parity_root").GetString() == root)
            && (also == null || also(s));
    }, what, 90_000);

    [Fact]
    public async Task the_looks_scene_synced_to_unity_exports_the_same_materials_images_cameras_and_lights_as_blenders_own_exporter()
    {
        var (blend, referencePath) = await SampleAsync();
        var empty = await WriteAsync("empty.unity.json", "{\"objects\": [], \"materials\": [], \"meshes\": []}");
        await using var serve = await ServeProcess.StartAsync();
        await using var engines = await BothLiveAsync(serve, blend, empty);
        await AtParityAsync(serve, "both engines live with the looks scene");

        var (mine, theirs) = (await ExportUnityAsync(serve, "unity.glb"), ModelRoot.Load(referencePath));
        Assert.True(theirs.LogicalMaterials.Count >= 106 && theirs.LogicalCameras.Count == 4 && theirs.LogicalPunctualLights.Count == 5,
            "the exporter wrote the sample's materials, cameras and lights");
        var differences = GltfComparison.Differences(mine, theirs, 1e-4f, new HashSet<string>());
        Assert.True(differences.Count == 0, "VibeSync's export of Unity differs from Blender's exporter:\n" + string.Join('\n', differences));
    }
}
