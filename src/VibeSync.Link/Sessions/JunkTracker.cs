using System.Net;

namespace VibeSync.Link.Sessions;

/// <summary>
/// Unauthenticated junk, counted per source address: each piece doubles the pause before that
/// source's next connection is even read (1 ms, 2 ms, … up to the cap), and a minute of quiet
/// forgives it. Established sessions are never paused: only new connections from the source.
/// </summary>
internal sealed class JunkTracker
{
    private readonly TimeSpan _cap;
    private readonly TimeProvider _time;
    private readonly Dictionary<IPAddress, (int Count, DateTimeOffset Last)> _bySource = new();
    private long _total;

    public JunkTracker(TimeSpan cap, TimeProvider time)
    {
        _cap = cap;
        _time = time;
    }

    /// <summary>Junk connections dropped since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    public void Count(IPAddress source)
    {
        Interlocked.Increment(ref _total);
        lock (_bySource)
        {
            var now = _time.GetUtcNow();
            _bySource[source] = _bySource.TryGetValue(source, out var seen) && now - seen.Last < TimeSpan.FromMinutes(1)
                ? (Math.Min(seen.Count + 1, 30), now)
                : (1, now);
        }
    }

    /// <summary>The pause owed before reading from a new connection of <paramref name="source"/>.</summary>
    public TimeSpan PenaltyFor(IPAddress source)
    {
        lock (_bySource)
        {
            if (!_bySource.TryGetValue(source, out var seen) || _time.GetUtcNow() - seen.Last >= TimeSpan.FromMinutes(1)) return TimeSpan.Zero;
            double ms = Math.Min(Math.Pow(2, seen.Count - 1), _cap.TotalMilliseconds);
            return TimeSpan.FromMilliseconds(ms);
        }
    }
}
