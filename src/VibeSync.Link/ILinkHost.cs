using VibeSync.Protocol.Operations;
using VibeSync.Protocol.State;

namespace VibeSync.Link;

/// <summary>What the link tells the orchestrator, and what it asks of it.</summary>
public interface ILinkHost
{
    /// <summary>An engine must stop: a contract violation, a lost heartbeat or generation drift. Only that engine.</summary>
    void Panic(string engine, string code, string reason);

    /// <summary>A human's edit reported by an engine, already typed, firewalled and within limits.</summary>
    /// <returns>Null when taken, or an error code and sentence for the adapter.</returns>
    Task<(string Code, string Message)?> EditAsync(string engine, IntentRequest edit);

    /// <summary>An engine reported its whole scene (attach, rebind); the report carries the orchestrator's own root and what a rebind dropped.</summary>
    void SceneReported(string engine, Scene scene, SceneReport report) { }

    /// <summary>A human started (or stopped) working on these objects in an engine.</summary>
    void HumanActive(string engine, IReadOnlyList<string> uuids, bool active) { }

    /// <summary>The hashes an engine read back for an applied intent's records, a tick after APPLIED.</summary>
    void Observed(string engine, ulong intent, IReadOnlyDictionary<string, string> records) { }

    /// <summary>
    /// Where the leader of a team-mode cluster takes adapters (HOST:PORT), sent with a REFUSED
    /// <c>NOT_LEADER</c> from <see cref="AdmitHello"/> so the adapter dials it next; null when unknown.
    /// </summary>
    string? LeaderEndpoint => null;

    /// <summary>
    /// A HELLO has authenticated under an engine's key: may that editor's file join? Null to
    /// welcome it, or a REFUSED code (PROJECT_MISMATCH, SCHEMA_MISMATCH) and the sentence the
    /// editor shows. Nothing is read from or written to the editor before this says yes.
    /// </summary>
    (string Code, string Message)? AdmitHello(Protocol.Link.Hello hello) => null;

    /// <summary>The complete list of what an engine does not sync now (NOT_SYNCED), replacing the last.</summary>
    void NotSynced(string engine, IReadOnlyList<Protocol.Link.NotSyncedItem> items) { }

    /// <summary>An engine's current session ended (closed, lost, revoked); a newer session of the same engine does not count.</summary>
    void Detached(string engine) { }
}
