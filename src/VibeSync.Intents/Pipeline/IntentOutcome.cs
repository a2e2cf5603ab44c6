using VibeSync.Wal.Entries;

namespace VibeSync.Intents.Pipeline;

/// <summary>Where an intent stands after a pipeline step, and why.</summary>
/// <param name="IntentId">The orchestrator's number for it.</param>
/// <param name="Phase">PENDING, FINAL, ROLLED_BACK or REFUSED.</param>
/// <param name="Reason">A sentence a person or an agent can act on.</param>
/// <param name="Error">The refusal, when it was refused.</param>
public sealed record IntentOutcome(ulong IntentId, IntentPhase Phase, string Reason, IntentRefusedException? Error = null);
