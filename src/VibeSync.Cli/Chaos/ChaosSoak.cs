using VibeSync.Protocol.Blobs;
using System.Diagnostics;
using VibeSync.Cli.Benchmarks;
using VibeSync.Cli.Hosts;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Wal;

namespace VibeSync.Cli.Chaos;

/// <summary>What <c>vibesync chaos</c> was asked to do.</summary>
internal sealed record ChaosOptions(double Minutes, int Seed, string Directory, bool Keep, int Objects, int TmpfsMegabytes, int RssLimitMegabytes);

/// <summary>
/// One soak: builds the seed's project, starts serve, real headless Blender and the simulator,
/// plays the seed's plan of faults and work for the minutes asked while the monitor watches,
/// then lets everything settle, checks that all three roots are equal, and prints the summary.
/// </summary>
internal sealed class ChaosSoak
{
    private static readonly TimeSpan AttachPatience = TimeSpan.FromMinutes(3);
    private readonly ChaosOptions _options;
    private readonly ChaosReport _report;

    public ChaosSoak(ChaosOptions options, TextWriter output)
    {
        _options = options;
        _report = new ChaosReport(output);
    }

    private string ProjectDirectory => Path.Combine(_options.Directory, "project");
    private string DataDirectory => Path.Combine(_options.Directory, "data");

