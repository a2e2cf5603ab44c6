using VibeSync.Wal.Recovery;

namespace VibeSync.Wal;

/// <summary>What opening the log found and did.</summary>
/// <param name="Records">Records read and verified on open (from the checkpoint's segment on).</param>
/// <param name="LastSequence">Sequence of the last durable record.</param>
/// <param name="TruncatedTail">The torn tail that was cut off, if any (never an acknowledged record).</param>
/// <param name="ToRollBack">Intents left PROVISIONAL without a final phase: the caller rolls them back.</param>
/// <param name="Pending">Intents left PENDING (never applied).</param>
/// <param name="RealityHead">Head of the FINAL chain, hex.</param>
/// <param name="FinalCount">FINAL entries in the log.</param>
/// <param name="Segments">Segment files.</param>
/// <param name="MaxIntentId">Largest intent id in the log: intent numbering resumes above it.</param>
/// <param name="CheckpointSequence">Sequence of the checkpoint recovery started from (0: none, the whole log was read).</param>
/// <param name="CheckpointState">The caller's state saved with that checkpoint.</param>
public sealed record RecoveryReport(
    long Records, ulong LastSequence, TornTail? TruncatedTail, IReadOnlyList<ulong> ToRollBack,
    IReadOnlyList<ulong> Pending, string RealityHead, long FinalCount, int Segments, ulong MaxIntentId,
    ulong CheckpointSequence, byte[]? CheckpointState);

/// <summary>An append that is durable: its place in the log.</summary>
/// <param name="Sequence">Record number.</param>
/// <param name="EntryHash">The record's entry hash.</param>
public sealed record WalAppendResult(ulong Sequence, byte[] EntryHash);
