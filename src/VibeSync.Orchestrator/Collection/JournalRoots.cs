// Design rationale (follow-up of issue #20's journal-read work): every collection needs the blobs
// the journal's entries name, and re-reading a 1,000,000-entry journal for them cost seconds of I/O
// each time. Narrowing the read to the newest checkpoint on is not enough, and not safe alone: serve
// writes a checkpoint only when Reality is seeded (so "from the checkpoint" is nearly the whole
// journal), and an entry before it can still be needed (a PENDING intent waiting for approval is
// restored from its entry at the next start). The journal is append-only while serve holds it (the
// WAL is compacted only with no serve running, the JetStream stream denies deletes), so the names
// read once stay named: keep them, and read only what was appended since. The roots are exactly the
// full read's.
using VibeSync.Wal;
using VibeSync.Wal.Entries;

namespace VibeSync.Orchestrator.Collection;

/// <summary>
/// The blob ids a journal's records name, kept current by reading only the records appended since
/// the last read (<see cref="IJournal.ReadRange"/>). One reader at a time (blob collection holds it).
/// </summary>
public sealed class JournalRoots
{
    private readonly HashSet<string> _named = new(StringComparer.Ordinal);
    private ulong _through;

    /// <summary>The last sequence whose record has been read.</summary>
    public ulong Through => _through;

    /// <summary>Records read from the journal by <see cref="Refresh"/> so far (records handed to <see cref="Add"/> not counted): what bounds a collection's I/O.</summary>
    public long RecordsRead { get; private set; }

    /// <summary>Takes the names in <paramref name="records"/> (a read the caller made anyway, in order); those at or before <see cref="Through"/> are known already.</summary>
    public void Add(IReadOnlyList<WalRecord> records)
    {
        foreach (var record in records)
        {
            if (record.Sequence <= _through) continue;
            // A compacted WAL's first kept record may be past 1; after that, a gap would lose names.
            if (_through > 0 && record.Sequence != _through + 1) throw new ArgumentException($"record {record.Sequence} does not follow record {_through}", nameof(records));
            BlobRoots.AddNamedIn(record, _named);
            _through = record.Sequence;
        }
    }

    /// <summary>Reads what <paramref name="journal"/> appended since the last read and returns every id named so far (a copy).</summary>
    public HashSet<string> Refresh(IJournal journal)
    {
        ulong last = journal.LastSequence;
        if (last < _through)
        {
            // Not this journal any more (shorter than what was read): start over rather than keep names it no longer holds.
            _named.Clear();
            _through = 0;
        }
        if (last > _through)
        {
            var appended = journal.ReadRange(_through, last);
            RecordsRead += appended.Count;
            Add(appended);
        }
        return new HashSet<string>(_named, StringComparer.Ordinal);
    }
}
