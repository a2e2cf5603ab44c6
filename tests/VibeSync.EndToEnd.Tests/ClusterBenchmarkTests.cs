using System.Text.Json;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// `vibesync bench cluster` at a small size: it starts its own three nats-server processes, runs
/// serve on the local WAL and serve --cluster side by side with real Blender and the simulator, and
/// its JSON keeps the append figures it always had beside the edit → applied ones. Timings are
/// benchmarks, not tests: the 2× goal is not asserted, only that each figure is measured.
/// </summary>
public sealed class ClusterBenchmarkTests
{
    [Fact]
    public async Task bench_cluster_measures_edit_to_applied_on_both_journals_in_one_run_and_keeps_the_append_figures()
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(5), Parts.Cli, "bench", "cluster", "--appends", "50", "--edits", "10", "--json");
        Assert.True(code == 0, output);
        var doc = JsonDocument.Parse(output[output.IndexOf('{')..(output.LastIndexOf('}') + 1)]).RootElement;
        Assert.Equal("cluster", doc.GetProperty("benchmark").GetString());
        foreach (var journal in new[] { "wal", "jetstream" })
        {
            Assert.Equal(50, doc.GetProperty(journal).GetProperty("appends").GetInt32());
            Assert.True(doc.GetProperty(journal).GetProperty("p99_ms").GetDouble() > 0, output);
        }
        Assert.True(doc.GetProperty("p99_ratio").GetDouble() > 0, output);
        var edit = doc.GetProperty("edit_to_applied");
        Assert.Contains("Blender", edit.GetProperty("engines").GetString());
        foreach (var figure in new[] { "wal_edit_to_applied", "jetstream_edit_to_applied", "wal_edit_to_final", "jetstream_edit_to_final" })
        {
            Assert.Equal(10, edit.GetProperty(figure).GetProperty("samples").GetInt32());
            Assert.True(edit.GetProperty(figure).GetProperty("p99_ms").GetDouble() > 0, $"{figure}: {edit}");
        }
        // The ratio is the two p99s' (rounded), not a constant.
        double expected = edit.GetProperty("jetstream_edit_to_applied").GetProperty("p99_ms").GetDouble() / edit.GetProperty("wal_edit_to_applied").GetProperty("p99_ms").GetDouble();
        Assert.InRange(edit.GetProperty("p99_ratio").GetDouble(), expected - 0.01, expected + 0.01);
    }
}
