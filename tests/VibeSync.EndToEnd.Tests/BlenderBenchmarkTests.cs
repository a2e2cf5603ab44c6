using System.Text.Json;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// `vibesync bench blender --scale` at two small sizes: it runs through inside real Blender, shows its
/// progress while it runs (a 100,000-object run takes minutes), and its JSON carries every case with
/// the add-on's own work in wall and CPU time and the ratios the issue #20 goal is judged by. Timings
/// are benchmarks, not tests: only that each figure is reported is asserted.
/// </summary>
public sealed class BlenderBenchmarkTests
{
    private static readonly string[] CaseFigures =
    {
        "p50_ms", "p99_ms", "addon_p50_ms", "addon_p99_ms", "eval_p50_ms", "eval_p99_ms", "walk_p50_ms",
        "addon_own_p50_ms", "addon_own_cpu_p50_ms", "addon_own_cpu_p99_ms",
    };

    [Fact]
    public async Task bench_blender_at_two_sizes_shows_its_progress_and_reports_every_case_and_the_ratios_of_the_largest_to_the_smallest()
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(5), Parts.Cli, "bench", "blender",
            "--objects", "200", "--applies", "20", "--edits", "5", "--scale", "100,300", "--json");
        Assert.True(code == 0, output);
        Assert.Contains("attached 300 objects in", output); // bench.py's progress, passed on while it runs
        Assert.Contains("edit → event: root object, quiet window 0 ms, 5 samples", output);
        var doc = JsonDocument.Parse(output[output.IndexOf('{')..(output.LastIndexOf('}') + 1)]).RootElement;
        Assert.Equal("blender", doc.GetProperty("benchmark").GetString());
        var scale = doc.GetProperty("figures").GetProperty("scale");
        var sizes = scale.GetProperty("sizes").EnumerateArray().ToList();
        Assert.Equal(new[] { 100, 300 }, sizes.Select(s => s.GetProperty("objects").GetInt32()));
        foreach (var size in sizes)
        {
            Assert.Equal(4, size.GetProperty("edit_to_event").GetArrayLength());
            foreach (var c in size.GetProperty("edit_to_event").EnumerateArray())
                foreach (var figure in CaseFigures) Assert.True(c.TryGetProperty(figure, out _), $"a case has no {figure}: {c}");
            Assert.Equal(5, size.GetProperty("add_delete").GetProperty("samples").GetInt32());
        }
        foreach (var ratios in new[] { "addon_p50_ratio_largest_to_smallest", "addon_own_cpu_p50_ratio_largest_to_smallest", "addon_own_cpu_p99_ratio_largest_to_smallest" })
            Assert.Equal(
                new[] { "leaf_quiet_50ms", "leaf_quiet_0ms", "root_quiet_50ms", "root_quiet_0ms", "add_quiet_0ms", "delete_quiet_0ms" },
                scale.GetProperty(ratios).EnumerateObject().Select(p => p.Name));
    }
}
