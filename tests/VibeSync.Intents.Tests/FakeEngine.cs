using VibeSync.Intents.Engines;
using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Tests;

/// <summary>
/// The in-memory engine with faults on demand: it fails, hangs, is busy, tampers with what it
/// applied, or drifts within ε.
/// </summary>
internal sealed class FakeEngine : IEnginePort
{
    private readonly InMemoryEngine _engine;

    public FakeEngine(string name, RealityScene initial) => _engine = new InMemoryEngine(name, initial);

    public string Name => _engine.Name;

    /// <summary>Whether the host counts it live (a host takes an engine that lost parity out of live).</summary>
    public bool Live { get; set; } = true;
    public bool IsLive => Live;
    public RealityScene State => _engine.State;
    public bool FailApply { get; set; }
    public bool Hang { get; set; }
    public int TransientFailures { get; set; }   // the next N applies fail transiently, changing nothing
    public int BusyFor { get; set; }             // the next N applies find the engine busy
    public double Tamper { get; set; }      // added to the first touched object's x after applying
    public Exception? Garbled { get; set; }  // the next apply's answer cannot be used: its port throws this (once)
    public int Applies => _engine.Applies;
    public int Rollbacks => _engine.Rollbacks;
    public int Finalized => _engine.Finalized;
    public int Reads => _engine.Reads;

    /// <summary>The next apply waits on this (once), so a test can act while an intent is in flight.</summary>
    public TaskCompletionSource? Gate { get; set; }
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Edit(Func<RealityScene, RealityScene> change) => _engine.Edit(change);

    public async Task<string> ApplyProvisionalAsync(ulong intentId, IReadOnlyList<Operation> operations)
    {
        ReportNow();
        if (HumanBeforeNextApply is { } human)
        {
            // The adapter reports its human's edit first (EDIT before APPLIED on its ordered link),
            // then applies over it and answers: the answer reaches the pipeline after the report.
            HumanBeforeNextApply = null;
            _engine.Edit(human.Edit);
            human.Report();
            await Task.Yield();
        }
        if (Gate is { } gate)
        {
            Gate = null;
            Entered.TrySetResult();
            await gate.Task;
        }
        if (Hang) return await new TaskCompletionSource<string>().Task;
        if (FailApply) throw new EngineFaultException($"{Name} refused to apply (simulated fault)");
        if (Garbled is { } garbled) { Garbled = null; throw garbled; }
        if (TransientFailures > 0) { TransientFailures--; throw new EngineTransientException($"{Name}: dropped frame (simulated)"); }
        if (BusyFor > 0) { BusyFor--; throw new EngineBusyException($"{Name} is compiling (simulated)"); }
        var token = await _engine.ApplyProvisionalAsync(intentId, operations);
        if (Tamper != 0 && operations.Count > 0 && _engine.State.Objects.ContainsKey(operations[0].Uuid))
            _engine.Edit(s => s with { Objects = s.Objects.SetItem(operations[0].Uuid, s.Objects[operations[0].Uuid] is var o
                ? o with { Translation = new Vector3d(o.Translation.X + Tamper, o.Translation.Y, o.Translation.Z) } : null!) });
        return token;
    }

    /// <summary>The next read answers (with what the engine holds when it was asked) only once this completes: an engine behind a slow link.</summary>
    public TaskCompletionSource? ReadGate { get; set; }
    public TaskCompletionSource ReadEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<Scene> ReadAsync(IReadOnlyCollection<string> uuids)
    {
        ReportNow();
        if (HumanBeforeNextRead is { } human)
        {
            HumanBeforeNextRead = null;
            _engine.Edit(human.Edit);
            _unreported = human.Report;
        }
        var answer = await _engine.ReadAsync(uuids); // read when asked, as a link adapter does in message order
        if (ReadGate is { } gate)
        {
            ReadGate = null;
            ReadEntered.TrySetResult();
            await gate.Task;
        }
        return ReadDistortion is { } distort ? distort(answer) : answer;
    }

    /// <summary>Changes every read answer: an engine that holds (or reports) something other than it was told.</summary>
    public Func<Scene, Scene>? ReadDistortion { get; set; }

    public Task FinalizeAsync(IReadOnlyList<ulong> intentIds)
    {
        ReportNow();
        return _engine.FinalizeAsync(intentIds);
    }

    public Task RollbackAsync(ulong intentId, string undoToken)
    {
        ReportNow();
        return _engine.RollbackAsync(intentId, undoToken);
    }

    /// <summary>A round trip that brings nothing but a report still owed (see <see cref="HumanBeforeNextRead"/>); no read is counted.</summary>
    public Task CatchUpAsync(IReadOnlyCollection<string> uuids)
    {
        ReportNow();
        return Task.CompletedTask;
    }

    /// <summary>
    /// A human's edit made in this engine just before the next APPLY reaches it, and reported before
    /// that APPLY is answered (what the adapters do: the edit goes out first, then the APPLY lands over it).
    /// </summary>
    public (Func<RealityScene, RealityScene> Edit, Action Report)? HumanBeforeNextApply { get; set; }

    /// <summary>
    /// A human's edit made in this engine just before the next read is answered, and reported only
    /// after that answer — before the engine's next answer of any kind, as over an ordered link.
    /// What Blender's main loop does: it answers queued requests, then its change detector runs.
    /// </summary>
    public (Func<RealityScene, RealityScene> Edit, Action Report)? HumanBeforeNextRead { get; set; }
    private Action? _unreported;

    private void ReportNow()
    {
        var report = _unreported;
        _unreported = null;
        report?.Invoke();
    }
}
