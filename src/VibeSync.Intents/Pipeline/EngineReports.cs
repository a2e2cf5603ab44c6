namespace VibeSync.Intents.Pipeline;

/// <summary>
/// The edits each engine has reported (a human's work there, submitted with that engine as its
/// origin), numbered in the order they were handed to the pipeline, and how many of them the spine
/// has taken from its inbox. A verification read is marked with that count when it is issued: an
/// object the engine reported after the mark holds a human's edit the verified batch could not
/// contain. Thread-safe: reports are noted on the link's thread, marks are taken on the spine.
/// </summary>
internal sealed class EngineReports
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _noted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _taken = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Engine, string Uuid), long> _last = new();
    // Per object, the last writes that landed there (intent, reports made by then), none answering for
    // another: a later write (more reports) supersedes only the ones of newer intents, so a ROLLBACK of
    // a newer intent does not hide an older APPLY that crossed a human's edit. At most KeptWrites.
    private readonly Dictionary<(string Engine, string Uuid), List<(ulong Intent, long Reports)>> _overwritten = new();
    private const int KeptWrites = 4;

    /// <summary>Notes a report of <paramref name="engine"/> touching <paramref name="uuids"/>; returns its number.</summary>
    public long Note(string engine, IEnumerable<string> uuids)
    {
        lock (_gate)
        {
            long n = _noted[engine] = _noted.GetValueOrDefault(engine) + 1;
            foreach (var uuid in uuids) _last[(engine, uuid)] = n;
            return n;
        }
    }

    /// <summary>The spine has taken report <paramref name="number"/> of <paramref name="engine"/> from its inbox (admitted, refused or filed).</summary>
    public void Taken(string engine, long number)
    {
        lock (_gate)
            if (number > _taken.GetValueOrDefault(engine)) _taken[engine] = number;
    }

    /// <summary>How many of <paramref name="engine"/>'s reports the spine has taken: the mark of a read issued now.</summary>
    public long Mark(string engine)
    {
        lock (_gate) return _taken.GetValueOrDefault(engine);
    }

    /// <summary>
    /// <paramref name="engine"/> answered an APPLY (or a ROLLBACK) of another's <paramref name="intent"/> writing
    /// <paramref name="uuids"/>: every report it had made by then was made before that write landed
    /// there (adapters report a human's edit before they apply or restore over it).
    /// </summary>
    public void Applied(string engine, ulong intent, IReadOnlyList<string> uuids)
    {
        lock (_gate)
        {
            long reports = _noted.GetValueOrDefault(engine);
            for (int u = 0; u < uuids.Count; u++) // indexed: a foreach over the interface boxes an enumerator
            {
                string uuid = uuids[u];
                if (!_overwritten.TryGetValue((engine, uuid), out var writes)) _overwritten[(engine, uuid)] = writes = new List<(ulong, long)>(1);
                // Loops, not RemoveAll/Exists with lambdas: those capture intent and reports, a closure and a
                // delegate per uuid per engine on every apply (issue #20: the spine applies 5,000 times a second).
                for (int i = writes.Count - 1; i >= 0; i--)
                    if (writes[i].Intent >= intent) writes.RemoveAt(i); // whatever they answer, this one answers too (its reports are as many or more)
                if (AnyWithReports(writes, reports)) continue; // an older intent with as many reports answers for this one
                writes.Add((intent, reports)); // in the order of their reports
                if (writes.Count > KeptWrites) writes.RemoveAt(0); // the oldest: a human's edit reported before it is long settled
            }
        }
    }

    private static bool AnyWithReports(List<(ulong Intent, long Reports)> writes, long reports)
    {
        foreach (var w in writes)
            if (w.Reports >= reports) return true;
        return false;
    }

    /// <summary>
    /// Those of <paramref name="uuids"/> where an intent older than <paramref name="newer"/> was applied
    /// in <paramref name="engine"/> after its report <paramref name="report"/> was made: the engine
    /// holds that older write over its human's newer edit (the two crossed on its link).
    /// </summary>
    public IReadOnlySet<string> OverwrittenAfter(string engine, long report, ulong newer, IEnumerable<string> uuids)
    {
        var crossed = new HashSet<string>(StringComparer.Ordinal);
        if (report <= 0) return crossed;
        lock (_gate)
            foreach (var uuid in uuids)
                if (_overwritten.TryGetValue((engine, uuid), out var writes) && writes.Exists(w => w.Intent < newer && report <= w.Reports)) crossed.Add(uuid);
        return crossed;
    }

    /// <summary>Those of <paramref name="uuids"/> that <paramref name="engine"/> reported after <paramref name="mark"/>.</summary>
    public IReadOnlySet<string> Since(string engine, long mark, IEnumerable<string> uuids)
    {
        var after = new HashSet<string>(StringComparer.Ordinal);
        lock (_gate)
            foreach (var uuid in uuids)
                if (_last.TryGetValue((engine, uuid), out long n) && n > mark) after.Add(uuid);
        return after;
    }
}
