using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Tests;

/// <summary>
/// An in-memory engine behind the port: applies operations with the same rules as Reality, stores
/// float32 like a real engine, and misbehaves on demand (fails, hangs, tampers, drifts within ε).
/// </summary>
internal sealed class FakeEngine : IEnginePort
{
    private readonly Dictionary<string, RealityScene> _undo = new();

    public FakeEngine(string name, RealityScene initial) { Name = name; State = Store(initial); }

    public string Name { get; }
    public RealityScene State { get; private set; }
    public bool FailApply { get; set; }
    public bool Hang { get; set; }
    public int TransientFailures { get; set; }   // the next N applies fail transiently, changing nothing
    public int BusyFor { get; set; }             // the next N applies find the engine busy
    public double Tamper { get; set; }      // added to the first touched object's x after applying
    public int Applies { get; private set; }
    public int Rollbacks { get; private set; }
    public int Finalized { get; private set; }

    /// <summary>The next apply waits on this (once), so a test can act while an intent is in flight.</summary>
    public TaskCompletionSource? Gate { get; set; }
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<string> ApplyProvisionalAsync(ulong intentId, IReadOnlyList<Operations.Operation> operations)
    {
        if (Gate is { } gate)
        {
            Gate = null;
            Entered.TrySetResult();
            await gate.Task;
        }
        return await ApplyNowAsync(intentId, operations);
    }

    private Task<string> ApplyNowAsync(ulong intentId, IReadOnlyList<Operations.Operation> operations)
    {
        if (Hang) return new TaskCompletionSource<string>().Task;
        if (FailApply) throw new EngineFaultException($"{Name} refused to apply (simulated fault)");
        if (TransientFailures > 0) { TransientFailures--; throw new EngineTransientException($"{Name}: dropped frame (simulated)"); }
        if (BusyFor > 0) { BusyFor--; throw new EngineBusyException($"{Name} is compiling (simulated)"); }
        var token = $"undo-{Name}-{intentId}";
        _undo[token] = State;
        var next = Validation.IntentValidator.Apply(State, new Operations.IntentRequest(operations, new Dictionary<string, string>(), null),
            new Validation.Actor(Validation.ActorKind.Orchestrator, "apply"));
        if (Tamper != 0 && operations.Count > 0 && next.Objects.TryGetValue(operations[0].Uuid, out var o))
            next = next with { Objects = next.Objects.SetItem(o.Uuid, o with { Translation = new Vector3d(o.Translation.X + Tamper, o.Translation.Y, o.Translation.Z) }) };
        State = Store(next);
        Applies++;
        return Task.FromResult(token);
    }

    public Task<Scene> ReadAsync(IReadOnlyCollection<string> uuids)
    {
        var keep = uuids.ToHashSet();
        var s = State.ToScene();
        return Task.FromResult(new Scene(s.Objects.Where(o => keep.Contains(o.Uuid)).ToArray(),
            s.Materials.Where(m => keep.Contains(m.Uuid)).ToArray(), s.Meshes.Where(m => keep.Contains(m.Uuid)).ToArray()));
    }

    public Task FinalizeAsync(ulong intentId) { Finalized++; return Task.CompletedTask; }

    public Task RollbackAsync(ulong intentId, string undoToken)
    {
        State = _undo[undoToken];
        Rollbacks++;
        return Task.CompletedTask;
    }

    private static RealityScene Store(RealityScene s) =>
        RealityScene.From(EngineStorage.RoundToFloat32(s.ToScene())) with { Tombstones = s.Tombstones, Assets = s.Assets };
}
