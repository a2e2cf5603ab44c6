using VibeSync.Intents.Validation;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Pipeline;

/// <summary>One intent waiting for a human, as the pipeline holds it.</summary>
/// <param name="Id">The intent's number.</param>
/// <param name="Actor">Who asked.</param>
/// <param name="Class">Its class, from its operations.</param>
/// <param name="Rationale">Why it was asked, or null.</param>
/// <param name="Approved">A human approved it and it waits again (a lock, safe mode, PANIC): no decision is asked of anyone.</param>
public sealed record PendingIntentInfo(ulong Id, Actor Actor, IntentClass Class, string? Rationale, bool Approved);
