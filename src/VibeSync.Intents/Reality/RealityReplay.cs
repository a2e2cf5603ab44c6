using VibeSync.Intents.Validation;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Reality;

/// <summary>
/// Reality rebuilt from the journal: the FINAL entries folded, in log order, over the scene the
/// log started from. Only FINAL advances Reality; FINAL entries without an operation (an emergency
/// unlock) change nothing.
/// </summary>
public static class RealityReplay
{
    private static readonly Actor Replayer = new(ActorKind.Orchestrator, "replay");

    /// <summary>Folds the FINAL entries of <paramref name="records"/> over <paramref name="initial"/>.</summary>
    /// <exception cref="IntentRefusedException">A FINAL entry does not apply: the log and the initial scene do not belong together.</exception>
    public static RealityScene Fold(RealityScene initial, IEnumerable<WalRecord> records)
    {
        var scene = initial;
        foreach (var record in records)
            if (record.Entry.Phase == IntentPhase.Final && record.Entry.OperationJson is { } json)
                scene = IntentValidator.Apply(scene, OperationReader.Read(json), Replayer);
        return scene;
    }
}
