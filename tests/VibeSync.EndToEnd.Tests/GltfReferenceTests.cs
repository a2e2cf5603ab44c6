using SharpGLTF.Schema2;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #17 item 6: what Unity holds after a sync, exported by VibeSync, against what Blender's
/// own glTF exporter writes for the same scene (samples/varied_meshes.py: every kind of normals,
/// several UV maps, colours, several materials per mesh, modifiers, curves, text, a shared mesh).
/// </summary>
public sealed class GltfReferenceTests : EndToEndTest
{
    [Fact]
    public async Task the_varied_scene_synced_to_unity_exports_the_same_nodes_transforms_and_triangles_as_blenders_own_exporter()
    {
        var (blend, reference) = await BlenderSampleAsync("varied_meshes");

        var empty = await WriteAsync("empty.unity.json", "{\"objects\": [], \"materials\": [], \"meshes\": []}");
        await using var serve = await ServeProcess.StartAsync();
        await using var engines = await BothLiveAsync(serve, blend, empty);
        await AtParityAsync(serve, "both engines live with the varied scene", timeoutMs: 60_000);

        var mine = await Parts.ExportGltfAsync(serve.DataDirectory, "unity", Path.Combine(Work, "unity.glb"));

        // Blender's exporter writes the metaball's node without its mesh; VibeSync syncs its evaluated mesh.
        var theirs = ModelRoot.Load(reference);
        Assert.True(theirs.LogicalNodes.Count(n => n.Mesh != null) >= 15, "the exporter wrote the varied scene's meshes");
        var differences = GltfComparison.Differences(mine, theirs, 1e-4f, new HashSet<string> { "Metaball" });
        Assert.True(differences.Count == 0, "VibeSync's export of Unity differs from Blender's exporter:\n" + string.Join('\n', differences));
    }
}
