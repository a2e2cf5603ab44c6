using System.Text.Json;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// `vibesync bench content` at a small size: it runs through (serve, real Blender, the simulator)
/// and its JSON carries every figure and every goal. Timings are benchmarks, not tests: the goals'
/// outcomes are not asserted, only that each is reported.
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

    [Fact]
    public async Task bench_content_completes_on_a_small_mesh_and_reports_every_figure_and_goal()
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(5), Parts.Cli, "bench", "content", "--vertices", "50000", "--edits", "3", "--json");
        Assert.True(code == 0, output);
        var doc = JsonDocument.Parse(output[output.IndexOf('{')..(output.LastIndexOf('}') + 1)]).RootElement;
        Assert.Equal("content", doc.GetProperty("benchmark").GetString());
        var result = doc.GetProperty("result");
        foreach (var name in Figures) Assert.True(result.TryGetProperty(name, out _), $"the JSON has no {name}: {result}");
        Assert.InRange(result.GetProperty("vertices").GetInt32(), 49_000, 51_000);
        Assert.Equal(3, result.GetProperty("vertex_edit").GetProperty("samples").GetInt32());
        Assert.Equal(30, result.GetProperty("heavy_transform_edit").GetProperty("samples").GetInt32());
        Assert.True(result.GetProperty("payload_bytes").GetInt64() > 50_000 * 12, "the payload counts at least the positions");
        var goals = result.GetProperty("goals").EnumerateArray().ToDictionary(g => g.GetProperty("name").GetString()!);
        Assert.Equal(Goals.Order(), goals.Keys.Order());
        foreach (var g in goals.Values)
        {
            Assert.True(g.GetProperty("figure").ValueKind == JsonValueKind.Number && g.GetProperty("limit").ValueKind == JsonValueKind.Number, g.ToString());
            Assert.True(g.GetProperty("met").ValueKind is JsonValueKind.True or JsonValueKind.False, g.ToString());
        }
        Assert.True(doc.GetProperty("machine").GetProperty("cores").GetInt32() > 0);
    }
}
