using System.Diagnostics;
using Xunit.Abstractions;

namespace VibeSync.Wal.Tests;

/// <summary>
/// `vibesync wal stress` in a child process, killed with SIGKILL at random moments; after each
/// kill the reopened log must hold every append acknowledged before it, and its chains verify.
/// VIBESYNC_LONG=1 runs ten times as many kills.
/// </summary>
public sealed class CrashHarnessTests
{
    private readonly ITestOutputHelper _output;

    public CrashHarnessTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void no_acknowledged_append_is_lost_across_fifty_kill_9s()
    {
        int kills = Environment.GetEnvironmentVariable("VIBESYNC_LONG") == "1" ? 500 : 50;
        using var dir = new TempLog();
        var random = new Random(20261122);
        var acked = new HashSet<ulong>();
        int truncatedTails = 0;
        for (int k = 0; k < kills; k++)
        {
            var (ids, exited) = RunAndKill(dir.Path, TimeSpan.FromMilliseconds(random.Next(150, 600)));
            acked.UnionWith(ids);
            Assert.False(exited, "the stress run ended before it was killed; lengthen --seconds");

            var records = WriteAheadLog.ReadAll(dir.Path, out var scan);
            Assert.True(scan.Corruption is null, $"kill {k + 1}: {scan.Corruption}");
            if (scan.Torn != null) truncatedTails++;
            var present = records.Select(r => r.Entry.IntentId).ToHashSet();
            var lost = acked.Where(id => !present.Contains(id)).Take(5).ToList();
            Assert.True(lost.Count == 0, $"kill {k + 1}: acknowledged intents missing: {string.Join(", ", lost)}");
        }
        using var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 256 * 1024 });
        _output.WriteLine($"{kills} kills, {acked.Count} acknowledged appends, {log.Recovery.Records} records in {log.Recovery.Segments} segments, {truncatedTails} torn tails seen");
        Assert.True(acked.Count > kills, "too few appends were acknowledged to mean anything");
        Assert.True(log.Recovery.Segments > 1, "the run never rolled a segment");
    }

    private static (List<ulong> ids, bool exited) RunAndKill(string dir, TimeSpan after)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "vibesync.dll"), "wal", "stress", dir,
                     "--seconds", "60", "--concurrency", "16", "--segment-size", (256 * 1024).ToString() })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // Wait until it appends (start-up time varies), then let it run a random while.
        var started = Stopwatch.StartNew();
        bool exited = p.WaitForExit((int)after.TotalMilliseconds + 400);
        if (!exited) p.Kill(); // SIGKILL on Unix
        p.WaitForExit();
        var ids = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("acked ", StringComparison.Ordinal))
            .Select(l => ulong.Parse(l.AsSpan(6)))
            .ToList();
        if (exited && p.ExitCode != 0) throw new InvalidOperationException($"wal stress failed: {stderr.Result}");
        return (ids, exited);
    }
}
