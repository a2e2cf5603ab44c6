// Design rationale (chaos soak, issue #15 §6; issue #20 §4): every journal read used to scan every
// WAL segment — MCP's wait_intent polls one intent ten times a second, and each scan allocated a
// segment-sized buffer, so serve's memory grew past any bound. The index is built once at start and
// kept as the log is written (IJournal.Durable), so a read costs what it returns. It holds
// the journal as the control API shows it, without the operations' JSON.
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Orchestrator.Journal;

/// <summary>The journal in memory, by sequence and by intent; thread-safe.</summary>
internal sealed class JournalIndex
{
    private readonly object _gate = new();
    private static readonly IReadOnlySet<string> None = new HashSet<string>();
    private readonly List<JournalEntry> _entries = new();
    private readonly List<IReadOnlySet<string>> _named = new(); // per entry: the IDs an AI's operation JSON wrote (AgentView shows them back)
    private readonly Dictionary<ulong, List<int>> _byIntent = new();
    private readonly List<ulong> _intents = new(); // in order of their first entry: the console's timeline pages through it
    private readonly Dictionary<ulong, TaskCompletionSource> _waiters = new(); // intent → woken by its next entry

    /// <summary>Indexes <paramref name="wal"/>: what it holds now, then every record as it becomes durable.</summary>
    public static JournalIndex Of(IJournal wal, IReadOnlyList<WalRecord>? records = null)
    {
        var index = new JournalIndex();
        var early = new List<(ulong, WalEntry)>();
        bool loaded = false;
        wal.Durable += (sequence, entry) =>
        {
            lock (index._gate)
            {
                if (loaded) index.Add(sequence, entry);
                else early.Add((sequence, entry)); // between subscribing and reading what is on disk
            }
        };
        records ??= wal.ReadAll();
        lock (index._gate)
        {
            foreach (var r in records) index.Add(r.Sequence, r.Entry);
            foreach (var (sequence, entry) in early) index.Add(sequence, entry);
            loaded = true;
        }
        return index;
    }

    private void Add(ulong sequence, WalEntry e)
    {
        if (_entries.Count > 0 && sequence <= _entries[^1].Sequence) return; // read from disk and told of it both
        _entries.Add(new JournalEntry(sequence, e.IntentId, PhaseNames.Name(e.Phase), e.TimestampMs, e.Engine, e.Actor, e.Scope.Uuids,
            PhaseNames.Name(e.Scope.IntentClass), e.Rationale, e.Rollback?.Reason, e.Rollback?.SnapshotRef, e.Verification?.ExpectedHash, e.Verification?.ObservedHash));
        _named.Add(e.Actor.StartsWith("ai:", StringComparison.Ordinal) ? Control.AgentView.IdsIn(e.OperationJson) : None);
        if (!_byIntent.TryGetValue(e.IntentId, out var list))
        {
            _byIntent[e.IntentId] = list = new List<int>(2);
            _intents.Add(e.IntentId);
        }
        list.Add(_entries.Count - 1);
        if (_waiters.Remove(e.IntentId, out var waiter)) waiter.TrySetResult(); // continuations run elsewhere, not under the lock
    }

    /// <summary>
    /// Completes when intent <paramref name="intent"/> gets its next journal entry. Take it
    /// <em>before</em> reading the intent's entries, so an entry written in between is not missed
    /// (wait_intent and <c>/v1/intents/{id}?wait=settled</c> wake on the phase change, no polling).
    /// </summary>
    public Task NextEntryOf(ulong intent)
    {
        lock (_gate)
        {
            if (!_waiters.TryGetValue(intent, out var waiter))
                _waiters[intent] = waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return waiter.Task;
        }
    }

    /// <summary>The sequence of the newest entry indexed (0 for an empty journal): a reader re-reads only when it moved.</summary>
    public ulong Position
    {
        get { lock (_gate) return _entries.Count == 0 ? 0 : _entries[^1].Sequence; }
    }

