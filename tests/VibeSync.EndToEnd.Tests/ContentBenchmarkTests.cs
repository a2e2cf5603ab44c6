using System.Text.Json;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// `vibesync bench content` at a small size: it runs through (serve, real Blender, the simulator)
/// and its JSON carries every figure and every goal. Timings are benchmarks, not tests: the goals'
/// outcomes are not asserted, only that each is reported; counts are (issue #18's image transfers).
/// </summary>
public sealed class ContentBenchmarkTests
{
    private static readonly string[] Figures =
    {
        "vertices", "triangles", "payload_bytes", "gltf_export_seconds", "gltf_bytes", "attach_to_live_seconds", "attach_to_export_ratio",
        "attach_phases", "vertex_edit", "vertex_edit_phases", "heavy_transform_edit", "cube_transform_edit", "transform_p99_ratio", "during_transform_edits",
        "serve_idle_rss_mib", "serve_peak_rss_mib", "serve_rss_growth_mib", "rss_growth_to_payload", "peak_reset",
        "hash_median_ms", "hash_min_ms", "sha256_alone_median_ms", "hash_runs", "hashed_blobs", "goals",
    };

    private static readonly string[] Goals =
    {
        "attach_to_live", "attach_vs_gltf_export", "vertex_edit_p50", "transform_p99_vs_cube",
        "blob_traffic_during_transform_edits", "serve_rss_growth_vs_payload", "hash_mesh_blobs",
    };

    private static JsonElement Run(string output) => JsonDocument.Parse(output[output.IndexOf('{')..(output.LastIndexOf('}') + 1)]).RootElement;

    private static Dictionary<string, JsonElement> GoalsOf(JsonElement result) =>
        result.GetProperty("goals").EnumerateArray().ToDictionary(g => g.GetProperty("name").GetString()!);

    [Fact]
    public async Task bench_content_completes_on_a_small_mesh_and_reports_every_figure_and_goal()
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(5), Parts.Cli, "bench", "content", "--case", "mesh", "--vertices", "50000", "--edits", "3", "--json");
        Assert.True(code == 0, output);
        var doc = Run(output);
        Assert.Equal("content", doc.GetProperty("benchmark").GetString());
        foreach (var other in new[] { "textures", "materials", "lights" }) Assert.False(doc.TryGetProperty(other, out _), $"--case mesh ran {other}");
        var result = doc.GetProperty("result");
        foreach (var name in Figures) Assert.True(result.TryGetProperty(name, out _), $"the JSON has no {name}: {result}");
        Assert.InRange(result.GetProperty("vertices").GetInt32(), 49_000, 51_000);
        Assert.Equal(3, result.GetProperty("vertex_edit").GetProperty("samples").GetInt32());
        Assert.Equal(30, result.GetProperty("heavy_transform_edit").GetProperty("samples").GetInt32());
        Assert.True(result.GetProperty("payload_bytes").GetInt64() > 50_000 * 12, "the payload counts at least the positions");
        var goals = GoalsOf(result);
        Assert.Equal(Goals.Order(), goals.Keys.Order());
        foreach (var g in goals.Values)
        {
            Assert.True(g.GetProperty("figure").ValueKind == JsonValueKind.Number && g.GetProperty("limit").ValueKind == JsonValueKind.Number, g.ToString());
            Assert.True(g.GetProperty("met").ValueKind is JsonValueKind.True or JsonValueKind.False, g.ToString());
        }
        Assert.True(doc.GetProperty("machine").GetProperty("cores").GetInt32() > 0);
    }

    [Fact]
    public async Task bench_content_rig_edits_times_every_keyframe_edit_and_slider_move_into_the_simulator()
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(5), Parts.Cli, "bench", "content", "--case", "rig-edits", "--rig-edits", "3", "--json");
        Assert.True(code == 0, output);
        var rig = Run(output).GetProperty("rig_edits");
        Assert.Equal((60, 20_400), (rig.GetProperty("bones").GetInt32(), rig.GetProperty("vertices").GetInt32()));
        foreach (var figure in new[] { "keyframe_to_unity", "slider_to_unity" })
        {
            var latency = rig.GetProperty(figure);
            Assert.Equal(3, latency.GetProperty("samples").GetInt32());
            Assert.True(latency.GetProperty("p50_ms").GetDouble() > 0, $"{figure}: an edit is applied after Blender played it");
        }
        Assert.Equal(new[] { "keyframe_edit_to_unity_p99", "shape_key_slider_to_unity_p99" }, GoalsOf(rig).Keys.Order());
    }

    [Fact]
    public async Task a_shared_image_crosses_each_leg_once_and_an_unchanged_one_not_at_all_when_blender_reattaches()
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(8), Parts.Cli, "bench", "content", "--case", "textures,materials,lights",
            "--texture-size", "256", "--materials", "20", "--textures", "4", "--shared-texture-size", "64", "--light-edits", "6", "--json");
        Assert.True(code == 0, output);
        var doc = Run(output);
        Assert.False(doc.TryGetProperty("result", out _), "the mesh case ran though not asked for");

        var texture = doc.GetProperty("textures");
        Assert.Equal(256, texture.GetProperty("width").GetInt32());
        var reattach = texture.GetProperty("during_reattach");
        Assert.Equal(0, reattach.GetProperty("from_blender").GetInt32());
        Assert.Equal(0, reattach.GetProperty("to_unity").GetInt32());
        Assert.Equal(0, reattach.GetProperty("store_files_added").GetInt32());
        var goals = GoalsOf(texture);
        Assert.True(goals["reattach_image_bytes"].GetProperty("met").GetBoolean(), goals["reattach_image_bytes"].ToString());
        Assert.True(goals["texture_to_unity"].GetProperty("figure").GetDouble() > 0, "the texture's time is measured");

        var materials = doc.GetProperty("materials");
        Assert.Equal(4, materials.GetProperty("images_in_reality").GetInt32());
        var attach = materials.GetProperty("during_attach");
        Assert.Equal(4, attach.GetProperty("from_blender").GetInt32()); // 20 materials, 4 images: each image once per leg
        Assert.Equal(4, attach.GetProperty("to_unity").GetInt32());
        Assert.All(GoalsOf(materials).Values, g => Assert.True(g.GetProperty("met").GetBoolean(), g.ToString()));

        var lights = doc.GetProperty("lights");
        Assert.Equal(6, lights.GetProperty("all_edits").GetProperty("samples").GetInt32());
        Assert.Equal(2, lights.GetProperty("camera_lens_edit").GetProperty("samples").GetInt32());
        Assert.Equal(6, lights.GetProperty("cube_transform_edit").GetProperty("samples").GetInt32());
        Assert.Equal(new[] { "light_camera_edit_p99" }, GoalsOf(lights).Keys);
    }
}
