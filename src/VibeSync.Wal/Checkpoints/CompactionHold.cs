using VibeSync.Protocol.Intents;

namespace VibeSync.Wal.Checkpoints;

/// <summary>
/// Why <c>wal compact</c> stopped before the newest checkpoint's reach: segment <paramref name="Segment"/>
/// holds the first entry (at <paramref name="Sequence"/>) of intent <paramref name="IntentId"/>, still
/// <paramref name="Phase"/> at the checkpoint. A restart restores a PENDING intent from that entry.
/// </summary>
public sealed record CompactionHold(ulong IntentId, IntentPhase Phase, ulong Sequence, ulong Segment);
