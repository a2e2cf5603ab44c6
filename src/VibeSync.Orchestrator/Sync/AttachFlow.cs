// Design rationale (DESIGN §7, issue #8 Phases 0–2): an engine that attaches is never trusted to
// be right, and never simply overwritten either.
//   * The first engine ever to attach to a data directory seeds Reality (a FINAL entry and a
//     checkpoint), once: an empty scene is a seed too, and every later engine pairs. Attaches are
//     serialized by the caller, so two engines arriving together never both seed (issue #15).
//   * An engine attaching for the first time to a non-empty Reality is *paired*: what only it has
//     is adopted into Reality through a normal intent (applied in the other engines, verified),
//     and where both have a uuid with different state the configured source of truth wins.
//   * Every attach then resyncs the engine from Reality with typed operations, reads back what it
//     touched and compares roots. Only equal roots make it live; otherwise it is Blocked with the
//     reason, and nothing is applied in it. Brain over Limb: after a first pairing, what Reality
//     lacks is removed from the engine.
// The resync runs in the pipeline's exclusive section, so no intent is applied half-way through,
// and going live confirms the engine's parity with the pipeline there: an engine is live only
// while the pipeline knows it holds Reality (IntentPipeline.InParity).
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Operations;
using VibeSync.Intents.Resync;
using VibeSync.Link;
using VibeSync.Orchestrator.Project;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Protocol.Intents;

namespace VibeSync.Orchestrator.Sync;

/// <summary>Seeds, pairs and resyncs an engine when it reports its scene.</summary>
internal sealed class AttachFlow
{
    private static readonly Actor Pairing = new(ActorKind.Orchestrator, "pairing");
    private readonly IntentPipeline _pipeline;
    private readonly HashSet<string> _paired;
    private readonly string _sourceOfTruth;
    private readonly LinkLog _log;
    private readonly ProjectIdentity _project;

    public AttachFlow(IntentPipeline pipeline, HashSet<string> paired, string sourceOfTruth, LinkLog log, ProjectIdentity project)
    {
        _pipeline = pipeline;
        _paired = paired;
        _sourceOfTruth = sourceOfTruth;
        _log = log;
        _project = project;
    }

    public bool IsPaired(string engine) { lock (_paired) return _paired.Contains(engine); }

    /// <summary>A human's <c>pair --replace</c>: the engine's next attach is a first pairing again.</summary>
    public void Unpair(string engine) { lock (_paired) _paired.Remove(engine); }

    /// <summary>Told when an engine goes live.</summary>
    public Action<string> OnLive { get; init; } = _ => { };

    /// <summary>
    /// Runs the flow for the scene an engine just reported (or that was read from it after it lost
    /// parity); <paramref name="file"/> is its editor file, <paramref name="attachment"/> the
    /// engine's attach number then. The caller runs one flow at a time.
    /// </summary>
    public async Task RunAsync(SyncedEngine engine, Scene scene, string? file, int attachment)
    {
        try { await RunCoreAsync(engine, scene, file, attachment).ConfigureAwait(false); }
        catch (Exception e) when (e is EngineFaultException or TimeoutException or EngineBusyException or EngineTransientException or IntentRefusedException)
        {
            if (!engine.IsCurrent(attachment)) return;
            engine.Set(SyncPhase.Blocked, $"resync failed: {e.Message}; tried again shortly, and when {engine.Name} attaches again");
            _log.Write("blocked", "RESYNC_FAILED", engine.Name, null, engine.Reason!);
        }
    }

