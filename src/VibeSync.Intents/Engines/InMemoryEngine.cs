using VibeSync.Intents.Batching;
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Engines;

/// <summary>
/// An engine held in memory behind <see cref="IEnginePort"/>: it applies operations by the same
/// rules as Reality and stores values as float32 the way Blender and Unity do, with undo tokens
/// that restore exactly. For the pipeline's benchmark and tests; it is not an editor.
/// Called from the pipeline's spine only, one call at a time.
/// </summary>
public sealed class InMemoryEngine : IEnginePort
{
    private static readonly Actor Applier = new(ActorKind.Orchestrator, "apply");
    private static readonly IReadOnlyDictionary<string, string> NoBasedOn = new Dictionary<string, string>(); // read only, so one serves every apply
    private readonly Dictionary<string, Prior> _undo = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, string> _tokenOf = new(); // an intent's first token: most are applied in one step
    private readonly Dictionary<ulong, List<string>> _moreTokensOf = new(); // the tokens of its later steps (coalescing), when there are any
    private long _applySequence;

    /// <summary>An undo token's content: the prior records of what the operations could change, like a real engine's undo step.</summary>
    // A struct: held in the dictionary's entry, not an object per apply. It keeps the records the
    // apply could change, not the whole prior scene: a scene kept per apply until FINAL held every
    // replaced tree path alive across GCs (survivors promoted, longer pauses; issue #20).
    private readonly record struct Prior(PriorRecords[] Records);

    /// <summary>What one uuid was before an apply, in every table <see cref="Restore"/> puts back.</summary>
    private readonly record struct PriorRecords(string Uuid, SceneObject? Object, Material? Material, Mesh? Mesh, Image? Image, bool Tombstoned, string? Asset)
    {
        public static PriorRecords Of(RealityScene s, string u) => new(u, s.Objects.GetValueOrDefault(u), s.Materials.GetValueOrDefault(u),
            s.Meshes.GetValueOrDefault(u), s.Images.GetValueOrDefault(u), s.Tombstones.Contains(u), s.Assets.GetValueOrDefault(u));
    }

