using VibeSync.Intents.Classification;
using VibeSync.Intents.Validation;

namespace VibeSync.Intents.Authority;

/// <summary>What happens to a valid intent next.</summary>
public enum AdmissionOutcome
{
    /// <summary>Goes on to be journaled and applied.</summary>
    Admit,
    /// <summary>Waits as PENDING for a human to approve or deny it.</summary>
    AwaitApproval,
    /// <summary>Waits (with backoff) until a human releases a lock on something it touches.</summary>
    WaitHumanLock,
    /// <summary>Waits: the engine is in PANIC and all speculation is halted until a human resumes.</summary>
    Halted,
}

/// <summary>The decision and why, for the journal and for the submitter.</summary>
public sealed record AdmissionDecision(AdmissionOutcome Outcome, string Reason);

/// <summary>
/// Authority (DESIGN §4): emergency override &gt; human &gt; orchestrator &gt; AI &gt; engine. Humans
/// and the orchestrator are admitted; AI intents need a rationale, wait for any human lock on what
/// they touch, and are admitted without approval only up to the trust mode's class. PANIC halts
/// everyone but the emergency override.
/// </summary>
public static class Admission
{
    /// <summary>
    /// Decides for a validated intent. An AI intent also waits for a human whatever the trust mode
    /// when it deletes, or when validation found that it reaches records the AI may not see
    /// (<paramref name="reachesUnseen"/>, <see cref="Validated.ReachesUnseen"/>).
    /// </summary>
    /// <exception cref="IntentRefusedException">An AI intent without a rationale.</exception>
    public static AdmissionDecision Decide(IntentRequest intent, Actor actor, TrustMode trust, LockTable locks, bool panic, bool reachesUnseen = false)
    {
        if (panic && actor.Kind != ActorKind.EmergencyOverride)
            return new(AdmissionOutcome.Halted, "the engine is in PANIC: speculation is halted until a human resumes");
        if (actor.Kind >= ActorKind.Orchestrator)
            return new(AdmissionOutcome.Admit, $"{actor} outranks AI and engines");

        if (actor.Kind == ActorKind.Ai && string.IsNullOrWhiteSpace(intent.Rationale))
            throw new IntentRefusedException(IntentErrorCode.MissingField, "rationale", "an AI intent must say why (rationale)");
        var touched = intent.Operations.SelectMany(Touches).Distinct(StringComparer.Ordinal);
        if (locks.FirstLocked(touched) is { } locked)
            return new(AdmissionOutcome.WaitHumanLock, $"{locked} is being edited by {locks.Held[locked]}: waiting for the human (WAIT_HUMAN_LOCK)");
        var cls = IntentClassifier.Classify(intent.Operations);
        // A delete may reach children the AI does not see; holding every AI delete, whatever the
        // trust mode, keeps the answer the same whether it does or not (DESIGN §8).
        if (actor.Kind == ActorKind.Ai && intent.Operations.Any(op => op is DeleteObject))
            return new(AdmissionOutcome.AwaitApproval, $"an AI's delete_object always waits for a human's approval, whatever the trust mode ({actor})");
        if (actor.Kind == ActorKind.Ai && reachesUnseen)
            return new(AdmissionOutcome.AwaitApproval, $"{cls} intents from {actor} wait for a human's approval");
        return trust.AdmitAiUpTo is { } limit && cls <= limit
            ? new(AdmissionOutcome.Admit, $"{cls} intents are admitted by the trust mode")
            : new(AdmissionOutcome.AwaitApproval, $"{cls} intents from {actor} wait for a human's approval");
    }

    /// <summary>Approving or denying is a human's act.</summary>
    /// <exception cref="UnauthorizedAccessException">An AI, engine or the orchestrator tried.</exception>
    public static void CheckCanApprove(Actor actor)
    {
        if (actor.Kind < ActorKind.Human) throw new UnauthorizedAccessException($"{actor} cannot approve or deny: only a human can");
    }

    /// <summary>Every uuid an operation names: its target and any object it points at.</summary>
    public static IEnumerable<string> Touches(Operation op)
    {
        yield return op.Uuid;
        if (PointsAt(op, out var other)) yield return other!;
    }

    /// <summary>
    /// Adds what <see cref="Touches"/> yields to <paramref name="into"/>, without the iterator
    /// <see cref="Touches"/> allocates (every admission's footprint asks for it).
    /// </summary>
    public static void AddTouches(Operation op, List<string> into)
    {
        into.Add(op.Uuid);
        if (PointsAt(op, out var other)) into.Add(other!);
    }

    /// <summary>The object an operation points at besides its target, if any.</summary>
    private static bool PointsAt(Operation op, out string? other)
    {
        switch (op)
        {
            case SetParent { Parent: { } p }: other = p; return true;
            case CreateObject { Parent: { } p }: other = p; return true;
            case InstantiatePrefab { Parent: { } p }: other = p; return true;
            case DuplicateObject d: other = d.NewUuid; return true;
            case AssignMaterial { Material: { } m }: other = m; return true;
            case SetMesh m: other = m.Mesh; return true;
            default: other = null; return false;
        }
    }
}
