namespace VibeSync.Orchestrator.Journal;

/// <summary>One intent on the timeline: who, what class, every phase it went through, how it ended.</summary>
/// <param name="Intent">Its id.</param>
/// <param name="Actor">Who submitted it.</param>
/// <param name="Class">cosmetic, structural or destructive.</param>
/// <param name="Phases">Its journal entries' phases, in order.</param>
/// <param name="Phase">Its latest phase.</param>
/// <param name="FirstMs">When it was first journaled (Unix ms).</param>
/// <param name="LastMs">When it was last journaled (Unix ms).</param>
/// <param name="Rationale">Its first entry's rationale.</param>
/// <param name="RollbackReason">Why it was rolled back, if it was.</param>
/// <param name="Verified">Whether the engines' hash matched Reality's when it was verified (null: not verified by hash).</param>
public sealed record IntentSummary(ulong Intent, string Actor, string Class, IReadOnlyList<string> Phases, string Phase, long FirstMs, long LastMs,
    string? Rationale, string? RollbackReason, bool? Verified);

/// <summary>Which intents the timeline shows; an empty criterion accepts every intent.</summary>
/// <param name="Actor">An actor (<c>ai:claude</c>) or a kind of actor (<c>ai</c>, <c>human</c>, <c>engine</c>, <c>orchestrator</c>).</param>
/// <param name="Class">cosmetic, structural or destructive.</param>
/// <param name="Phase">Its latest phase (FINAL, PENDING, ROLLED_BACK, REFUSED, …).</param>
public sealed record TimelineFilter(string? Actor, string? Class, string? Phase)
{
    /// <summary>True when <paramref name="intent"/> meets every criterion given.</summary>
    public bool Accepts(IntentSummary intent) =>
        (string.IsNullOrEmpty(Actor) || intent.Actor == Actor || intent.Actor.StartsWith(Actor + ":", StringComparison.Ordinal))
        && (string.IsNullOrEmpty(Class) || intent.Class.Equals(Class, StringComparison.OrdinalIgnoreCase))
        && (string.IsNullOrEmpty(Phase) || intent.Phase.Equals(Phase, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One page of the timeline.</summary>
/// <param name="Intents">Newest first.</param>
/// <param name="More">Another page follows.</param>
/// <param name="Total">Intents in the journal, all filters aside.</param>
public sealed record TimelinePage(IReadOnlyList<IntentSummary> Intents, bool More, int Total);