    /// <summary>An engine holding <paramref name="initial"/>.</summary>
    public InMemoryEngine(string name, RealityScene initial)
    {
        Name = name;
        State = Store(initial);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>What the engine holds now, provisional changes included.</summary>
    public RealityScene State { get; private set; }

    /// <summary>Applies made.</summary>
    public int Applies { get; private set; }

    /// <summary>Reads answered (one per engine per batch verification).</summary>
    public int Reads { get; private set; }

    /// <summary>Rollbacks made.</summary>
    public int Rollbacks { get; private set; }

    /// <summary>Intents finalized.</summary>
    public int Finalized { get; private set; }

    /// <inheritdoc />
    /// <remarks>Nothing to catch up with: it reports no edits of its own.</remarks>
    public Task CatchUpAsync(IReadOnlyCollection<string> uuids) => Task.CompletedTask;

    /// <summary>Changes the scene outside the pipeline (what a person or a bug in the engine would do).</summary>
    public void Edit(Func<RealityScene, RealityScene> change) => State = Store(change(State));

    /// <inheritdoc />
    public Task<string> ApplyProvisionalAsync(ulong intentId, IReadOnlyList<Operation> operations)
    {
        var token = $"undo-{Name}-{intentId}-{++_applySequence}"; // an intent may be applied in several steps (coalescing)
        string[] footprint;
        RealityScene next;
        if (OnlyTransformsOrVisibility(operations))
        {
            // The applier sees everything and names no based_on: the operations alone, no request around them.
            next = IntentValidator.Apply(State, operations, EngineStorage.RoundToFloat32);
            footprint = Footprint.Of(State, operations);
        }
        else
        {
            var request = new IntentRequest(operations, NoBasedOn, null);
            next = StoreOnly(IntentValidator.Apply(State, request, Applier), footprint = Footprint.Of(State, request));
        }
        var prior = new PriorRecords[footprint.Length];
        for (int i = 0; i < prior.Length; i++) prior[i] = PriorRecords.Of(State, footprint[i]);
        _undo[token] = new Prior(prior);
        if (!_tokenOf.TryAdd(intentId, token))
        {
            if (_moreTokensOf.TryGetValue(intentId, out var more)) more.Add(token);
            else _moreTokensOf[intentId] = new List<string> { token };
        }
        State = next;
        Applies++;
        return Task.FromResult(token);
    }

    /// <inheritdoc />
    public Task<Scene> ReadAsync(IReadOnlyCollection<string> uuids)
    {
        Reads++;
        return Task.FromResult(State.Records(uuids));
    }

    /// <inheritdoc />
    public Task FinalizeAsync(IReadOnlyList<ulong> intentIds)
    {
        foreach (var intentId in intentIds)
        {
            if (_tokenOf.Remove(intentId, out var token)) _undo.Remove(token);
            if (_moreTokensOf.Remove(intentId, out var more))
                foreach (var t in more) _undo.Remove(t);
            Finalized++;
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RollbackAsync(ulong intentId, string undoToken)
    {
        if (!_undo.Remove(undoToken, out var prior)) throw new EngineFaultException($"{Name} has no undo token {undoToken}");
        State = Restore(State, prior);
        Rollbacks++;
        return Task.CompletedTask;
    }

    /// <summary>
    /// True when storing the operations' objects as they are put is exactly storing the result
    /// afterwards (<see cref="StoreOnly"/>), so each changed object is written once, not twice (the
    /// cosmetic drag, issue #20): set_transform and set_visibility change only objects, through
    /// the validator's put, and check no real, so rounding an object as it is put changes nothing
    /// a later operation checks; rounding is per field and idempotent, so rounding after each
    /// operation gives what rounding after the last does.
    /// </summary>
    private static bool OnlyTransformsOrVisibility(IReadOnlyList<Operation> operations)
    {
        for (int i = 0; i < operations.Count; i++)
            if (operations[i] is not (SetTransform or SetVisibility)) return false;
        return true;
    }

    /// <summary>Puts back the prior records of the token's uuids only; everything else stays as it is now.</summary>
    private static RealityScene Restore(RealityScene now, Prior prior)
    {
        var s = now;
        foreach (var (u, o, m, mesh, image, tombstoned, a) in prior.Records)
        {
            s = s with
            {
                Objects = o != null ? s.Objects.SetItem(u, o) : s.Objects.Remove(u),
                Materials = m != null ? s.Materials.SetItem(u, m) : s.Materials.Remove(u),
                Meshes = mesh != null ? s.Meshes.SetItem(u, mesh) : s.Meshes.Remove(u),
                Images = image != null ? s.Images.SetItem(u, image) : s.Images.Remove(u),
                Tombstones = tombstoned ? s.Tombstones.Add(u) : s.Tombstones.Remove(u),
                Assets = a != null ? s.Assets.SetItem(u, a) : s.Assets.Remove(u),
            };
        }
        return s;
    }

    /// <summary>Stores as float32 only the records an operation can have changed (the rest already are).</summary>
    private static RealityScene StoreOnly(RealityScene s, IReadOnlyCollection<string> changed)
    {
        var stored = EngineStorage.RoundToFloat32(s.Records(changed));
        return s with
        {
            Objects = s.Objects.SetItems(stored.Objects.Select(o => KeyValuePair.Create(o.Uuid, o))),
            Materials = s.Materials.SetItems(stored.Materials.Select(m => KeyValuePair.Create(m.Uuid, m))),
            Meshes = s.Meshes.SetItems(stored.Meshes.Select(m => KeyValuePair.Create(m.Uuid, m))),
            Images = s.Images.SetItems(stored.Images.Select(i => KeyValuePair.Create(i.Uuid, i))),
        };
    }

    private static RealityScene Store(RealityScene s) =>
        RealityScene.From(EngineStorage.RoundToFloat32(s.ToScene())) with { Tombstones = s.Tombstones, Assets = s.Assets };
}
