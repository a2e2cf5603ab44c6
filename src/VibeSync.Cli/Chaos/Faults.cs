using System.Text.Json;
using System.Text.Json.Nodes;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Cli.Chaos;

/// <summary>
/// Injects the soak's faults and says what surviving each means (handed to the <see cref="Monitor"/>):
/// the part it hit is LIVE again on a new link session, serve answers, nothing acknowledged is lost.
/// </summary>
internal sealed class Faults
{
    private readonly ChaosStage _stage;
    private readonly ChaosScene _scene;
    private readonly Monitor _monitor;
    private readonly Invariants _invariants;
    private readonly ChaosReport _report;
    private readonly SmallDisk? _disk;
    private readonly string? _noDisk;
    private readonly SemaphoreSlim _restarting = new(1, 1);
    private readonly List<Task> _background = new();
    private DateTime _diskFreedAt = DateTime.MinValue;

    public Faults(ChaosStage stage, ChaosScene scene, Monitor monitor, Invariants invariants, ChaosReport report, SmallDisk? disk, string? noDisk)
    {
        _stage = stage;
        _scene = scene;
        _monitor = monitor;
        _invariants = invariants;
        _report = report;
        _disk = disk;
        _noDisk = noDisk;
        // serve may fail-stop while its disk is full, and in the moments after (it finds out on its next write).
        monitor.ServeMayStop = () => _disk is { IsFull: true } || DateTime.UtcNow - _diskFreedAt < TimeSpan.FromSeconds(15);
    }

