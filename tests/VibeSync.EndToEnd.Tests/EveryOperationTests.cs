using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Every operation of the intent vocabulary, submitted to a real `serve`, lands in real Blender and
/// in the simulator and is verified in both (FINAL); at the end the three roots are equal.
/// </summary>
public sealed class EveryOperationTests : EndToEndTest
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f", Handle = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", Camera = "0c0c0c0c-1111-4222-8333-444444444444";
    private const string Red = "c0ffee00-1234-4abc-8def-000000000001", CubeMesh = "3e3e3e3e-0000-4000-8000-00000000c0be";
    private const string Marker = "7a000000-0000-4000-8000-000000000001", Cube2 = "7a000000-0000-4000-8000-000000000002", Cube3 = "7a000000-0000-4000-8000-000000000003", Crate = "7a000000-0000-4000-8000-000000000004";

    [Fact]
    public async Task every_operation_lands_verified_in_blender_and_in_unity_and_the_roots_end_equal()
    {
        // The sample, plus the two assets both engines know: collections in Blender, prefabs in the simulator.
        var blend = await Parts.SampleBlendAsync(Work, extraPython: "for name in ('props/crate', 'props/barrel'):\n    c = bpy.data.collections.new(name)\n    c.use_fake_user = True\n    c.objects.link(bpy.data.objects.new(name + ' part', None))\n");
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        await using var engines = await BothLiveAsync(serve, blend, unityScene);
        {
            var steps = new (string Name, string Json)[]
            {
                ("set_transform", $$"""{"op": "set_transform", "uuid": "{{Cube}}", "translation": [2, 0.5, -1], "rotation": [0, 0.6, 0, 0.8], "scale": [1, 2, 1]}"""),
                ("set_visibility", $$"""{"op": "set_visibility", "uuid": "{{Handle}}", "visible": true}"""),
                ("set_material_params", $$"""{"op": "set_material_params", "uuid": "{{Red}}", "base_color": [0.2, 0.4, 0.6, 1], "metallic": 0.5, "roughness": 0.3}"""),
                ("create_object (empty)", $$"""{"op": "create_object", "uuid": "{{Marker}}", "name": "Marker", "kind": "empty", "parent": null, "translation": [0, 1, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}"""),
                ("create_object (mesh)", $$"""{"op": "create_object", "uuid": "{{Cube2}}", "name": "Cube2", "kind": "mesh", "parent": null, "translation": [3, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1], "mesh": "{{CubeMesh}}", "materials": ["{{Red}}"]}"""),
                ("set_parent", $$"""{"op": "set_parent", "uuid": "{{Marker}}", "parent": "{{Cube}}"}"""),
                ("assign_material", $$"""{"op": "assign_material", "uuid": "{{Cube2}}", "slot": 0, "material": null}"""),
                ("rename", $$"""{"op": "rename", "uuid": "{{Camera}}", "name": "Main Camera"}"""),
                ("duplicate_object", $$"""{"op": "duplicate_object", "uuid": "{{Cube2}}", "new_uuid": "{{Cube3}}", "name": "Cube3"}"""),
                ("instantiate_prefab", $$"""{"op": "instantiate_prefab", "uuid": "{{Crate}}", "prefab": "props/crate", "name": "Crate", "parent": null, "translation": [-2, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}"""),
                ("replace_asset", $$"""{"op": "replace_asset", "uuid": "{{Crate}}", "asset": "props/barrel"}"""),
                ("replace_mesh", $$"""{"op": "replace_mesh", "uuid": "{{CubeMesh}}", "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], "triangles": [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]}"""),
                ("delete_object", $$"""{"op": "delete_object", "uuid": "{{Cube3}}", "children": "delete"}"""),
            };
            var failures = new List<string>();
            foreach (var (name, json) in steps)
            {
                try
                {
                    using var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli&wait=settled", $$"""{"operations": [{{json}}], "rationale": "{{name}}"}""");
                    var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
                    if (!answer.TryGetProperty("phase", out var phase) || phase.GetString() != "FINAL") failures.Add($"{name}: {answer}");
                }
                catch (TaskCanceledException) { failures.Add($"{name}: no answer in time"); break; }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n" + string.Join("\n", serve.Log.Where(l => !l.Contains("heartbeat")).TakeLast(30)));
            var status = await serve.StatusAsync();
            string reality = status.GetProperty("sync").GetProperty("reality_root").GetString()!;
            var blenderNow = Path.Combine(Work, "blender-now.json");
            var unityNow = Path.Combine(Work, "unity-now.json");
            File.WriteAllText(blenderNow, await serve.GetStringAsync("/v1/state?engine=blender"));
            File.WriteAllText(unityNow, await serve.GetStringAsync("/v1/state?engine=unity"));
            Assert.Equal(reality, await Parts.HashAsync("blender", blenderNow));
            Assert.Equal(reality, await Parts.HashAsync("unity", unityNow));
            // The deletion was destructive: a safety snapshot was committed first and its id journaled with it.
            Assert.Contains(serve.Log, l => l.Contains("before a destructive intent"));
        }
    }
}