    /// <summary>Runs the soak; the exit code: 0 with no violation, 1 with any.</summary>
    public async Task<int> RunAsync(CancellationToken cancel)
    {
        string fingerprint = ChaosPlan.Fingerprint(_options.Seed);
        var machine = MachineInfo.Current();
        _report.Say($"vibesync chaos: seed {_options.Seed}, {_options.Minutes:0.##} min, plan {fingerprint}; {machine.Cpu}, {machine.Cores} cores, {machine.Os}");
        var scene = ChaosScene.Generate(_options.Seed, _options.Objects);
        var (blend, unityFile, emptyUnity) = await ProjectAsync(scene);
        var (disk, noDisk) = SmallDisk.Mount(DataDirectory, _options.TmpfsMegabytes);
        if (disk == null) { Directory.CreateDirectory(DataDirectory); _report.Say("full-disk fault off: " + noDisk); }
        else _report.Say($"serve's data directory {DataDirectory} is a {_options.TmpfsMegabytes} MiB tmpfs (the full-disk fault)");
        var header = new List<string>
        {
            $"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}",
            $"project: {scene.Scene.Objects.Count} objects, {scene.Scene.Materials.Count} materials, {scene.Scene.Meshes.Count} meshes; Unity started on {(emptyUnity ? "an empty scene" : "the same scene")}",
            disk == null ? $"full disk: skipped ({noDisk})" : $"full disk: a {disk.Megabytes} MiB tmpfs under serve's data directory",
        };
        await using var stage = new ChaosStage(DataDirectory, blend, unityFile, Path.Combine(_options.Directory, "logs"));
        var invariants = new Invariants(stage, scene, _report, (long)_options.RssLimitMegabytes << 20);
        Faults? faults = null;
        var monitor = new Monitor(stage, _report, invariants, (part, why) => faults!.RestartAsync(part, why));
        faults = new Faults(stage, scene, monitor, invariants, _report, disk, noDisk);
        using var stopMonitor = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var stopping = cancel.Register(() => stage.Stopping = true);
        Task watching = Task.CompletedTask;
        bool interrupted = false;
        try
        {
            await StartAsync(stage, faults, monitor, invariants, emptyUnity, cancel);
            await using var agent = await McpAgent.StartAsync(DataDirectory, cancel);
            var tools = await agent.ToolNamesAsync(cancel);
            _report.Say($"MCP: vibesync mcp --name {McpAgent.Name} lists {tools.Count} tools ({string.Join(", ", tools)})");
            var people = new People(stage, scene, invariants, _report, monitor, agent);
            watching = monitor.RunAsync(stopMonitor.Token);
            await PlayAsync(faults, people, invariants, monitor, cancel);
            await SettleAsync(stage, faults, people, invariants, monitor, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            interrupted = true;
            _report.Say("interrupted: stopping everything");
        }
        finally
        {
            // Each step on its own: whatever fails, the processes stop and the tmpfs is unmounted.
            stopMonitor.Cancel();
            stage.Stopping = true;
            await Quietly(() => watching);
            await Quietly(async () =>
            {
                if (await stage.StopAllAsync()) _report.Checked("serve stopped cleanly at the end");
                else _report.Observe("serve did not stop cleanly at the end (no clean-shutdown marker)");
            });
            if (!interrupted) await Quietly(() => AfterStopAsync(invariants));
            if (disk?.Unmount(_options.Keep) is { } unmountFailure) _report.Observe(unmountFailure);
        }
        header.Add($"serve memory: peak RSS {invariants.PeakRssBytes >> 20} MiB, bound {_options.RssLimitMegabytes} MiB");
        header.Add($"acknowledged FINAL intents tracked: {invariants.AckedCount}");
        // The scene depends on --objects, the full-disk fault on --tmpfs-mb: a replay needs them too.
        string replay = (_options.Objects != 300 ? $" --objects {_options.Objects}" : "") + (_options.TmpfsMegabytes != 256 ? $" --tmpfs-mb {_options.TmpfsMegabytes}" : "");
        _report.PrintSummary(_options.Seed, _options.Minutes, fingerprint, header, replay);
        if (_options.Keep) Console.Out.WriteLine($"kept: {_options.Directory} (vibesync wal show --data {DataDirectory})");
        else try { Directory.Delete(_options.Directory, recursive: true); } catch (IOException) { }
        return interrupted ? 130 : _report.Violations.Count == 0 ? 0 : 1;
    }

    private async Task Quietly(Func<Task> cleanup)
    {
        try { await cleanup(); }
        catch (Exception e) { _report.Observe($"cleaning up failed: {e.GetType().Name}: {e.Message}"); }
    }

    /// <summary>The seed's scene as a .blend (built by Blender with the add-on's builder) and as the Unity scene file.</summary>
    private async Task<(string Blend, string UnityFile, bool EmptyUnity)> ProjectAsync(ChaosScene scene)
    {
        Directory.CreateDirectory(ProjectDirectory);
        var json = Path.Combine(ProjectDirectory, "chaos.blender.json");
        var blend = Path.Combine(ProjectDirectory, "chaos.blend");
        var unity = Path.Combine(ProjectDirectory, "chaos.unity.json");
        BlobFolder.WriteScene(json, scene.Scene, Space.Blender, scene.Blobs); // Blender's builder reads the blobs beside it
        // One time in three the Unity side starts on a new, empty scene: the first pairing then fills it (issue 15's split-brain case).
        bool empty = new Random(_options.Seed ^ 0x0e3a7).Next(3) == 0;
        BlobFolder.WriteScene(unity, empty ? Scene.Empty : scene.Scene, Space.Unity, scene.Blobs);
        var clock = Stopwatch.StartNew();
        await BlenderInstall.BuildSceneAsync(json, blend);
        _report.Say($"Blender built {Path.GetFileName(blend)}: {scene.Scene.Objects.Count} objects in a hierarchy, {scene.Scene.Materials.Count} materials, {scene.Scene.Meshes.Count} meshes ({clock.Elapsed.TotalSeconds:F1} s)");
        return (blend, unity, empty);
    }

    /// <summary>serve, then both editors in the seed's order (one after the other, or together), until both are LIVE; then each human saves.</summary>
    private async Task StartAsync(ChaosStage stage, Faults faults, Monitor monitor, Invariants invariants, bool emptyUnity, CancellationToken cancel)
    {
        await faults.RestartAsync(ChaosStage.Serve, "to begin");
        var order = new Random(_options.Seed ^ 0x0a77ac4);
        int who = order.Next(3);
        var gap = TimeSpan.FromSeconds(2.5 * order.NextDouble());
        var (first, second) = who == 1 ? (ChaosStage.Unity, ChaosStage.Blender) : (ChaosStage.Blender, ChaosStage.Unity);
        _report.Say(who == 2 ? "Blender and Unity start together" : $"{first} starts, then {second} {gap.TotalSeconds:F1} s later");
        await faults.RestartAsync(first, "to begin");
        if (who != 2) await Task.Delay(gap);
        await faults.RestartAsync(second, "to begin");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < AttachPatience)
        {
            await monitor.OnceAsync();
            if (monitor.Status is { } s && StatusView.BothLive(s) && !StatusView.AnySyncing(s)) break;
            await Task.Delay(500, cancel);
        }
        if (monitor.Status is not { } status || !StatusView.BothLive(status))
            _report.Violated("attach", $"Blender and Unity are not both LIVE {AttachPatience.TotalMinutes:F0} min after they started: {(monitor.Status is { } st ? StatusView.Engines(st) : "serve does not answer")}");
        else _report.Say($"both LIVE after {clock.Elapsed.TotalSeconds:F1} s{(emptyUnity ? " (Unity paired from an empty scene)" : "")}");
        await invariants.CheckParityAsync("right after attach", requireBoth: false);
        stage.Step(ChaosStage.Blender, new Dictionary<string, object> { ["save"] = stage.BlendFile });
        stage.Step(ChaosStage.Unity, new Dictionary<string, object> { ["save"] = stage.UnityFile });
    }