    public async Task RunAsync(ChaosStep step)
    {
        var r = new Random(step.Seed);
        string name = step.Name;
        switch (step.Kind)
        {
            case StepKind.KillServe: await KillServeAsync(name, r); break;
            case StepKind.KillBlender: await KillEngineAsync(name, ChaosStage.Blender, r); break;
            case StepKind.KillSim: await KillEngineAsync(name, ChaosStage.Unity, r); break;
            case StepKind.DomainReload:
                await InEngineAsync(name, ChaosStage.Unity, new Dictionary<string, object> { ["fault"] = "domain_reload" }, "reloaded");
                break;
            case StepKind.BlenderUndo:
                if (await InEngineAsync("Blender undo", ChaosStage.Blender, new Dictionary<string, object> { ["undo"] = true }, "edit_played") && r.Next(2) == 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(0.2 + 1.8 * r.NextDouble()));
                    await InEngineAsync("Blender redo", ChaosStage.Blender, new Dictionary<string, object> { ["redo"] = true }, "edit_played");
                }
                break;
            case StepKind.BlenderReload:
                await InEngineAsync(name, ChaosStage.Blender, new Dictionary<string, object> { ["reload"] = true }, "edit_played");
                break;
            case StepKind.JunkBytes:
            case StepKind.JunkBadMac:
            case StepKind.JunkHalfOpen:
                await JunkAsync(step.Kind, name, r);
                break;
            case StepKind.FullDisk: FullDisk(name, r); break;
        }
    }

    // ---- kill -9 and restart ----

    private async Task KillServeAsync(string name, Random r)
    {
        if (!_stage.Running(ChaosStage.Serve) || _stage.PidOf(ChaosStage.Serve) is not { } before) { _report.Skipped(name); return; }
        _stage.Kill(ChaosStage.Serve);
        _report.Injected(name);
        _report.Say($"#{_report.CurrentStep} {name} (pid {before})");
        await Task.Delay(TimeSpan.FromSeconds(3 * r.NextDouble()));
        await RestartAsync(ChaosStage.Serve, "after kill -9");
        _monitor.Expect(name, s => StatusView.Pid(s) != before && StatusView.BothLive(s));
    }

    private async Task KillEngineAsync(string name, string engine, Random r)
    {
        if (!_stage.Running(engine)) { _report.Skipped(name); return; }
        string? before = await SessionAsync(engine);
        int? pid = _stage.PidOf(engine);
        _stage.Kill(engine);
        _report.Injected(name);
        _report.Say($"#{_report.CurrentStep} {name} (pid {pid})");
        await Task.Delay(TimeSpan.FromSeconds(3 * r.NextDouble()));
        await RestartAsync(engine, "after kill -9");
        _monitor.Expect(name, s => NewSessionLive(s, engine, before));
    }

    /// <summary>Starts a part that is down (killed, crashed, fail-stopped); serve waits for a full disk to be freed.</summary>
    public async Task RestartAsync(string part, string why)
    {
        await _restarting.WaitAsync();
        try
        {
            if (_stage.Running(part) || _stage.Stopping) return;
            if (part == ChaosStage.Blender) { await _stage.StartBlenderAsync(); return; }
            if (part == ChaosStage.Unity) { await _stage.StartUnityAsync(); return; }
            for (int attempt = 1; ; attempt++)
            {
                var (started, failure) = await _stage.StartServeAsync(TimeSpan.FromSeconds(60));
                if (started)
                {
                    _report.Say($"serve restarted {why} (pid {_stage.PidOf(ChaosStage.Serve)})");
                    await _invariants.CheckJournalAsync($"after serve restarted {why}");
                    return;
                }
                if (_disk is { IsFull: true })
                {
                    _report.Observe($"serve refused to start while its disk was full: {Short(failure)}");
                    while (_disk.IsFull) await Task.Delay(500);
                    continue;
                }
                if (attempt >= 5)
                {
                    _report.Violated("serve does not restart", $"{why}: {attempt} attempts; the last: {Short(failure)}");
                    return;
                }
                _report.Observe($"serve failed to start ({Short(failure)}); trying again");
                await Task.Delay(2000);
            }
        }
        finally { _restarting.Release(); }
    }

    // ---- in the engines: domain reload, undo, redo, revert ----

    /// <summary>Plays a fault step in an engine and waits for it to say it did (or could not: nothing to undo).</summary>
    private async Task<bool> InEngineAsync(string name, string engine, Dictionary<string, object> step, string doneEvent)
    {
        if (!_stage.Running(engine)) { _report.Skipped(name); return false; }
        string? before = await SessionAsync(engine);
        int mark = _stage.EventCount(engine);
        if (!_stage.Step(engine, step)) { _report.Skipped(name); return false; }
        for (int i = 0; i < 50; i++)
        {
            await Task.Delay(100);
            foreach (var e in _stage.EventsAfter(engine, mark))
            {
                string? ev = e.TryGetProperty("event", out var v) ? v.GetString() : null;
                if (ev == "error")
                {
                    _report.Skipped(name);
                    _report.Observe($"{name}: the engine could not ({e.GetProperty("message").GetString()})");
                    return false;
                }
                if (ev != doneEvent) continue;
                _report.Injected(name);
                if (engine == ChaosStage.Blender) _invariants.BlenderRebound();
                _report.Say($"#{_report.CurrentStep} {name}");
                _monitor.Expect(name, s => NewSessionLive(s, engine, before));
                return true;
            }
        }
        _report.Skipped(name);
        _report.Observe($"{name}: the engine did not play it within 5 s");
        return false;
    }

    // ---- strangers on the link port ----

    private async Task JunkAsync(StepKind kind, string name, Random r)
    {
        ServerInfo? info = null;
        try { info = _stage.Running(ChaosStage.Serve) ? ServerInfo.Read(_stage.Data) : null; } catch (InvalidDataException) { }
        if (info == null) { _report.Skipped(name); return; }
        int pid = info.Pid;
        var hold = TimeSpan.FromSeconds(2 + 6 * r.NextDouble());
        _report.Injected(name);
        if (kind == StepKind.JunkHalfOpen)
        {
            // Held while the soak goes on: the honest adapters must not notice.
            Background(async () => _report.Count("junk connections", await JunkConnections.HalfOpenAsync(info.LinkPort, r, hold)));
            _monitor.Expect(name, s => StatusView.Pid(s) == pid && StatusView.BothLive(s), hold + TimeSpan.FromSeconds(1));
        }
        else
        {
            int n = kind == StepKind.JunkBytes ? await JunkConnections.RandomBytesAsync(info.LinkPort, r) : await JunkConnections.BadMacFramesAsync(info.LinkPort, r);
            _report.Count("junk connections", n);
            _monitor.Expect(name, s => StatusView.Pid(s) == pid && StatusView.BothLive(s));
        }
        _report.Say($"#{_report.CurrentStep} {name}");
    }

    // ---- a full disk under serve ----

    private void FullDisk(string name, Random r)
    {
        if (_disk == null)
        {
            _report.Skipped(name);
            _report.Observe("the full-disk fault is skipped: " + _noDisk);
            return;
        }
        if (_disk.IsFull) { _report.Skipped(name); return; }
        long filled = _disk.Fill();
        _report.Injected(name);
        var hold = TimeSpan.FromSeconds(5 + 15 * r.NextDouble());
        _report.Say($"#{_report.CurrentStep} {name}: the {_disk.Megabytes} MiB tmpfs under serve's data directory is full ({filled >> 20} MiB of filler), held {hold.TotalSeconds:F0} s");
        Background(async () =>
        {
            await Task.Delay(hold);
            _disk.Free();
            _diskFreedAt = DateTime.UtcNow;
            _report.Say("the disk is free again");
            await AfterFullDiskAsync();
            _monitor.Expect(name, StatusView.BothLive);
        });
    }

    /// <summary>
    /// A WAL that failed a write stays failed (fail-stop) until serve restarts: the human notices
    /// that a harmless intent is refused, and restarts serve, which must come back with every
    /// acknowledged FINAL.
    /// </summary>
    private async Task AfterFullDiskAsync()
    {
        if (!_stage.Running(ChaosStage.Serve)) { await RestartAsync(ChaosStage.Serve, "after it stopped on the full disk"); return; }
        var shared = _scene.ObjectsOf(Owner.Shared)[0];
        string? failure = null;
        try
        {
            var reality = await _stage.Api.StateAsync("reality");
            var now = reality.Objects.FirstOrDefault(o => o.Uuid == shared.Uuid) ?? shared;
            var body = new JsonObject
            {
                ["operations"] = new JsonArray(new JsonObject { ["op"] = "set_visibility", ["uuid"] = shared.Uuid, ["visible"] = now.Visible }),
                ["rationale"] = "chaos: does serve still write its journal after the full disk?",
            }.ToJsonString();
            var answer = await _stage.Api.PostAsync("/v1/intents?actor=human:cli&wait=settled", body);
            if (answer.GetProperty("phase").GetString() == "FINAL") _invariants.Acknowledged(answer.GetProperty("intent").GetUInt64(), "human:cli", "submit --wait");
        }
        catch (ControlApiException e) when (e.Status >= 500) { failure = $"{e.Status} {e.Body}"; }
        catch (Exception e) when (e is ControlApiException or HttpRequestException or IOException or TaskCanceledException) { return; }
        if (failure == null) return;
        var walLines = _stage[ChaosStage.Serve]?.Lines.Where(l => l.Contains("write-ahead log", StringComparison.OrdinalIgnoreCase) || l.Contains("pipeline stopped")).TakeLast(2) ?? Enumerable.Empty<string>();
        _report.Observe($"after the full disk serve refused intents until restarted (fail-stop): {Short(failure)} {Short(string.Join(" | ", walLines))}");
        await _stage[ChaosStage.Serve]!.StopAsync(TimeSpan.FromSeconds(30));
        await RestartAsync(ChaosStage.Serve, "after it fail-stopped on the full disk");
    }

    /// <summary>At the end: background faults finish (held junk closes, the disk is freed).</summary>
    public async Task DrainAsync()
    {
        Task[] all;
        lock (_background) all = _background.ToArray();
        await Task.WhenAll(all);
    }

    private void Background(Func<Task> work)
    {
        var task = Task.Run(async () =>
        {
            try { await work(); }
            catch (Exception e) { _report.Observe($"a background fault task failed: {e.GetType().Name}: {e.Message}"); }
        });
        lock (_background)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }

    /// <summary>The engine's link session now: a fault is survived on a newer one.</summary>
    private async Task<string?> SessionAsync(string engine) => await _monitor.ReadStatusAsync() is { } s ? StatusView.SessionId(s, engine) : null;

    private static bool NewSessionLive(JsonElement status, string engine, string? before) =>
        StatusView.SessionId(status, engine) is { } id && id != before && StatusView.Phase(status, engine) == "live";

    private static string Short(string? text) => text == null ? "" : text.Length <= 300 ? text : text[..300] + "…";
}
