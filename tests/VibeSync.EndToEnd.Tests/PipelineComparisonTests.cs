using System.Text.Json;
using VibeSync.Cli.Benchmarks;
using VibeSync.Cli.Hosts;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// `bench pipeline --compare-env` (and `bench journal`'s, which shares its settings and the child's
/// environment): a malformed setting is refused before anything runs, B's setting reaches B's process
/// and only B's, and a small real comparison reports both sides and the ratio of their medians.
/// Timings are not asserted: only that each figure is measured.
/// </summary>
public sealed class PipelineComparisonTests
{
    [Theory]
    [InlineData("pipeline")]
    [InlineData("journal")]
    public async Task a_compare_env_setting_without_an_equals_sign_is_refused_before_anything_runs(string bench)
    {
        var data = Directory.CreateTempSubdirectory("vibesync-compare-").FullName;
        try
        {
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(2), Parts.Cli, "bench", bench, "--data", data, "--compare-env", "DOTNET_GCgen0size");
            Assert.True(code == 2, output);
            Assert.Contains("'DOTNET_GCgen0size' is not NAME=VALUE", output);
        }
        finally { Directory.Delete(data, true); }
    }

    [Fact]
    public async Task bench_pipeline_refuses_no_rounds()
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(2), Parts.Cli, "bench", "pipeline", "--compare-env", "A=1", "--rounds", "0");
        Assert.True(code == 2, output);
        Assert.Contains("--rounds", output);
    }

    [Fact]
    public async Task bench_journal_refuses_a_negative_warm_up_before_writing_any_journal()
    {
        var data = Directory.CreateTempSubdirectory("vibesync-warmup-").FullName;
        try
        {
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(2), Parts.Cli, "bench", "journal", "--data", data, "--warm-up", "-1");
            Assert.True(code == 2, output);
            Assert.Contains("--warm-up must be between 0 and 3600 seconds", output);
            Assert.False(Directory.Exists(Path.Combine(data, "bench-journal")));
        }
        finally { Directory.Delete(data, true); }
    }

    [Fact]
    public void settings_set_a_name_to_its_value_and_an_empty_value_unsets_it()
    {
        Assert.Equal(new[] { ("A", (string?)"1=2"), ("B", null) }, ChildProcess.Settings(new[] { "A=1=2", "B=" }));
        Assert.Throws<ArgumentException>(() => ChildProcess.Settings(new[] { "=1" }));
    }

    [Fact]
    public async Task the_environment_given_reaches_the_child_and_an_empty_value_removes_a_variable_it_would_inherit()
    {
        Environment.SetEnvironmentVariable("VIBESYNC_COMPARE_INHERITED", "yes");
        try
        {
            await using var child = ChildProcess.Start("env", "/usr/bin/env", [], ["VIBESYNC_COMPARE_B=on", "VIBESYNC_COMPARE_INHERITED="]);
            Assert.Equal(0, await child.ExitAsync());
            Assert.Contains("VIBESYNC_COMPARE_B=on", child.Output);
            Assert.DoesNotContain(child.Output, line => line.StartsWith("VIBESYNC_COMPARE_INHERITED=", StringComparison.Ordinal));
            // And a child started without settings inherits as before.
            await using var plain = ChildProcess.Start("env", "/usr/bin/env", []);
            await plain.ExitAsync();
            Assert.Contains("VIBESYNC_COMPARE_INHERITED=yes", plain.Output);
            Assert.DoesNotContain(plain.Output, line => line.StartsWith("VIBESYNC_COMPARE_B=", StringComparison.Ordinal));
        }
        finally { Environment.SetEnvironmentVariable("VIBESYNC_COMPARE_INHERITED", null); }
    }

    [Fact]
    public async Task bench_pipeline_compare_env_runs_each_side_in_its_own_process_and_reports_the_ratio_of_the_medians()
    {
        var data = Directory.CreateTempSubdirectory("vibesync-compare-").FullName;
        try
        {
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(5), Parts.Cli, "bench", "pipeline", "--data", data,
                "--compare-env", "DOTNET_TieredCompilation=0", "--rounds", "1", "--rate", "500", "--seconds", "0.5", "--warm-up", "0.2", "--intents", "2000");
            Assert.True(code == 0, output);
            var result = JsonDocument.Parse(output[output.IndexOf('{')..(output.LastIndexOf('}') + 1)]).RootElement;
            Assert.Equal("pipeline-compare", result.GetProperty("benchmark").GetString());
            var ab = result.GetProperty("result");
            Assert.Equal("DOTNET_TieredCompilation=0", ab.GetProperty("b_environment")[0].GetString());
            JsonElement Median(string side) => ab.GetProperty(side).GetProperty("median");
            foreach (var side in new[] { "a", "b" })
            {
                Assert.Equal(1, ab.GetProperty(side).GetProperty("runs").GetArrayLength());
                Assert.True(Median(side).GetProperty("p99_ms").GetDouble() > 0, output);
                Assert.True(Median(side).GetProperty("peak_per_second").GetDouble() > 0, output);
                Assert.True(Median(side).GetProperty("cpu_ms").GetDouble() > 0, output);
            }
            // B ran without tiered compilation: its process had no tiered JIT thread to spend CPU.
            Assert.Equal(0, Median("b").GetProperty("tiered_jit_cpu_ms").GetDouble());
            double expected = Median("b").GetProperty("p99_ms").GetDouble() / Median("a").GetProperty("p99_ms").GetDouble();
            Assert.InRange(ab.GetProperty("p99_ratio").GetDouble(), expected - 0.001, expected + 0.001);
        }
        finally { Directory.Delete(data, true); }
    }
}