    private async Task PlayAsync(Faults faults, People people, Invariants invariants, Monitor monitor, CancellationToken cancel)
    {
        var until = _report.Elapsed + TimeSpan.FromMinutes(_options.Minutes);
        var nextTally = _report.Elapsed + TimeSpan.FromSeconds(60);
        foreach (var step in new ChaosPlan(_options.Seed).Steps())
        {
            if (_report.Elapsed >= until) break;
            await Task.Delay(TimeSpan.FromSeconds(step.GapSeconds), cancel);
            _report.CurrentStep = step.Index;
            try
            {
                if (step.IsFault) await faults.RunAsync(step);
                else if (step.Kind == StepKind.Quiet) await QuietCheckAsync(invariants, monitor, $"quiet check at step #{step.Index}");
                else await people.RunAsync(step);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                _report.Observe($"a step failed to play ({step.Name}): {e.GetType().Name}: {e.Message}");
            }
            if (_report.Elapsed >= nextTally)
            {
                nextTally += TimeSpan.FromSeconds(60);
                _report.Say($"step #{step.Index}: {_report.Activity("human edits in Blender")} Blender edits, {_report.Activity("human edits in Unity")} Unity edits, " +
                            $"{invariants.AckedCount} FINAL acknowledged, {_report.Violations.Count} violation(s) so far");
            }
        }
    }

    /// <summary>Nothing is injected for a few seconds (AI intents already asked may still settle), then the invariants are checked.</summary>
    private async Task QuietCheckAsync(Invariants invariants, Monitor monitor, string when)
    {
        await Task.Delay(3000);
        for (int i = 0; i < 15 && await monitor.ReadStatusAsync() is { } s && StatusView.AnySyncing(s); i++) await Task.Delay(1000);
        int before = _report.Violations.Count;
        bool made = await invariants.CheckParityAsync(when, requireBoth: false);
        await invariants.CheckJournalAsync(when);
        string engines = monitor.Status is { } st ? StatusView.Engines(st) : "serve does not answer";
        _report.Say($"{when}: {engines}; parity {(made ? "checked" : "skipped (never quiet)")}; {invariants.AckedCount} acknowledged FINAL kept; " +
                    $"serve RSS peak {invariants.PeakRssBytes >> 20} MiB; {_report.Violations.Count - before} new violation(s)");
    }

    /// <summary>The end: faults finish, every part runs, pending intents are decided, and after a quiet period all three roots must be equal.</summary>
    private async Task SettleAsync(ChaosStage stage, Faults faults, People people, Invariants invariants, Monitor monitor, CancellationToken cancel)
    {
        _report.Say("soak time is up: nothing more is injected; settling");
        await faults.DrainAsync();
        foreach (var part in new[] { ChaosStage.Serve, ChaosStage.Blender, ChaosStage.Unity })
            if (!stage.Running(part)) await faults.RestartAsync(part, "for the end");
        await people.SettleAsync(TimeSpan.FromSeconds(60));
        var clock = Stopwatch.StartNew();
        for (int pass = 0; clock.Elapsed < AttachPatience; pass++)
        {
            await monitor.OnceAsync();
            if (monitor.Status is { } s && StatusView.BothLive(s) && !StatusView.AnySyncing(s) && StatusView.SafeMode(s) == null) break;
            if (pass % 10 == 9) await people.TendAsync(new Random(0), everything: true); // resume a stuck safe mode, lift a PANIC
            await Task.Delay(1000, cancel);
        }
        await monitor.DrainAsync();
        await Task.Delay(3000);
        await invariants.CheckParityAsync("at the end", requireBoth: true);
        await invariants.CheckJournalAsync("at the end");
        if (monitor.Status is { } last) _report.Say($"at the end: {StatusView.Engines(last)}; junk dropped by this serve: {StatusView.JunkDropped(last)}");
    }

    /// <summary>After serve's clean stop: the WAL verifies whole and still holds every acknowledged FINAL.</summary>
    private async Task AfterStopAsync(Invariants invariants)
    {
        var wal = Path.Combine(DataDirectory, "wal");
        if (!Directory.Exists(wal)) return;
        var scan = WriteAheadLog.Verify(wal);
        _report.Checked("wal verify");
        if (scan.Corruption is { } c) _report.Violated("WAL chain broken", $"after serve stopped: {c}");
        else if (scan.Torn is { } t) _report.Observe($"the WAL ends in a torn tail after a clean stop: {t.Reason}");
        await invariants.CheckJournalAsync("after serve stopped");
    }
}
