using VibeSync.Wal.Recovery;

namespace VibeSync.Wal;

/// <summary>What opening the log found and did.</summary>
/// <param name="Records">Good records in the log.</param>
/// <param name="LastSequence">Sequence of the last durable record.</param>
/// <param name="TruncatedTail">The torn tail that was cut off, if any (never an acknowledged record).</param>
/// <param name="ToRollBack">Intents left PROVISIONAL without a final phase: the caller rolls them back.</param>
/// <param name="Pending">Intents left PENDING (never applied).</param>
/// <param name="RealityHead">Head of the FINAL chain, hex.</param>
/// <param name="FinalCount">FINAL entries in the log.</param>
/// <param name="Segments">Segment files.</param>
/// <param name="MaxIntentId">Largest intent id in the log: intent numbering resumes above it.</param>
public sealed record RecoveryReport(
    long Records, ulong LastSequence, TornTail? TruncatedTail, IReadOnlyList<ulong> ToRollBack,
    IReadOnlyList<ulong> Pending, string RealityHead, long FinalCount, int Segments, ulong MaxIntentId);

/// <summary>An append that is durable: its place in the log.</summary>
/// <param name="Sequence">Record number.</param>
/// <param name="EntryHash">The record's entry hash.</param>
public sealed record WalAppendResult(ulong Sequence, byte[] EntryHash);
