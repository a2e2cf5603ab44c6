using System.Text;
using VibeSync.Intents.Reality;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Wal;
using VibeSync.Wal.Entries;

namespace VibeSync.Orchestrator.Sync;

/// <summary>
/// Reality as the log holds it: the newest checkpoint's scene (canonical JSON, written when
/// Reality was seeded) with every later FINAL entry folded over it; and which engines were ever
/// paired (FINAL entries of <see cref="PairingActor"/>, whose engine field names the engine).
/// </summary>
internal static class RealityStore
{
    /// <summary>The actor of seeding and pairing entries.</summary>
    public const string PairingActor = "system:pairing";

    public static (RealityScene Reality, HashSet<string> Paired) Load(WriteAheadLog wal)
    {
        var initial = wal.Recovery.CheckpointState is { Length: > 0 } state
            ? RealityScene.From(SceneJsonReader.ReadCanonical(Encoding.UTF8.GetString(state), Space.Canonical))
            : RealityScene.Empty;
        var records = WriteAheadLog.ReadAll(wal.Directory, out _);
        var paired = records.Where(r => r.Entry.Phase == IntentPhase.Final && r.Entry.Actor == PairingActor)
            .Select(r => r.Entry.Engine).ToHashSet(StringComparer.Ordinal);
        var reality = RealityReplay.Fold(initial, records.Where(r => r.Sequence > wal.Recovery.CheckpointSequence));
        return (reality, paired);
    }
}
