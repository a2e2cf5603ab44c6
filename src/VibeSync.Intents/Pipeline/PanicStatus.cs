namespace VibeSync.Intents.Pipeline;

/// <summary>An engine in PANIC, and why (status shows it; only a human's emergency unlock lifts it).</summary>
/// <param name="Engine">The engine.</param>
/// <param name="Code">What tripped it: HEARTBEAT_LOST, a contract violation's code, …</param>
/// <param name="Reason">A sentence.</param>
/// <param name="Since">When.</param>
public sealed record PanicStatus(string Engine, string Code, string Reason, DateTimeOffset Since);
