namespace VibeSync.Intents.Pipeline;

/// <summary>
/// Rollbacks counted per uuid and per operation name. Past a threshold automation pauses: the
/// pipeline enters safe mode until a human resumes it (DESIGN §4). Not thread-safe: owned by the
/// pipeline's turn.
/// </summary>
public sealed class FailureCounters
{
    private readonly Dictionary<string, int> _byUuid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _byOperation = new(StringComparer.Ordinal);

    /// <summary>Rollbacks of one uuid that trip safe mode.</summary>
    public int UuidThreshold { get; init; } = 3;

    /// <summary>Rollbacks of one operation kind that trip safe mode.</summary>
    public int OperationThreshold { get; init; } = 5;

    /// <summary>Counts per uuid.</summary>
    public IReadOnlyDictionary<string, int> ByUuid => _byUuid;

    /// <summary>Counts per operation name.</summary>
    public IReadOnlyDictionary<string, int> ByOperation => _byOperation;

    /// <summary>Counts one rolled-back intent; returns the reason safe mode trips, or null.</summary>
    public string? Record(IEnumerable<string> uuids, IEnumerable<string> operations)
    {
        string? tripped = null;
        foreach (var u in uuids.Distinct(StringComparer.Ordinal))
            if (Bump(_byUuid, u) >= UuidThreshold) tripped ??= $"{u} was rolled back {_byUuid[u]} times";
        foreach (var op in operations.Distinct(StringComparer.Ordinal))
            if (Bump(_byOperation, op) >= OperationThreshold) tripped ??= $"{op} was rolled back {_byOperation[op]} times";
        return tripped;
    }

    /// <summary>Starts counting afresh (a human resumed).</summary>
    public void Reset()
    {
        _byUuid.Clear();
        _byOperation.Clear();
    }

    private static int Bump(Dictionary<string, int> counts, string key) =>
        counts[key] = counts.TryGetValue(key, out int n) ? n + 1 : 1;
}
