using VibeSync.Wal;

namespace VibeSync.Cluster;

/// <summary>Thrown by the JetStream journal when a write is refused because this node is not the leader.</summary>
public sealed class NotLeaderException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NotLeaderException(string message) : base(message) { }
}

internal static class JournalErrors
{
    /// <summary>JetStream's error code for a publish whose expected last sequence is stale.</summary>
    public const int WrongLastSequence = 10071;

    public static WalFailedException Unavailable(TimeSpan waited, Exception cause) => new(
        $"the JetStream journal did not acknowledge within {waited.TotalSeconds:0.#} s (is a quorum of NATS servers up?): {cause.Message}; " +
        "nothing was acknowledged, and appends resume when JetStream answers again", cause);
}
