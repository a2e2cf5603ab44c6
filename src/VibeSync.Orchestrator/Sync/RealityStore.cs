using System.Text;
using VibeSync.Intents.Reality;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Orchestrator.Sync;

/// <summary>
/// Reality as the log holds it: the newest checkpoint's scene (canonical JSON, written when
/// Reality was seeded) with every later FINAL entry folded over it; and which engines are
/// paired: FINAL entries of <see cref="PairingActor"/> pair the engine their engine field names,
/// FINAL entries of <see cref="UnpairingActor"/> (a human's <c>pair --replace</c>) unpair it, in log order.
/// </summary>
internal static class RealityStore
{
    /// <summary>The actor of seeding and pairing entries.</summary>
    public const string PairingActor = "system:pairing";

    /// <summary>The actor of the entry a human's <c>vibesync pair --replace</c> journals.</summary>
    public const string UnpairingActor = "system:unpairing";

    /// <summary>Reality as a checkpoint's state holds it (its canonical scene JSON); empty without one.</summary>
    public static RealityScene AtCheckpoint(byte[]? state) => state is { Length: > 0 }
        ? RealityScene.From(SceneJsonReader.ReadCanonical(Encoding.UTF8.GetString(state), Space.Canonical))
        : RealityScene.Empty;

    public static (RealityScene Reality, HashSet<string> Paired) Load(IJournal wal, IReadOnlyList<WalRecord>? records = null)
    {
        var initial = AtCheckpoint(wal.Recovery.CheckpointState);
        records ??= wal.ReadAll();
        var paired = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in records.Where(r => r.Entry.Phase == IntentPhase.Final))
            if (r.Entry.Actor == PairingActor) paired.Add(r.Entry.Engine);
            else if (r.Entry.Actor == UnpairingActor) paired.Remove(r.Entry.Engine);
        var reality = RealityReplay.Fold(initial, records.Where(r => r.Sequence > wal.Recovery.CheckpointSequence));
        return (reality, paired);
    }
}
