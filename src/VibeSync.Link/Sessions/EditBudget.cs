using VibeSync.Protocol.Operations;

namespace VibeSync.Link.Sessions;

/// <summary>
/// One engine session's edit budget, judged as token buckets rather than fixed ticks: each object
/// may be changed <see cref="LinkOptions.ObjectEditsPerSecond"/> times a second, with
/// <see cref="LinkOptions.ObjectEditBurst"/> at once, and edits holding heavy operations are
/// limited the same way per session. Buckets absorb what arrives together after a stall (a garbage
/// collection, a busy machine, a burst of unrelated traffic), so only a sustained excess — a loop
/// between two misbehaving adapters — is limited. Used by the session loop only.
/// </summary>
internal sealed class EditBudget
{
    private readonly LinkOptions _options;
    private readonly Dictionary<string, Bucket> _objects = new(StringComparer.Ordinal);
    private Bucket _heavy;

    private struct Bucket
    {
        public double Tokens;
        public DateTimeOffset At;

        /// <summary>The tokens at <paramref name="now"/>, refilled at <paramref name="rate"/> per second up to <paramref name="size"/>.</summary>
        public readonly double Level(DateTimeOffset now, double rate, double size) => Math.Min(size, Tokens + Math.Max(0, (now - At).TotalSeconds) * rate);
    }

    public EditBudget(LinkOptions options)
    {
        _options = options;
        _heavy = new Bucket { Tokens = options.HeavyPerSecond, At = DateTimeOffset.MinValue };
    }

    /// <summary>Takes what <paramref name="edit"/> costs, or takes nothing and says why it is over the budget.</summary>
    public string? Take(IntentRequest edit, DateTimeOffset now)
    {
        double rate = _options.ObjectEditsPerSecond, size = _options.ObjectEditBurst;
        var uuids = edit.Operations.Select(op => op.Uuid).Distinct(StringComparer.Ordinal).ToList();
        foreach (var uuid in uuids)
            if (_objects.TryGetValue(uuid, out var b) && b.Level(now, rate, size) < 1)
                return $"{uuid} was changed more than {size} times at once or {rate:0.#} times a second: coalesce edits of one object";
        bool heavy = edit.Operations.Any(op => op is ReplaceMesh or CreateMesh or ReplaceImage or CreateImage or ReplaceAsset or DeleteObject);
        if (heavy && _heavy.Level(now, _options.HeavyPerSecond, _options.HeavyPerSecond) < 1)
            return $"more than {_options.HeavyPerSecond} edits with heavy operations (mesh, image or asset replacement, deletion) in one second";

        if (_objects.Count > 10_000) Forget(now, rate, size);
        foreach (var uuid in uuids)
        {
            double left = _objects.TryGetValue(uuid, out var b) ? b.Level(now, rate, size) : size;
            _objects[uuid] = new Bucket { Tokens = left - 1, At = now };
        }
        if (heavy) _heavy = new Bucket { Tokens = _heavy.Level(now, _options.HeavyPerSecond, _options.HeavyPerSecond) - 1, At = now };
        return null;
    }

    /// <summary>Full buckets are the same as none: dropped, so a stream of new uuids cannot grow the table without bound.</summary>
    private void Forget(DateTimeOffset now, double rate, double size)
    {
        foreach (var full in _objects.Where(o => o.Value.Level(now, rate, size) >= size).Select(o => o.Key).ToList()) _objects.Remove(full);
    }
}
