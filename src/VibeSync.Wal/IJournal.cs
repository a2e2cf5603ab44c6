// Design rationale (issue #22 §3, TEAM.md §3): the pipeline and the orchestrator need a journal,
// not a file format. This is what they use of one, so the local WriteAheadLog (the default) and a
// replicated journal (VibeSync.Cluster's JetStream stream) can stand behind them interchangeably.
// Both keep the same records, sequence numbers and hash chain; only where the bytes live differs.
using VibeSync.Wal.Entries;

namespace VibeSync.Wal;

/// <summary>
/// An append-only, hash-chained journal of intent entries: an append completes only once the
/// record is durable (as the implementation defines it), records are numbered densely from 1.
/// </summary>
public interface IJournal : IAsyncDisposable
{
    /// <summary>What opening the journal found: intents to roll back or still pending, Reality head, checkpoint.</summary>
    RecoveryReport Recovery { get; }

    /// <summary>Sequence of the last durable record.</summary>
    ulong LastSequence { get; }

    /// <summary>Head of the FINAL chain after every durable record, hex.</summary>
    string RealityHead { get; }

    /// <summary>Why the journal stopped accepting appends, if it did.</summary>
    Exception? Failure { get; }

    /// <summary>
    /// Told of every record once it is durable, in journal order, before its appender hears of it.
    /// Must be quick and must not append.
    /// </summary>
    event Action<ulong, WalEntry>? Durable;

    /// <summary>Appends an entry encoded with <see cref="WriteAheadLog.Encode"/>; completes once it is durable.</summary>
    /// <exception cref="WalEntryTooLargeException">Its body is over <see cref="WriteAheadLog.MaxEntryBytes"/>; nothing was appended.</exception>
    /// <exception cref="WalFailedException">The journal stopped (fail-stop) or refused the write.</exception>
    Task<WalAppendResult> AppendAsync(EncodedEntry encoded);

    /// <summary>
    /// Records that <paramref name="state"/> (the caller's Reality, opaque to the journal) reflects
    /// every record up to <paramref name="sequence"/>; the next open hands it back in <see cref="Recovery"/>.
    /// </summary>
    Task WriteCheckpointAsync(ulong sequence, byte[] state);

    /// <summary>Every record the journal holds (from the oldest kept one), in order, chain verified.</summary>
    IReadOnlyList<WalRecord> ReadAll();

    /// <summary>The newest checkpoint written so far (not only the one <see cref="Recovery"/> opened with), or null.</summary>
    JournalCheckpoint? NewestCheckpoint();

    /// <summary>
    /// The records after sequence <paramref name="after"/> through <paramref name="through"/> (at
    /// most <see cref="LastSequence"/>), in order, chain verified: what replaying Reality from a
    /// point up to one entry reads (the web console's settled intents), without reading the rest.
    /// </summary>
    /// <exception cref="WalCorruptException">A record in the range does not verify or the chain is broken.</exception>
    IReadOnlyList<WalRecord> ReadRange(ulong after, ulong through);
}

/// <summary>A checkpoint as a reader of the journal sees it.</summary>
/// <param name="Sequence">The last record its state reflects.</param>
/// <param name="State">The caller's state (Reality) as written with <see cref="IJournal.WriteCheckpointAsync"/>.</param>
public sealed record JournalCheckpoint(ulong Sequence, byte[] State);
