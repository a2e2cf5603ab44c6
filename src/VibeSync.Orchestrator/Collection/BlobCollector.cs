using VibeSync.Blobs;
using VibeSync.Link;
using VibeSync.Wal;

namespace VibeSync.Orchestrator.Collection;

/// <summary>
/// Collects serve's blob store: when serve starts (before anything is received) and after a
/// checkpoint. One collection at a time; a blob younger than <see cref="BlobRoots.Grace"/> is always kept
/// (it may belong to an intent or a link message about to be journaled).
/// </summary>
internal sealed class BlobCollector
{
    private readonly BlobStore _store;
    private readonly IJournal _journal;
    private readonly PinnedBlobs _pins;
    private readonly JournalRoots _named = new(); // the journal's names so far: a collection reads only what was appended since the last
    private readonly Func<IEnumerable<string>> _live;
    private readonly LinkLog _log;
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Collects <paramref name="store"/>; <paramref name="live"/> gives what only memory knows: the blobs of Reality and the uploads agents may still name.</summary>
    public BlobCollector(BlobStore store, IJournal journal, PinnedBlobs pins, Func<IEnumerable<string>> live, LinkLog log)
    {
        _store = store;
        _journal = journal;
        _pins = pins;
        _live = live;
        _log = log;
    }

    /// <summary>Records this collector has read from the journal (serve's start-up read, handed over, not counted).</summary>
    public long RecordsRead => _named.RecordsRead;

    /// <summary>Collects now; logs and returns what it did. <paramref name="records"/>: the journal as serve's start read it, so it is not read again.</summary>
    public async Task<Blobs.Collection> RunAsync(string why, IReadOnlyList<Wal.Entries.WalRecord>? records = null)
    {
        await _one.WaitAsync().ConfigureAwait(false);
        try
        {
            // Memory first, then files: an entry journaled meanwhile names blobs a put just made young.
            var roots = new HashSet<string>(_live(), StringComparer.Ordinal);
            if (records != null) _named.Add(records);
            roots.UnionWith(BlobRoots.InJournal(_journal, _pins, _named)); // the journal, not DIR/wal: in team mode that is the stream
            var done = await Task.Run(() => _store.Collect(roots, BlobRoots.Grace)).ConfigureAwait(false);
            _log.Write("blobs_collected", null, null, null, $"{why}: kept {done.Kept}, removed {done.Removed} ({done.BytesFreed:N0} bytes)");
            return done;
        }
        finally { _one.Release(); }
    }

    /// <summary>Collects in the background (a failure is logged, never thrown at the caller).</summary>
    public void Start(string why) =>
        _ = RunAsync(why).ContinueWith(t => _log.Write("error", "BLOB_COLLECTION", null, null, $"{why}: {t.Exception!.GetBaseException().Message}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
