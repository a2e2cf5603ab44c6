using System.Diagnostics;
using System.Text.RegularExpressions;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// `vibesync chaos`, as CI runs it: a three-minute soak with a fixed seed of serve, real headless
/// Blender and the simulator under every fault it knows, its invariants checked from outside.
/// </summary>
public sealed class ChaosTests
{
    /// <summary>Deals every fault kind within three minutes (replay it: vibesync chaos --minutes 3 --seed 1).</summary>
    private const string Seed = "1";

    private static readonly string[] Faults =
    {
        "kill -9 serve", "kill -9 Blender", "kill -9 simulator", "domain reload", "Blender undo", "Blender file reload",
        "junk: random bytes", "junk: bad-MAC frames", "junk: half-open connections", "full disk",
    };

    [Fact]
    public async Task a_three_minute_soak_survives_every_fault_and_breaks_no_invariant()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vibesync-chaos-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output) = await SoakAsync(TimeSpan.FromMinutes(15), "chaos", "--minutes", "3", "--seed", Seed, "--data", dir);
            Assert.True(code == 0 && output.Contains("\nviolations = 0\n"), output);
            foreach (var fault in Faults)
            {
                var line = FaultLine(fault).Match(output);
                Assert.True(line.Success, $"no line for {fault}:\n{output}");
                int injected = int.Parse(line.Groups["injected"].Value), survived = int.Parse(line.Groups["survived"].Value);
                if (fault == "full disk" && !Environment.IsPrivilegedProcess) continue; // needs root to mount its tmpfs; CI runs as root
                Assert.True(injected >= 1 && survived == injected, $"{fault}: injected {injected}, survived {survived}\n{output}");
            }
            foreach (var check in new[] { "acknowledged FINAL still FINAL", "parity: LIVE engine root = Reality root", "echo: human intents attributed", "wal verify", "memory: serve RSS samples" })
                Assert.True(Count(check).Match(output) is { Success: true } m && int.Parse(m.Groups[1].Value) > 0, $"the check \"{check}\" was never made:\n{output}");
            Assert.False(Directory.Exists(dir), "without --keep the soak removes its directory");
        }
        finally
        {
            if (Directory.Exists(dir)) try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task the_same_seed_plays_the_same_schedule_and_another_seed_another()
    {
        var (a, first) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "chaos", "--seed", "42", "--print-plan", "200");
        var (b, again) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "chaos", "--seed", "42", "--print-plan", "200");
        var (c, other) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "chaos", "--seed", "43", "--print-plan", "200");
        Assert.True(a == 0 && b == 0 && c == 0, first + other);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(201, first.Trim().Split('\n').Length); // the fingerprint line, then one line per step
        Assert.Contains("kill -9 serve", first);
    }

    [Fact]
    public async Task a_directory_the_soak_did_not_make_is_refused_and_left_alone()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vibesync-not-chaos-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "precious.txt"), "mine");
        try
        {
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "chaos", "--minutes", "1", "--seed", "1", "--data", dir);
            Assert.Equal(2, code);
            Assert.Contains("was not made by `vibesync chaos`", output);
            Assert.True(File.Exists(Path.Combine(dir, "precious.txt")));
            var (bad, said) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "chaos", "--minutes", "0");
            Assert.Equal(2, bad);
            Assert.Contains("--minutes must be more than 0", said);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Runs the soak; on a timeout it is interrupted (so it stops its processes and unmounts its tmpfs) before the test fails.</summary>
    private static async Task<(int Code, string Output)> SoakAsync(TimeSpan timeout, params string[] args)
    {
        using var p = Parts.Start("dotnet", new[] { Parts.Cli }.Concat(args).ToArray());
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        try { await p.WaitForExitAsync().WaitAsync(timeout); }
        catch (TimeoutException)
        {
            using (var interrupt = Process.Start("kill", new[] { "-INT", p.Id.ToString() })) interrupt.WaitForExit();
            try { await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2)); }
            catch (TimeoutException) { p.Kill(entireProcessTree: true); }
            throw new Xunit.Sdk.XunitException($"the soak did not finish in {timeout.TotalMinutes:F0} min:\n{await output}{await errors}");
        }
        return (p.ExitCode, await output + await errors);
    }

    private static Regex FaultLine(string fault) => new($@"\n  {Regex.Escape(fault)}\s+(?<injected>\d+) /\s+(?<survived>\d+)");

    private static Regex Count(string check) => new($@"\n  {Regex.Escape(check)}\s+(\d+)\n");
}
