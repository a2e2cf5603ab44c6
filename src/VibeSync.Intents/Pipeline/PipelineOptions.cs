using VibeSync.Intents.Authority;
using VibeSync.Intents.Reality;

namespace VibeSync.Intents.Pipeline;

/// <summary>Policies of a pipeline. The defaults are DESIGN §4's.</summary>
public sealed record PipelineOptions
{
    /// <summary>How far AI intents are admitted without approval.</summary>
    public TrustMode Trust { get; init; } = TrustMode.Default;

    /// <summary>
    /// How long a batch holding cosmetic intents stays open before it is verified (DESIGN §4:
    /// 250–500 ms). Provisional application is never held by a window: only verification and FINAL.
    /// </summary>
    public TimeSpan CosmeticWindow { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a batch holding structural intents stays open (DESIGN §4: 0–100 ms). Destructive intents have no window.</summary>
    public TimeSpan StructuralWindow { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Called before a destructive intent is applied, with Reality and the intent's footprint: it
    /// commits a safety snapshot and returns its reference, journaled with the intent. Failing
    /// refuses the intent. Null: no snapshots (the git snapshots of issue #8 plug in here).
    /// </summary>
    public Func<RealityScene, IReadOnlyCollection<string>, Task<string>>? SnapshotBeforeDestructive { get; init; }

    /// <summary>
    /// Called on the pipeline's spine each time a batch becomes FINAL, with Reality after it and
    /// the batch's intent ids. Must not block (the git snapshots of issue #8 queue a commit here).
    /// </summary>
    public Action<RealityScene, IReadOnlyList<ulong>>? AfterFinal { get; init; }

    /// <summary>
    /// Called on the spine when a live engine loses its confirmed parity with Reality (it failed an
    /// apply, a read or a rollback, or holds its human's edits differently once they went quiet).
    /// Must not block: the host takes it out of live and resyncs it.
    /// </summary>
    public Action<string, string>? OnParityLost { get; init; }

    /// <summary>
    /// Called on the spine after the pipeline wrote a checkpoint (a seed). Must not block: the
    /// orchestrator collects unreachable blobs in the background.
    /// </summary>
    public Action? AfterCheckpoint { get; init; }

    /// <summary>
    /// Called whenever the set of pending intents changes (one filed, approved, denied, or decided
    /// after waiting). Must not block: the orchestrator tells the adapters (PENDING_INTENTS).
    /// </summary>
    public Action? OnPendingChanged { get; init; }

    /// <summary>How long the origin engine of a human's edits must be quiet before they are read back from it.</summary>
    public TimeSpan OriginQuiet { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long an engine may take for one call before it counts as a fault.</summary>
    public TimeSpan EngineTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pauses before retrying a transient engine error (DESIGN §4: 100, 400, 1600 ms); then it is a fault.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = new[] { TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(1600) };

    /// <summary>Pause before asking a busy engine (compiling, loading) again.</summary>
    public TimeSpan BusyBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How many times a busy engine is asked again before it counts as a fault.</summary>
    public int BusyRetries { get; init; } = 3;

    /// <summary>Rollbacks of one uuid that put the pipeline in safe mode.</summary>
    public int UuidFailureThreshold { get; init; } = 3;

    /// <summary>Rollbacks of one operation kind that put the pipeline in safe mode.</summary>
    public int OperationFailureThreshold { get; init; } = 5;

    /// <summary>
    /// Most submissions admitted before their journal entries are made durable together and they
    /// are applied: bounds how long the first of a burst waits for its PROVISIONAL_OK.
    /// </summary>
    public int AdmissionChunk { get; init; } = 256;

    /// <summary>
    /// Most FINAL entries of a verified batch journaled at a time between admissions (issue #20):
    /// a close hands its FINAL entries to a queue instead of encoding them all at once, so an
    /// admission never waits behind a whole close. 0 journals them all at the close, as before.
    /// </summary>
    public int FinalChunk { get; init; } = 8;

    /// <summary>
    /// Told of each piece of spine work that holds admissions up (a batch's close, a chunk of FINAL
    /// entries), with its Stopwatch timestamps: what the benchmark lines slow intents up with.
    /// Runs on the spine: must be quick.
    /// </summary>
    public Action<SpineSpan>? OnSpineSpan { get; init; }

    /// <summary>What one intent may be (rationale, operations, bytes), checked first at admission; over a limit is RESOURCE_LIMIT.</summary>
    public AdmissionLimits Limits { get; init; } = new();

    /// <summary>
    /// Where mesh blobs are (the orchestrator's durable store): mesh operations are checked against
    /// their blobs (BLOB_MISSING, BLOB_SHAPE, INDEX_RANGE, limits.max_blob_bytes) and inline meshes
    /// are put here. Null: content is not checked (a pipeline tested on its own).
    /// </summary>
    public VibeSync.Protocol.Blobs.IBlobStore? Blobs { get; init; }

    /// <summary>Where the structured line of every step goes.</summary>
    public PipelineLog Log { get; init; } = PipelineLog.None;

    /// <summary>Windows of zero: every batch verifies as soon as it is applied (tests, scripted runs).</summary>
    public PipelineOptions WithoutWindows() => this with { CosmeticWindow = TimeSpan.Zero, StructuralWindow = TimeSpan.Zero };
}
