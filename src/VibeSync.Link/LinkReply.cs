using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;

namespace VibeSync.Link;

/// <summary>An engine's answer to a request of the orchestrator.</summary>
/// <param name="Type">ACK, ERROR, APPLIED or STATE.</param>
/// <param name="Payload">Its payload, parsed strictly and firewalled.</param>
public sealed record LinkReply(byte Type, JsonObject Payload)
{
    /// <summary>True unless the engine answered ERROR.</summary>
    public bool Ok => Type != MessageType.Error;

    /// <summary>The ERROR's code and sentence (empty for other answers).</summary>
    public (string Code, string Message) Error =>
        Type == MessageType.Error
            ? ((Payload.Get("code") as JsonString)?.Value ?? "ERROR", (Payload.Get("message") as JsonString)?.Value ?? "")
            : ("", "");
}

/// <summary>An engine could not be asked: not connected, its session ended, or it did not answer in time.</summary>
public sealed class EngineUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EngineUnavailableException(string engine, string message) : base(message) { Engine = engine; }

    /// <summary>blender or unity.</summary>
    public string Engine { get; }
}