    /// <summary>Entries after sequence <paramref name="since"/>, at most <paramref name="limit"/>, optionally of one intent, in log order.</summary>
    public IReadOnlyList<JournalEntry> Read(ulong since, int limit, ulong? intent = null)
    {
        lock (_gate)
        {
            if (intent is ulong id)
                return _byIntent.TryGetValue(id, out var list)
                    ? list.Select(i => _entries[i]).Where(e => e.Sequence > since).Take(limit).ToList()
                    : new List<JournalEntry>();
            int start = LowerBound(since);
            return _entries.GetRange(start, Math.Min(limit, _entries.Count - start));
        }
    }

    /// <summary>
    /// Entries after sequence <paramref name="since"/> of the intents <paramref name="keep"/> accepts
    /// (it is given all of an intent's entries), at most <paramref name="limit"/>, optionally of one
    /// intent, in log order; each with the IDs its operation named when an AI wrote it.
    /// </summary>
    public IReadOnlyList<(JournalEntry Entry, IReadOnlySet<string> Named)> Read(ulong since, int limit, ulong? intent, Func<IEnumerable<JournalEntry>, bool> keep)
    {
        lock (_gate)
        {
            var kept = new Dictionary<ulong, bool>();
            var found = new List<(JournalEntry, IReadOnlySet<string>)>();
            int start = LowerBound(since);
            IEnumerable<int> at = intent is ulong id
                ? (_byIntent.TryGetValue(id, out var list) ? list : Enumerable.Empty<int>())
                : Enumerable.Range(start, _entries.Count - start);
            foreach (int i in at)
            {
                var e = _entries[i];
                if (e.Sequence <= since) continue;
                if (!kept.TryGetValue(e.Intent, out bool yes)) kept[e.Intent] = yes = keep(_byIntent[e.Intent].Select(j => _entries[j]));
                if (!yes) continue;
                found.Add((e, _named[i]));
                if (found.Count >= limit) break;
            }
            return found;
        }
    }

    /// <summary>
    /// One page of the intent timeline, newest first: the intents <paramref name="filter"/> accepts,
    /// skipping <paramref name="skip"/> of them; <c>More</c> says whether another page follows. Costs
    /// what it reads (the intents up to the end of the page), never the whole log unless a filter
    /// matches little.
    /// </summary>
    public TimelinePage Timeline(TimelineFilter filter, int skip, int take)
    {
        lock (_gate)
        {
            var page = new List<IntentSummary>(take);
            int matched = 0;
            for (int i = _intents.Count - 1; i >= 0; i--)
            {
                var summary = Summary(_intents[i]);
                if (!filter.Accepts(summary)) continue;
                if (matched++ < skip) continue;
                if (page.Count == take) return new TimelinePage(page, true, _intents.Count);
                page.Add(summary);
            }
            return new TimelinePage(page, false, _intents.Count);
        }
    }

    /// <summary>The intents first journaled at or after <paramref name="sinceMs"/> (Unix ms), oldest first: walks back from the newest only as far as that.</summary>
    public IReadOnlyList<IntentSummary> Since(long sinceMs)
    {
        lock (_gate)
        {
            var found = new List<IntentSummary>();
            for (int i = _intents.Count - 1; i >= 0; i--)
            {
                var summary = Summary(_intents[i]);
                if (summary.FirstMs < sinceMs) break;
                found.Add(summary);
            }
            found.Reverse();
            return found;
        }
    }

    private IntentSummary Summary(ulong intent)
    {
        var at = _byIntent[intent];
        var first = _entries[at[0]];
        var last = _entries[at[^1]];
        bool? verified = null;
        string? rollback = null;
        foreach (int i in at)
        {
            var e = _entries[i];
            if (e.ExpectedHash is { } x && e.ObservedHash is { } y) verified = x == y;
            rollback = e.RollbackReason ?? rollback;
        }
        return new IntentSummary(intent, first.Actor, first.Class, at.Select(i => _entries[i].Phase).ToArray(), last.Phase, first.TimestampMs, last.TimestampMs,
            first.Rationale, rollback, verified);
    }

    /// <summary>The first index whose sequence is greater than <paramref name="since"/>.</summary>
    private int LowerBound(ulong since)
    {
        int lo = 0, hi = _entries.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_entries[mid].Sequence <= since) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
