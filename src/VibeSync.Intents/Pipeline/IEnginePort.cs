using VibeSync.Protocol.State;

namespace VibeSync.Intents.Pipeline;

/// <summary>
/// The narrow port through which the pipeline drives an engine: apply provisionally, read back
/// what it holds, finalize, roll back. The link (issue #5) implements it over signed frames; tests
/// implement it in memory.
/// </summary>
public interface IEnginePort
{
    /// <summary>blender, unity, … as written in the WAL.</summary>
    string Name { get; }

    /// <summary>
    /// Attached and in parity with Reality. The pipeline applies and verifies only in live engines;
    /// one that is not (detached, resyncing) is brought to Reality when it attaches.
    /// </summary>
    bool IsLive => true;

    /// <summary>Applies the operations provisionally, all or none; returns the undo token that restores the prior values.</summary>
    /// <exception cref="EngineFaultException">The engine could not apply them; nothing stays applied.</exception>
    Task<string> ApplyProvisionalAsync(ulong intentId, IReadOnlyList<Operation> operations);

    /// <summary>The records the engine now holds for <paramref name="uuids"/>, in canonical values (absent ones omitted).</summary>
    Task<Scene> ReadAsync(IReadOnlyCollection<string> uuids);

    /// <summary>Makes the provisional changes of a verified batch permanent (they may now be saved); one call per batch.</summary>
    Task FinalizeAsync(IReadOnlyList<ulong> intentIds);

    /// <summary>Restores exactly what <paramref name="undoToken"/> recorded.</summary>
    Task RollbackAsync(ulong intentId, string undoToken);

    /// <summary>
    /// Completes once every edit the engine reported before answering this call has been handed to
    /// the pipeline: one round trip on its ordered link, through the same queue its reports and
    /// answers leave by. The pipeline asks it before it judges a read that differed, so a human's
    /// edit the engine had made but not yet reported is not taken for a mismatch. By default a read
    /// of <paramref name="uuids"/> whose answer is not used; an engine that reports nothing
    /// (in memory) completes at once.
    /// </summary>
    Task CatchUpAsync(IReadOnlyCollection<string> uuids) => ReadAsync(uuids);
}

/// <summary>An engine failed to do what it was asked.</summary>
public sealed class EngineFaultException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EngineFaultException(string message) : base(message) { }
}

/// <summary>A transient failure (a dropped frame, a momentary I/O error): nothing was done, the call may be repeated.</summary>
public sealed class EngineTransientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EngineTransientException(string message) : base(message) { }
}

/// <summary>The engine is busy (compiling scripts, loading a file): nothing was done; ask again after a pause.</summary>
public sealed class EngineBusyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EngineBusyException(string message) : base(message) { }
}
