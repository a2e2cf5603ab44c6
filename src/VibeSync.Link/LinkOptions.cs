namespace VibeSync.Link;

/// <summary>The link's policies. The defaults are DESIGN §6's.</summary>
public sealed record LinkOptions
{
    /// <summary>The data directory's project ID, told to adapters in WELCOME (they stamp their file with it).</summary>
    public string ProjectId { get; init; } = "standalone";

    /// <summary>Loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Also take adapters across the LAN there, over TLS 1.3 (<c>serve --listen</c>); null: loopback only.</summary>
    public Transport.TlsListen? Tls { get; init; }

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

    /// <summary>
    /// Connections that have not finished a handshake, at most. A new one beyond it closes the
    /// oldest idle stranger (one with no HELLO to read; an honest adapter sends its HELLO as it
    /// connects), or waits briefly for one to finish: a flood of idle connections cannot keep an
    /// adapter out (<see cref="Sessions.StrangerPool"/>).
    /// </summary>
    public int MaxPendingConnections { get; init; } = 256;

    /// <summary>
    /// Edits of one object an engine may send per second, sustained (a token bucket per object).
    /// Four times a 60 Hz drag: an adapter that sends one edit per object per editor tick is never limited.
    /// </summary>
    public double ObjectEditsPerSecond { get; init; } = 240;

    /// <summary>
    /// Edits of one object that may arrive at once (the bucket's size): a stall of the adapter, the
    /// link or the orchestrator delivers the edits it held back together, and they are not a flood.
    /// </summary>
    public int ObjectEditBurst { get; init; } = 60;

    /// <summary>Edits holding heavy operations (mesh or asset replacement, creation of a mesh, deletion) per engine per second, sustained; as many may arrive at once.</summary>
    public int HeavyPerSecond { get; init; } = 20;

    /// <summary>Trust an engine regains per second without a violation, up to <see cref="InitialTrust"/>.</summary>
    public double TrustRecoveryPerSecond { get; init; } = 1;

    /// <summary>
    /// Bytes an unfinished SCENE in parts may hold (the payloads of its parts so far); the part
    /// beyond it is refused <c>RESOURCE_LIMIT</c> and the transfer dropped.
    /// </summary>
    public long MaxSceneBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>How long a SCENE in parts may take from its first part to its last; an unfinished one older than this is dropped.</summary>
    public TimeSpan SceneTransferTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Vertices a replaced mesh may have.</summary>
    public int MaxMeshVertices { get; init; } = 1_000_000;

    /// <summary>Bytes one blob may have (config <c>limits.max_blob_bytes</c>; WELCOME's <c>blob_bytes</c>): a bigger one is refused <c>BLOB_TOO_LARGE</c> from its first chunk.</summary>
    public long MaxBlobBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The project's tangent policy (config <c>content.tangents</c>), told to adapters in WELCOME.</summary>
    public bool Tangents { get; init; }

    /// <summary>The project's scene time sync (config <c>sync.scene_time</c>): TIME is forwarded between engines only when on; told to adapters in WELCOME.</summary>
    public bool SceneTime { get; init; }

    /// <summary>Data bytes in one BLOB_CHUNK, at most (WELCOME's <c>chunk_bytes</c>): frames stay far below <see cref="MaxFrame"/>.</summary>
    public int ChunkBytes { get; init; } = Protocol.Blobs.BlobChunk.DefaultChunkBytes;

    /// <summary>Trust an engine starts with; minor violations take from it.</summary>
    public int InitialTrust { get; init; } = 100;

    /// <summary>How long a quarantined engine stays read-only before it is trusted again (with half its trust).</summary>
    public TimeSpan QuarantineCoolOff { get; init; } = TimeSpan.FromSeconds(30);
}