    private async Task RunCoreAsync(SyncedEngine engine, Scene scene, string? file, int attachment)
    {
        engine.Set(SyncPhase.Syncing, "attached: being brought to Reality");
        engine.AddKnown(Uuids(scene));
        string root = SceneHasher.RootHex(scene);

        if (await _pipeline.SeedAsync(scene, Pairing, engine.Name,
                $"Reality seeded from {engine.Name}'s scene: {scene.Objects.Count} objects, {scene.Materials.Count} materials, {scene.Meshes.Count} meshes, root {root}").ConfigureAwait(false))
        {
            lock (_paired) _paired.Add(engine.Name);
            _project.Paired(engine.Name, file);
            engine.Set(SyncPhase.Live, "seeded Reality", Array.Empty<string>(), root);
            _log.Write("live", null, engine.Name, null, $"Reality seeded from its scene; root {root}");
            OnLive(engine.Name);
            return;
        }

        bool first = !IsPaired(engine.Name);
        var adoptionUnreachable = new List<string>();
        if (first)
        {
            // What only this engine has (and its values where it is the source of truth) becomes
            // Reality through an intent from this engine, applied in the others and verified.
            var reality = await _pipeline.ExclusiveAsync(r => Task.FromResult(r.ToScene())).ConfigureAwait(false);
            var wanted = Adopted(reality, scene, engine.Name == _sourceOfTruth);
            var adopt = ResyncPlan.Between(reality, wanted, keepExtras: true);
            adoptionUnreachable.AddRange(adopt.Unreachable);
            if (adopt.Operations.Count > 0)
            {
                var request = new IntentRequest(adopt.Operations, new Dictionary<string, string>(),
                    $"first pairing of {engine.Name}: adopt what only it has" + (engine.Name == _sourceOfTruth ? " and its state (the configured source of truth)" : ""));
                var outcome = await _pipeline.SubmitAsync(request, Pairing, origin: engine.Name).ConfigureAwait(false);
                _log.Write("pairing", outcome.Phase == IntentPhase.Final ? null : PhaseNames.Name(outcome.Phase), engine.Name, null,
                    $"adoption intent {outcome.IntentId} ({adopt.Operations.Count} operation(s)): {PhaseNames.Name(outcome.Phase)}: {outcome.Reason}");
            }
        }
        if (!engine.IsCurrent(attachment)) return; // a newer attach took over
        // What the adapter says it cannot hold (over a limit, failed to read) is not asked of it. A
        // record it reports only in part (an area light's object, a material whose node graph it
        // cannot represent) is in its scene: it holds that record, so Reality's is asked of it.
        // Every record set counts (a sampled animation is reported LOSSY and is in the scene all the same).
        var reported = scene.Uuids().ToHashSet(StringComparer.Ordinal);
        var held = engine.State.NotSynced.Select(i => i.Uuid).OfType<string>().Where(u => !reported.Contains(u)).ToHashSet(StringComparer.Ordinal);

        var (plan, engineRoot, realityRoot) = await _pipeline.ExclusiveAsync(async reality =>
        {
            if (!engine.IsCurrent(attachment)) return (ResyncPlan.Between(scene, scene, true), "", ""); // detached meanwhile: leave it
            var target = Without(reality.ToScene(), held);
            var plan = ResyncPlan.Between(scene, target, keepExtras: first);
            var after = scene;
            if (plan.Operations.Count > 0)
            {
                await plan.ApplyAsync(engine).ConfigureAwait(false);
                var touched = plan.Operations.Select(o => o.Uuid).ToHashSet(StringComparer.Ordinal);
                foreach (var deleted in plan.Operations.OfType<DeleteObject>().Select(d => d.Uuid).ToList())
                    foreach (var d in Descendants(scene, deleted)) touched.Add(d);
                after = Merge(scene, await engine.ReadAsync(touched).ConfigureAwait(false), touched);
            }
            // What this engine can hold of Reality: converted to its space, stored as float32, read back.
            var expected = EngineStorage.StoredAs(target, EngineInstance.Parse(engine.Name).Space);
            string engineRoot = SceneHasher.RootHex(after), realityRoot = SceneHasher.RootHex(target);
            // Roots that differ count only once fields confirm it (DESIGN §3): a value on a quantization
            // tie after an inexact conversion (camera and light frames) hashes apart within ε.
            bool equal = engineRoot == realityRoot || engineRoot == SceneHasher.RootHex(expected) || FieldComparer.Differences(expected, after).Count == 0;
            // Decided inside the exclusive section: no intent may land between the check and going live.
            var unreachable = adoptionUnreachable.Concat(plan.Unreachable).Distinct().ToList();
            if (equal && unreachable.Count == 0)
            {
                _pipeline.ConfirmParity(engine.Name);
                engine.Set(SyncPhase.Live, (plan.Operations.Count == 0 ? "in parity on attach" : $"resynced with {plan.Operations.Count} operation(s)")
                    + (engineRoot == realityRoot ? "" : "; roots differ only by quantization ties, equal field by field within ε")
                    + (held.Count == 0 ? "" : $"; {held.Count} record(s) it reports as not synced are left as they are"), unreachable, engineRoot);
            }
            else
                engine.Set(SyncPhase.Blocked, unreachable.Count > 0
                    ? $"parity cannot be reached: {unreachable.Count} difference(s) no operation can mend (see unreachable)"
                    : first && plan.Extras.Count > 0
                        ? $"{plan.Extras.Count} object(s) only {engine.Name} has could not be adopted into Reality"
                        : $"ROOT_MISMATCH after resync: {engine.Name} {engineRoot}, Reality {realityRoot}", unreachable);
            return (plan, engineRoot, realityRoot);
        }).ConfigureAwait(false);

        if (realityRoot.Length == 0) return;
        if (engine.Phase == SyncPhase.Live)
        {
            if (first)
            {
                await _pipeline.NoteAsync(Pairing, engine.Name, $"first pairing of {engine.Name}" + (file is { Length: > 0 } ? $" with {file}" : "") + $": parity at root {realityRoot}").ConfigureAwait(false);
                lock (_paired) _paired.Add(engine.Name);
            }
            _project.Paired(engine.Name, file);
            _log.Write("live", null, engine.Name, null, $"{engine.Reason}; root {engineRoot} equals Reality's");
            OnLive(engine.Name);
        }
        else
        {
            _log.Write("blocked", "NO_PARITY", engine.Name, null, $"{engine.Reason}; {string.Join("; ", engine.State.Unreachable.Take(5))}");
        }
    }

