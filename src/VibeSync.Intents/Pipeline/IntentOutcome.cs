using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Pipeline;

/// <summary>Where an intent stands after a pipeline step, and why.</summary>
/// <param name="IntentId">The orchestrator's number for it.</param>
/// <param name="Phase">PROVISIONAL (applied everywhere, not yet verified), PENDING, FINAL, ROLLED_BACK, QUARANTINED or REFUSED.</param>
/// <param name="Reason">A sentence a person or an agent can act on.</param>
/// <param name="Error">The refusal, when it was refused.</param>
public sealed record IntentOutcome(ulong IntentId, IntentPhase Phase, string Reason, IntentRefusedException? Error = null);

/// <summary>A submitted intent's two answers.</summary>
/// <param name="Provisional">PROVISIONAL once every engine applied it (PROVISIONAL_OK), or whatever came first (PENDING, REFUSED, …).</param>
/// <param name="Settled">The phase it rests in: FINAL, ROLLED_BACK, QUARANTINED, REFUSED, or PENDING while it waits for a human.</param>
public sealed record IntentTicket(Task<IntentOutcome> Provisional, Task<IntentOutcome> Settled);
