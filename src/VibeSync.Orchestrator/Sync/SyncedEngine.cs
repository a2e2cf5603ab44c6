using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Operations;
using VibeSync.Link.Ports;
using VibeSync.Protocol.State;

namespace VibeSync.Orchestrator.Sync;

/// <summary>Where an engine stands with Reality.</summary>
public enum SyncPhase
{
    /// <summary>No session.</summary>
    Detached,
    /// <summary>Attached; being brought to Reality (first pairing or resync).</summary>
    Syncing,
    /// <summary>In parity with Reality: the pipeline applies and verifies in it.</summary>
    Live,
    /// <summary>Attached, but parity could not be reached (see the reason); nothing is applied in it.</summary>
    Blocked,
}

/// <summary>
/// An engine as the pipeline sees it: the link port plus whether it is live. Only the attach flow
/// changes the phase; the pipeline only reads <see cref="IsLive"/>.
/// </summary>
internal sealed class SyncedEngine : IEnginePort
{
    private readonly LinkEnginePort _port;
    private volatile SyncPhase _phase = SyncPhase.Detached;

    public SyncedEngine(LinkEnginePort port) => _port = port;

    public string Name => _port.Name;
    public bool IsLive => _phase == SyncPhase.Live;
    public SyncPhase Phase => _phase;

    /// <summary>Why it is blocked (or what the last attach found), for status.</summary>
    public string? Reason { get; private set; }

    /// <summary>What the last resync could not mend.</summary>
    public IReadOnlyList<string> Unreachable { get; private set; } = Array.Empty<string>();

    /// <summary>Its root when parity was last established (hex), or null.</summary>
    public string? ParityRoot { get; private set; }

    /// <summary>Every uuid it ever reported: a full read-back asks for these and Reality's.</summary>
    public HashSet<string> Known { get; } = new(StringComparer.Ordinal);

    /// <summary>Bumped on every attach, so a slow attach flow that a newer one overtook gives up.</summary>
    public int Attachments;

    public void Set(SyncPhase phase, string? reason = null, IReadOnlyList<string>? unreachable = null, string? parityRoot = null)
    {
        Reason = reason;
        if (unreachable != null) Unreachable = unreachable;
        if (parityRoot != null || phase != SyncPhase.Live) ParityRoot = parityRoot;
        _phase = phase;
    }

    public Task<string> ApplyProvisionalAsync(ulong intentId, IReadOnlyList<Operation> operations) => _port.ApplyProvisionalAsync(intentId, operations);
    public Task<Scene> ReadAsync(IReadOnlyCollection<string> uuids) => _port.ReadAsync(uuids);
    public Task FinalizeAsync(IReadOnlyList<ulong> intentIds) => _port.FinalizeAsync(intentIds);
    public Task RollbackAsync(ulong intentId, string undoToken) => _port.RollbackAsync(intentId, undoToken);
}
