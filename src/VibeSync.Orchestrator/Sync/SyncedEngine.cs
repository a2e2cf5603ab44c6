using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Link;
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
    /// <summary>Its last handshake was refused (another project's file, a schema this build does not speak); no session.</summary>
    Refused,
}

/// <summary>A refused handshake, as status shows it.</summary>
/// <param name="Code">PROJECT_MISMATCH, SCHEMA_MISMATCH or VERSION_SKEW.</param>
/// <param name="Message">The sentence the editor was told, with the command that pairs the file deliberately.</param>
/// <param name="At">When.</param>
public sealed record Refusal(string Code, string Message, DateTimeOffset At);

/// <summary>
/// An engine's standing, replaced whole on every change so a reader on any thread sees one
/// consistent state: phase and why, what the last resync could not mend, its root at parity, what
/// its adapter says it does not sync, and its last refused handshake.
/// </summary>
public sealed record EngineState(SyncPhase Phase, string? Reason, IReadOnlyList<string> Unreachable, string? ParityRoot,
    IReadOnlyList<NotSyncedItem> NotSynced, Refusal? LastRefusal)
{
    /// <summary>Before any session.</summary>
    public static EngineState Initial { get; } = new(SyncPhase.Detached, "no session yet", Array.Empty<string>(), null, Array.Empty<NotSyncedItem>(), null);
}

/// <summary>
/// An engine as the pipeline sees it: the link port plus whether it is live. The orchestrator's
/// attach flow and callbacks change its <see cref="State"/>; the pipeline only reads
/// <see cref="IsLive"/>. Thread-safe: writers swap an immutable state under one lock.
/// </summary>
internal sealed class SyncedEngine : IEnginePort
{
    private readonly LinkEnginePort _port;
    private readonly object _gate = new();
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private volatile EngineState _state = EngineState.Initial;
    private int _attachments;
    private readonly HashSet<string> _refusedEdits = new(StringComparer.Ordinal);

    public SyncedEngine(LinkEnginePort port) => _port = port;

    public string Name => _port.Name;
    public EngineState State => _state;
    public bool IsLive => _state.Phase == SyncPhase.Live;
    public SyncPhase Phase => _state.Phase;
    public string? Reason => _state.Reason;

    /// <summary>
    /// Moves it to <paramref name="phase"/>. <paramref name="unreachable"/>: what the last resync could
    /// not mend (kept when null); <paramref name="parityRoot"/>: its root at parity (cleared outside live).
    /// </summary>
    public void Set(SyncPhase phase, string? reason = null, IReadOnlyList<string>? unreachable = null, string? parityRoot = null)
    {
        lock (_gate)
        {
            var s = _state;
            _state = s with
            {
                Phase = phase, Reason = reason, Unreachable = unreachable ?? s.Unreachable,
                ParityRoot = parityRoot ?? (phase == SyncPhase.Live ? s.ParityRoot : null),
            };
        }
    }

    /// <summary>The adapter's complete list of what it does not sync now.</summary>
    public void SetNotSynced(IReadOnlyList<NotSyncedItem> items)
    {
        lock (_gate) _state = _state with { NotSynced = items };
    }

    /// <summary>A handshake of this engine was refused; without a session it is shown as refused.</summary>
    public void Refused(Refusal refusal)
    {
        lock (_gate)
        {
            var s = _state;
            _state = s.Phase is SyncPhase.Detached or SyncPhase.Refused
                ? s with { Phase = SyncPhase.Refused, Reason = $"{refusal.Code}: {refusal.Message}", LastRefusal = refusal, ParityRoot = null }
                : s with { LastRefusal = refusal };
        }
    }

    /// <summary>Remembers uuids it reported: a full read-back asks for these and Reality's.</summary>
    public void AddKnown(IEnumerable<string> uuids)
    {
        lock (_known) foreach (var u in uuids) _known.Add(u);
    }

    /// <summary>Every uuid it ever reported, copied.</summary>
    public HashSet<string> Known()
    {
        lock (_known) return new HashSet<string>(_known, StringComparer.Ordinal);
    }

    /// <summary>An edit of its human touching <paramref name="uuids"/> was refused because it was not live yet: once live, what its human made of them is adopted.</summary>
    public void RefusedEdit(IEnumerable<string> uuids)
    {
        lock (_refusedEdits) foreach (var u in uuids) _refusedEdits.Add(u);
    }

    /// <summary>The records its refused edits touched since the last call (empty when none).</summary>
    public IReadOnlyCollection<string> TakeRefusedEdits()
    {
        lock (_refusedEdits)
        {
            var taken = _refusedEdits.ToArray();
            _refusedEdits.Clear();
            return taken;
        }
    }

    /// <summary>A new attach (or detach) begins; a slower flow of an earlier one gives up. Returns its number.</summary>
    public int NextAttachment() => Interlocked.Increment(ref _attachments);

    /// <summary>True while no newer attach or detach happened since <paramref name="attachment"/>.</summary>
    public bool IsCurrent(int attachment) => Volatile.Read(ref _attachments) == attachment;

    public Task<string> ApplyProvisionalAsync(ulong intentId, IReadOnlyList<Operation> operations) => _port.ApplyProvisionalAsync(intentId, operations);
    public Task<Scene> ReadAsync(IReadOnlyCollection<string> uuids) => _port.ReadAsync(uuids);
    public Task FinalizeAsync(IReadOnlyList<ulong> intentIds) => _port.FinalizeAsync(intentIds);
    public Task RollbackAsync(ulong intentId, string undoToken) => _port.RollbackAsync(intentId, undoToken);
}
