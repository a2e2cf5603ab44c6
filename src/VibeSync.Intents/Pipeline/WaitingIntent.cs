using VibeSync.Intents.Authority;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Operations;

namespace VibeSync.Intents.Pipeline;

/// <summary>An intent waiting for a human, with its operations, as the console shows it for review (the link's <c>PendingIntent</c> is what the editors' panels list).</summary>
/// <param name="Id">Its intent id.</param>
/// <param name="Request">The operations, based_on and rationale it was submitted with.</param>
/// <param name="Actor">Who submitted it.</param>
/// <param name="Why">What it waits for (approval, a lock, safe mode, the end of a PANIC).</param>
public sealed record WaitingIntent(ulong Id, IntentRequest Request, Actor Actor, AdmissionOutcome Why);
