namespace VibeSync.Link.Trust;

/// <summary>
/// An engine's trust: minor violations (rate limits, invalid values) take from it, and good
/// behaviour gives it back — <see cref="LinkOptions.TrustRecoveryPerSecond"/> for every second
/// without a violation, up to the initial trust — so an honest engine's rare slip is forgotten
/// while a sustained flood still ends at zero. At zero the engine is QUARANTINED (read-only: its
/// edits are refused) until a cool-off passes, after which it starts again with half its trust.
/// Permanent errors (a forbidden path) quarantine at once. Kept per engine across reconnects, and
/// touched only by that engine's authenticated frames: nothing unauthenticated costs trust.
/// </summary>
public sealed class TrustLedger
{
    private readonly LinkOptions _options;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private double _score;
    private DateTimeOffset _since; // when _score was last set: recovery counts from here

    /// <summary>A full ledger.</summary>
    public TrustLedger(LinkOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _score = options.InitialTrust;
        _since = time.GetUtcNow();
    }

    /// <summary>Trust now (whole points).</summary>
    public int Score { get { lock (_gate) return (int)Math.Floor(Now(_time.GetUtcNow())); } }

    /// <summary>Until when the engine is quarantined, or null.</summary>
    public DateTimeOffset? QuarantinedUntil { get { lock (_gate) return _until; } }
    private DateTimeOffset? _until;

    /// <summary>Why it was quarantined last.</summary>
    public string? QuarantineReason { get; private set; }

    /// <summary>True while quarantined; ends the quarantine once the cool-off has passed.</summary>
    public bool IsQuarantined
    {
        get
        {
            lock (_gate)
            {
                Now(_time.GetUtcNow());
                return _until != null;
            }
        }
    }

    /// <summary>Takes <paramref name="cost"/>; returns true when that quarantined the engine.</summary>
    public bool Deplete(int cost, string why)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            double score = Now(now);
            if (_until != null) return false;
            Set(Math.Max(0, score - cost), now);
            if (_score >= 1) return false; // less than a whole point is none
            Quarantine(why);
            return true;
        }
    }

    /// <summary>Quarantines at once (a permanent error).</summary>
    public void Quarantine(string why)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            Set(0, now);
            _until = now + _options.QuarantineCoolOff;
            QuarantineReason = why;
        }
    }

    /// <summary>The score at <paramref name="now"/>: a quarantine past its cool-off ends with half the trust; otherwise recovery since the last change. Under the gate.</summary>
    private double Now(DateTimeOffset now)
    {
        if (_until is { } until)
        {
            if (now < until) return 0;
            _until = null;
            Set(Math.Max(1, _options.InitialTrust / 2), until);
        }
        double recovered = _score + Math.Max(0, (now - _since).TotalSeconds) * _options.TrustRecoveryPerSecond;
        return Math.Min(_options.InitialTrust, recovered);
    }

    private void Set(double score, DateTimeOffset at)
    {
        _score = score;
        _since = at;
    }
}
