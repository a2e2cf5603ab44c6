namespace VibeSync.Link;

/// <summary>The link's policies. The defaults are DESIGN §6's.</summary>
public sealed record LinkOptions
{
    /// <summary>The data directory's project ID, told to adapters in WELCOME (they stamp their file with it).</summary>
    public string ProjectId { get; init; } = "standalone";

    /// <summary>Loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Largest frame accepted (length field), checked before the body is read.</summary>
    public int MaxFrame { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Largest frame accepted before a peer has authenticated. A HELLO is a few hundred bytes;
    /// with <see cref="MaxPendingConnections"/> this bounds what strangers can make us hold.
    /// </summary>
    public int MaxHandshakeFrame { get; init; } = 16 * 1024;

    /// <summary>How long a connection may take to send a valid HELLO.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a frame whose length has arrived may take to arrive whole (a held-open half frame is dropped).</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often adapters must send a heartbeat (told to them in WELCOME).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Silence after which the circuit breaker opens: PANIC for that engine.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How far a frame's timestamp may be from this clock.</summary>
    public long ClockWindowMs { get; init; } = 5_000;

    /// <summary>How often session keys are re-derived (REKEY); zero: never.</summary>
    public TimeSpan RekeyInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Connections that have not finished a handshake, at most; more are closed at once.</summary>
    public int MaxPendingConnections { get; init; } = 256;

    /// <summary>Longest pause imposed on a source that keeps sending unauthenticated junk.</summary>
    public TimeSpan MaxJunkPenalty { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Mutations of one object within this tick beyond the first are rate-limited.</summary>
    public TimeSpan MutationTick { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Heavy operations (mesh and asset replacement, deletion) per engine per second.</summary>
    public int HeavyPerSecond { get; init; } = 20;

    /// <summary>Vertices a replaced mesh may have.</summary>
    public int MaxMeshVertices { get; init; } = 1_000_000;

    /// <summary>Trust an engine starts with; minor violations take from it.</summary>
    public int InitialTrust { get; init; } = 100;

    /// <summary>How long a quarantined engine stays read-only before it is trusted again (with half its trust).</summary>
    public TimeSpan QuarantineCoolOff { get; init; } = TimeSpan.FromSeconds(30);
}