    /// <summary>
    /// Reality plus what only the engine has, and, when it is the source of truth, its version of
    /// what both have. An adopted object or material whose name is taken gets Blender's next free
    /// ".001" name: Blender keeps names unique per kind of datablock and would rename it anyway,
    /// and then no engine could match the other (the other engine is renamed by its resync).
    /// </summary>
    private static Scene Adopted(Scene reality, Scene engine, bool engineWins)
    {
        var objectNames = reality.Objects.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var materialNames = reality.Materials.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var realityIds = AttachFlow.Uuids(reality).ToHashSet(StringComparer.Ordinal);
        engine = engine with
        {
            Objects = engine.Objects.Select(o => realityIds.Contains(o.Uuid) ? o : o with { Name = Free(o.Name, objectNames) }).ToArray(),
            Materials = engine.Materials.Select(m => realityIds.Contains(m.Uuid) ? m : m with { Name = Free(m.Name, materialNames) }).ToArray(),
        };

        static List<T> Merge<T>(IReadOnlyList<T> ours, IReadOnlyList<T> theirs, Func<T, string> key, bool theirsWin)
        {
            var byKey = theirs.ToDictionary(key, StringComparer.Ordinal);
            var merged = ours.Select(o => theirsWin && byKey.TryGetValue(key(o), out var t) ? t : o).ToList();
            var have = ours.Select(key).ToHashSet(StringComparer.Ordinal);
            merged.AddRange(theirs.Where(t => !have.Contains(key(t))));
            return merged;
        }
        return new Scene(Merge(reality.Objects, engine.Objects, o => o.Uuid, engineWins),
            Merge(reality.Materials, engine.Materials, m => m.Uuid, engineWins),
            Merge(reality.Meshes, engine.Meshes, m => m.Uuid, engineWins),
            Merge(reality.Images, engine.Images, i => i.Uuid, engineWins))
        {
            Skins = Merge(reality.Skins, engine.Skins, k => k.Uuid, engineWins),
            Animations = Merge(reality.Animations, engine.Animations, a => a.Uuid, engineWins),
        };
    }

    private static string Free(string name, HashSet<string> taken)
    {
        var free = name;
        for (int n = 1; taken.Contains(free); n++) free = $"{name}.{n:D3}";
        taken.Add(free);
        return free;
    }

    /// <summary>The scene without the records of <paramref name="uuids"/>.</summary>
    private static Scene Without(Scene scene, HashSet<string> uuids) => uuids.Count == 0 ? scene : scene.Where(u => !uuids.Contains(u));

    /// <summary>The scene with the touched records replaced by what was read back (absent ones removed).</summary>
    /// <summary><paramref name="scene"/> with the records named in <paramref name="touched"/> as <paramref name="readBack"/> has them (absent there: gone).</summary>
    internal static Scene Merge(Scene scene, Scene readBack, IReadOnlySet<string> touched) => scene.Where(u => !touched.Contains(u)).Concat(readBack);

    private static IEnumerable<string> Descendants(Scene scene, string uuid)
    {
        var children = scene.Objects.ToLookup(o => o.Parent ?? "", o => o.Uuid, StringComparer.Ordinal);
        var stack = new Stack<string>(children[uuid]);
        while (stack.Count > 0)
        {
            var u = stack.Pop();
            yield return u;
            foreach (var c in children[u]) stack.Push(c);
        }
    }

    public static IEnumerable<string> Uuids(Scene scene) => scene.Uuids();
}
