using VibeSync.Intents.Operations;

namespace VibeSync.Link;

/// <summary>What the link tells the orchestrator, and what it asks of it.</summary>
public interface ILinkHost
{
    /// <summary>An engine must stop: a contract violation, a lost heartbeat or generation drift. Only that engine.</summary>
    void Panic(string engine, string code, string reason);

    /// <summary>A human's edit reported by an engine, already typed, firewalled and within limits.</summary>
    /// <returns>Null when taken, or an error code and sentence for the adapter.</returns>
    Task<(string Code, string Message)?> EditAsync(string engine, IntentRequest edit);
}
