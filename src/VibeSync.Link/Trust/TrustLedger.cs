namespace VibeSync.Link.Trust;

/// <summary>
/// An engine's trust: minor violations (rate limits, oversize transfers, invalid values) take
/// from it; at zero the engine is QUARANTINED (read-only: its edits are refused) until a
/// cool-off passes, after which it starts again with half its trust. Permanent errors (a
/// forbidden path) quarantine at once. Kept per engine across reconnects.
/// </summary>
public sealed class TrustLedger
{
    private readonly LinkOptions _options;
    private readonly TimeProvider _time;
    private readonly object _gate = new();

    /// <summary>A full ledger.</summary>
    public TrustLedger(LinkOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        Score = options.InitialTrust;
    }

    /// <summary>Trust left.</summary>
    public int Score { get; private set; }

    /// <summary>Until when the engine is quarantined, or null.</summary>
    public DateTimeOffset? QuarantinedUntil { get; private set; }

    /// <summary>Why it was quarantined last.</summary>
    public string? QuarantineReason { get; private set; }

    /// <summary>True while quarantined; ends the quarantine once the cool-off has passed.</summary>
    public bool IsQuarantined
    {
        get
        {
            lock (_gate)
            {
                if (QuarantinedUntil is { } until && _time.GetUtcNow() >= until)
                {
                    QuarantinedUntil = null;
                    Score = Math.Max(1, _options.InitialTrust / 2);
                }
                return QuarantinedUntil != null;
            }
        }
    }

    /// <summary>Takes <paramref name="cost"/>; returns true when that quarantined the engine.</summary>
    public bool Deplete(int cost, string why)
    {
        lock (_gate)
        {
            if (QuarantinedUntil != null) return false;
            Score = Math.Max(0, Score - cost);
            if (Score > 0) return false;
            Quarantine(why);
            return true;
        }
    }

    /// <summary>Quarantines at once (a permanent error).</summary>
    public void Quarantine(string why)
    {
        lock (_gate)
        {
            Score = 0;
            QuarantinedUntil = _time.GetUtcNow() + _options.QuarantineCoolOff;
            QuarantineReason = why;
        }
    }
}
