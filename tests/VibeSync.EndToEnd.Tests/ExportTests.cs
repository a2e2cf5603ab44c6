using System.Numerics;
using SharpGLTF.Schema2;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// `vibesync export --gltf`: Reality, Blender and Unity as GLB files that the Khronos glTF
/// validator (npm gltf-validator) passes with 0 errors, and that agree with each other node by node.
/// </summary>
public sealed class ExportTests : EndToEndTest
{
    private Task<ModelRoot> ExportAsync(ServeProcess serve, string engine) =>
        Parts.ExportGltfAsync(serve.DataDirectory, engine, Path.Combine(Work, engine + ".glb"));

    private static Dictionary<string, Node> ByUuid(ModelRoot model) =>
        model.LogicalNodes.ToDictionary(n => n.Extras!["vibesync_uuid"]!.GetValue<string>(), StringComparer.Ordinal);

    [Fact]
    public async Task reality_blender_and_unity_export_as_valid_glb_files_that_agree_node_by_node()
    {
        var (blend, unityScene) = await Parts.RandomScenesAsync(Work, seed: 21, objects: 60);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var engines = await BothLiveAsync(serve, blend, unityScene);
        var status = await serve.StatusAsync();
        int objects = status.GetProperty("sync").GetProperty("objects").GetInt32();

        var reality = await ExportAsync(serve, "reality");
        var blender = await ExportAsync(serve, "blender");
        var unity = await ExportAsync(serve, "unity");
        Assert.Equal(objects, reality.LogicalNodes.Count);
        var r = ByUuid(reality);
        foreach (var other in new[] { ByUuid(blender), ByUuid(unity) })
        {
            Assert.Equal(r.Keys.OrderBy(k => k), other.Keys.OrderBy(k => k));
            foreach (var (uuid, node) in r)
            {
                var a = node.WorldMatrix;
                var b = other[uuid].WorldMatrix;
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                        Assert.True(Math.Abs(M(a, i, j) - M(b, i, j)) < 1e-4, $"{node.Name}: world matrix [{i},{j}] {M(a, i, j)} vs {M(b, i, j)}");
                Assert.Equal(node.Mesh?.Primitives.Sum(p => p.GetTriangleIndices().Count()) ?? 0, other[uuid].Mesh?.Primitives.Sum(p => p.GetTriangleIndices().Count()) ?? 0);
            }
        }
    }

    private static float M(Matrix4x4 m, int i, int j) => i switch
    {
        0 => j switch { 0 => m.M11, 1 => m.M12, 2 => m.M13, _ => m.M14 },
        1 => j switch { 0 => m.M21, 1 => m.M22, 2 => m.M23, _ => m.M24 },
        2 => j switch { 0 => m.M31, 1 => m.M32, 2 => m.M33, _ => m.M34 },
        _ => j switch { 0 => m.M41, 1 => m.M42, 2 => m.M43, _ => m.M44 },
    };
}
