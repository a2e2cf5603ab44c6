using System.Text.Json;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Cli.Chaos;

/// <summary>
/// Watches the stage once a second while the plan plays: reads status, decides when each injected
/// fault has been survived (the part it hit is LIVE again on a new session), samples serve's
/// memory, and notices a process that died on its own (a crash: a violation, then a restart).
/// </summary>
internal sealed class Monitor
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private sealed record Recovery(string Fault, int Step, DateTime InjectedAt, DateTime NotBefore, Func<JsonElement, bool> Done);

    private readonly ChaosStage _stage;
    private readonly ChaosReport _report;
    private readonly Invariants _invariants;
    private readonly Func<string, string, Task> _restart;
    private readonly List<Recovery> _open = new();
    private JsonElement? _status;

    /// <summary>Watches <paramref name="stage"/>; <paramref name="restart"/> starts a part again after it died on its own: (part, why).</summary>
    public Monitor(ChaosStage stage, ChaosReport report, Invariants invariants, Func<string, string, Task> restart)
    {
        _stage = stage;
        _report = report;
        _invariants = invariants;
        _restart = restart;
    }

    /// <summary>The newest status read, if serve answered lately.</summary>
    public JsonElement? Status { get { lock (_open) return _status; } }

    public DateTime? SafeModeSince { get; private set; }
    public DateTime? PanicSince { get; private set; }

    /// <summary>While set, a serve that stops on its own is not a crash (it may fail-stop on a full disk).</summary>
    public Func<bool> ServeMayStop { get; set; } = () => false;

    public int Open { get { lock (_open) return _open.Count; } }

    /// <summary>A fault was injected: it is survived once <paramref name="done"/> holds for a status read at least <paramref name="settle"/> later.</summary>
    public void Expect(string fault, Func<JsonElement, bool> done, TimeSpan? settle = null)
    {
        var now = DateTime.UtcNow;
        lock (_open) _open.Add(new Recovery(fault, _report.CurrentStep, now, now + (settle ?? TimeSpan.FromSeconds(1)), done));
    }

    /// <summary>Reads status now (null when serve does not answer).</summary>
    public async Task<JsonElement?> ReadStatusAsync()
    {
        if (!_stage.Running(ChaosStage.Serve)) return null;
        try
        {
            var s = await _stage.Api.StatusAsync().WaitAsync(TimeSpan.FromSeconds(15));
            lock (_open) _status = s;
            return s;
        }
        catch (Exception e) when (e is ControlApiException or HttpRequestException or IOException or TaskCanceledException or TimeoutException or InvalidDataException) { return null; }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        int tick = 0;
        while (!stop.IsCancellationRequested)
        {
            try { await Task.Delay(1000, stop); } catch (OperationCanceledException) { break; }
            await OnceAsync(tick++ % 2 == 0);
        }
    }

    /// <summary>One pass; also called by the settling phase at the end.</summary>
    public async Task OnceAsync(bool sampleMemory = true)
    {
        if (await _stage.ReapUnexpectedAsync() is { } died)
        {
            if (died.Part == ChaosStage.Serve && ServeMayStop())
                _report.Observe($"serve stopped on its own while its disk was full (fail-stop): {Trim(died.Tail)}");
            else
                _report.Violated($"crash: {died.Part}", $"{died.Part} exited on its own: {Trim(died.Tail)}");
            await _restart(died.Part, "it died on its own");
        }
        if (sampleMemory) _invariants.SampleMemory();
        var status = await ReadStatusAsync();
        var now = DateTime.UtcNow;
        if (status is { } s)
        {
            SafeModeSince = StatusView.SafeMode(s) == null ? null : SafeModeSince ?? now;
            PanicSince = StatusView.Panics(s).Count == 0 ? null : PanicSince ?? now;
        }
        List<Recovery> done, late;
        lock (_open)
        {
            done = status is { } st ? _open.Where(r => now >= r.NotBefore && r.Done(st)).ToList() : new List<Recovery>();
            late = _open.Where(r => !done.Contains(r) && now - r.InjectedAt > Patience).ToList();
            _open.RemoveAll(r => done.Contains(r) || late.Contains(r));
        }
        foreach (var r in done) _report.Survived(r.Fault);
        foreach (var r in late)
            _report.Violated("not recovered", $"{r.Fault} (step #{r.Step}) injected {(now - r.InjectedAt).TotalSeconds:F0} s ago: the parts it hit are not LIVE again: " + Evidence(status));
    }

    private static string Evidence(JsonElement? status) => status is not { } s ? "serve does not answer" :
        StatusView.Engines(s) + (StatusView.SafeMode(s) is { } safe ? $"; safe mode: {safe}" : "") + (StatusView.Panics(s) is { Count: > 0 } p ? $"; PANIC {string.Join(", ", p)}" : "");

    /// <summary>At the end: waits (up to the patience) for every open recovery to resolve, one way or the other.</summary>
    public async Task DrainAsync()
    {
        while (Open > 0)
        {
            await OnceAsync();
            await Task.Delay(1000);
        }
    }

    private static string Trim(string text) => text.Length <= 600 ? text : text[^600..];
}
