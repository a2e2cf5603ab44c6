using VibeSync.Blobs;
using System.Text.Json;
using VibeSync.Intents.Authority;
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Resync;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Operations;
using VibeSync.Link;
using VibeSync.Link.Ports;
using VibeSync.Orchestrator.Collection;
using VibeSync.Orchestrator.Snapshots;
using VibeSync.Orchestrator.Sync;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using VibeSync.Orchestrator.Control;
using VibeSync.Orchestrator.Data;
using VibeSync.Orchestrator.Keys;
using VibeSync.Orchestrator.Project;
using VibeSync.Protocol.Link;

namespace VibeSync.Orchestrator;

/// <summary>What <c>vibesync serve</c> is asked to run.</summary>
public sealed record ServeOptions
{
    /// <summary>The data directory (created).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The adapter link's port; 0 picks a free one (written to serve.json).</summary>
    public int LinkPort { get; init; }

    /// <summary>The control API's port; 0 picks a free one (written to serve.json).</summary>
    public int ApiPort { get; init; }

    /// <summary>Also take adapters across the LAN at this address over TLS 1.3 (<c>serve --listen</c>); null: loopback only.</summary>
    public System.Net.IPEndPoint? Listen { get; init; }

    /// <summary>The link's policies.</summary>
    public LinkOptions Link { get; init; } = new();

    /// <summary>Where link and service events go (JSON lines).</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;

    /// <summary>The intent pipeline's policies (trust mode, batch windows, timeouts, thresholds).</summary>
    public PipelineOptions Pipeline { get; init; } = new();

    /// <summary>At an engine's first pairing, whose state wins where both have a uuid with different state.</summary>
    public string SourceOfTruth { get; init; } = Engines.Blender;

    /// <summary>The journal to write, already open (team mode's JetStream journal); null: DIR/wal, the local write-ahead log. Disposed by the service.</summary>
    public IJournal? Journal { get; init; }

    /// <summary>Team mode: the cluster's store of safety snapshots, each commit published before its id is journaled; null: DIR/snapshots only.</summary>
    public Snapshots.ISnapshotBundles? SnapshotBundles { get; init; }
}

/// <summary>An engine's standing with Reality.</summary>
/// <param name="Engine">blender or unity.</param>
/// <param name="Phase">detached, syncing, live, blocked or refused. Live only while the pipeline has confirmed that it holds Reality as it is now.</param>
/// <param name="Reason">Why it is in that phase.</param>
/// <param name="Paired">It was paired with Reality before (a first pairing adopts; later attaches only resync).</param>
/// <param name="ParityRoot">Its root when parity was last established.</param>
/// <param name="Unreachable">Differences the last resync could not mend.</param>
/// <param name="NotSynced">What its adapter says it does not sync now, and why (not synced: reason).</param>
/// <param name="Refusal">Its last refused handshake (another project's file, a newer schema), with the command that pairs the file deliberately.</param>
/// <param name="PairedFile">The editor file it is paired with (project.json).</param>
public sealed record EngineSync(string Engine, string Phase, string? Reason, bool Paired, string? ParityRoot, IReadOnlyList<string> Unreachable,
    IReadOnlyList<NotSyncedItem> NotSynced, Refusal? Refusal, string? PairedFile);

/// <summary>Reality and the pipeline, as status shows them.</summary>
/// <param name="RealityRoot">Root of Reality (the authoritative canonical values), hex. An engine in parity reports the same root, or one that differs only by quantization ties its fields confirm.</param>
/// <param name="Objects">Objects in Reality.</param>
/// <param name="Materials">Materials in Reality.</param>
/// <param name="Meshes">Meshes in Reality.</param>
/// <param name="Pending">Intents waiting for a human.</param>
/// <param name="SafeMode">Why automation is paused, or null.</param>
/// <param name="Locks">HUMAN_ACTIVE locks held (uuids).</param>
/// <param name="Engines">Each engine's standing.</param>
/// <param name="WalSequence">Last durable WAL record.</param>
/// <param name="Dirty">Objects refused as DIRTY after a hash mismatch until an engine is confirmed back in parity.</param>
/// <param name="ProjectId">The data directory's project (files of its engines carry it as their stamp).</param>
public sealed record SyncStatus(string RealityRoot, int Objects, int Materials, int Meshes, IReadOnlyList<ulong> Pending, string? SafeMode,
    IReadOnlyList<string> Locks, IReadOnlyList<EngineSync> Engines, ulong WalSequence, IReadOnlyList<string> Dirty, string ProjectId);

/// <summary>One journal entry as the control API (and the MCP server's read_wal) shows it.</summary>
public sealed record JournalEntry(ulong Sequence, ulong Intent, string Phase, long TimestampMs, string Engine, string Actor, IReadOnlyList<string> Uuids,
    string Class, string? Rationale, string? RollbackReason, string? SnapshotRef, string? ExpectedHash, string? ObservedHash);

/// <summary>The orchestrator's state as <c>vibesync status --json</c> prints it.</summary>
public sealed record ServiceStatus(int Pid, string DataDirectory, string Protocol, LinkStatus Link, IReadOnlyList<PanicStatus> Panics, SyncStatus Sync);

/// <summary>
/// The running orchestrator: keys, the WAL and Reality, the intent pipeline (the single writer),
/// the adapter link with one port per engine, the attach flow that brings engines to parity, and
/// the control API. A human's edit reported by an engine becomes an intent from that engine.
/// </summary>
public sealed class OrchestratorService : ILinkHost, IAsyncDisposable
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
    private readonly ServeOptions _options;
    private readonly LinkLog _log;
    private readonly SemaphoreSlim _attaching = new(1, 1); // one attach at a time: two engines arriving together never both seed
    private ProjectIdentity _project = null!;
    private Orchestrator.Journal.JournalIndex _journal = null!;
    private LinkServer _link = null!;
    private BlobStore _blobs = null!;
    private BlobCollector? _collector;
    private PendingNotices? _notices;

    /// <summary>The content-addressed blob store under DIR/blobs: what adapters sent over the link, durable before the message naming it is handled.</summary>
    public BlobStore Blobs => _blobs;

    /// <summary>Unfinished <c>put_blob</c> uploads (<c>POST /v1/blobs</c>), bounded per actor by the pipeline's limits, expired when idle.</summary>
    public Uploads.PartialUploads Uploads { get; private set; } = null!;
    private ControlApi _api = null!;
    private IJournal _wal = null!;
    private IntentPipeline _pipeline = null!;
    private Snapshotter _snapshots = null!;
    private AttachFlow _attach = null!;
    private Dictionary<string, SyncedEngine> _engines = null!;
    private DataDirectoryLock? _lock;

    private OrchestratorService(ServeOptions options)
    {
        _options = options;
        _log = new LinkLog(options.Log);
    }

    /// <summary>
    /// Takes the data directory's one-writer lock, creates what is missing in it (readable by its
    /// owner only), starts the link and the API, and writes serve.json.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another orchestrator holds this data directory (the message names its pid).</exception>
    public static async Task<OrchestratorService> StartAsync(ServeOptions options)
    {
        if (!Directory.Exists(options.DataDirectory)) PrivateFiles.EnsureDirectory(options.DataDirectory);
        // Before anything in the directory is opened for writing: one data directory, one writer.
        var held = DataDirectoryLock.Acquire(options.DataDirectory);
        try
        {
            var service = await StartLockedAsync(options).ConfigureAwait(false);
            service._lock = held;
            return service;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private static async Task<OrchestratorService> StartLockedAsync(ServeOptions options)
    {
        // Files an earlier version wrote with the default umask become the owner's only.
        foreach (var file in new[] { Config.ServeConfig.FileName, "project.json", CleanShutdownMarker })
            PrivateFiles.Tighten(Path.Combine(options.DataDirectory, file));
        var keys = EngineKeys.LoadAll(options.DataDirectory); // the defaults and every instance `vibesync keys add` made
        var token = SecretFiles.LoadOrCreate(SecretFiles.ControlTokenPath(options.DataDirectory));
        var aiToken = SecretFiles.LoadOrCreate(SecretFiles.AiTokenPath(options.DataDirectory)); // what `vibesync mcp` holds: AI actors only
        var service = new OrchestratorService(options);
        service._wal = options.Journal ?? WriteAheadLog.Open(Path.Combine(options.DataDirectory, "wal"));
        // The log is read once here and shared: the journal index, Reality's replay and the first
        // blob collection's roots (a million-entry log was read four times: bench journal).
        var records = service._wal.ReadAll();
        service._journal = Orchestrator.Journal.JournalIndex.Of(service._wal, records); // before anything appends: the recovery rollbacks below are indexed too
        var (reality, paired) = RealityStore.Load(service._wal, records);
        service._project = ProjectIdentity.LoadOrCreate(options.DataDirectory, paired);
        // project.json also remembers pairings a compacted log no longer holds; a pending replace unpairs.
        paired.UnionWith(service._project.Record.Engines.Keys);
        paired.ExceptWith(service._project.Record.ReplaceNext);
        service._blobs = BlobStore.Open(Path.Combine(options.DataDirectory, "blobs"));
        var tls = options.Listen is { } listen ? TlsCertificate.Listen(options.DataDirectory, listen) : null;
        service._link = new LinkServer(options.Link with { Port = options.LinkPort, ProjectId = service._project.ProjectId, Tls = tls }, keys, service, service._log, blobs: service._blobs);
        service._engines = keys.Keys.ToDictionary(e => e, e => new SyncedEngine(new LinkEnginePort(service._link, e, options.Pipeline.EngineTimeout)));
        var pipelineLog = options.Log == TextWriter.Null ? PipelineLog.None : new PipelineLog(options.Log);
        // Blobs the git snapshots name are pinned as commits are made (a directory made before pins were kept is read once).
        bool pinsKept = PinnedBlobs.Exist(options.DataDirectory);
        var pins = PinnedBlobs.Open(options.DataDirectory);
        var repository = await SnapshotRepository.OpenAsync(Path.Combine(options.DataDirectory, "snapshots"), pins);
        if (!pinsKept) pins.Pin(await repository.BlobIdsInHistoryAsync());
        service._snapshots = new Snapshotter(repository, service._log, options.SnapshotBundles is { } bundles ? new SnapshotMirror(repository, bundles) : null);
        service._pipeline = await IntentPipeline.StartAsync(service._wal, reality, service._engines.Values.ToArray<IEnginePort>(),
            // Mesh blobs live in DIR/blobs (VibeSync.Blobs): mesh operations are checked against them and inline meshes put there durably.
            options.Pipeline with { Blobs = options.Pipeline.Blobs ?? service._blobs, Log = pipelineLog, AfterFinal = service._snapshots.Enqueue, SnapshotBeforeDestructive = service._snapshots.BeforeDestructiveAsync,
                OnParityLost = service.ParityLost, AfterCheckpoint = () => service._collector?.Start("after a checkpoint"),
                OnPendingChanged = () => { if (service._notices is { } n) service.Background(Task.Run(n.ChangedAsync), "pending intents"); } }, records: records);
        service._snapshots.Start(service._pipeline);
        var pipeline = service._pipeline;
        service.Uploads = new Uploads.PartialUploads(service._blobs, pipeline.Uploads, () => pipeline.Limits);
        service._collector = new BlobCollector(service._blobs, service._wal, pins,
            () => pipeline.Reality.ToScene().BlobIds().Concat(pipeline.Uploads.Live()), service._log);
        await service._collector.RunAsync("serve started", records); // before the link or the API can put anything
        records = null; // not held for the life of serve
        // The repository catches up with Reality (a crash may have left a FINAL batch uncommitted); only changed records are written.
        if (reality.Objects.Count + reality.Materials.Count + reality.Meshes.Count > 0) service._snapshots.Enqueue(reality, Array.Empty<ulong>());
        service._attach = new AttachFlow(service._pipeline, paired, options.SourceOfTruth, service._log, service._project) { OnLive = service.EngineLive };
        // No clean-shutdown marker after a run that wrote to the log: the last run crashed.
        var marker = Path.Combine(options.DataDirectory, CleanShutdownMarker);
        bool crashed = service._wal.Recovery.LastSequence > 0 && !File.Exists(marker);
        File.Delete(marker);
        if (crashed)
        {
            await service._pipeline.EnterSafeModeAsync(CrashSafeMode);
            service._log.Write("safe_mode", "CRASH_RECOVERY", null, null, CrashSafeMode + "; it ends when every paired engine is back in parity, or when a human resumes");
        }
        var pipelineForNotices = service._pipeline;
        service._notices = new PendingNotices(service._link, () => pipelineForNotices.PendingDetails(), service._log, options.Pipeline.EngineTimeout);
        service._link.Start();
        foreach (var path in KeyFileEndpoints.Write(options.DataDirectory, tls?.Fingerprint, service._link.TlsEndpoint is { } at ? new[] { KeyFileEndpoints.For(at) } : Array.Empty<LinkEndpoint>()))
            service._log.Write("key_file", null, null, null, $"{path}: {(tls != null ? "TLS endpoint and certificate fingerprint written" : "TLS lines removed (serve listens on loopback only)")}");
        service._api = await ControlApi.StartAsync(options.ApiPort, token, aiToken, service);
        service.Background(service._notices.ConsoleOnAsync(service._api.Port), "pending intents");
        new ServerInfo(Environment.ProcessId, service._link.Port, service._api.Port, DateTimeOffset.UtcNow, ProtocolVersion.Current)
            { Listen = service._link.TlsEndpoint?.ToString(), TlsSha256 = tls is null ? null : Protocol.Hashing.Hex.Encode(tls.Fingerprint) }.Write(options.DataDirectory);
        var recovery = service._wal.Recovery;
        service._log.Write("serving", null, null, null, $"link 127.0.0.1:{service._link.Port}, control API 127.0.0.1:{service._api.Port}, data {Path.GetFullPath(options.DataDirectory)}; " +
            $"Reality {reality.Objects.Count} objects (root {Intents.Reality.RealityRoot.Of(reality)}), WAL at {recovery.LastSequence}, " +
            $"{recovery.ToRollBack.Count} intent(s) left PROVISIONAL by a crash rolled back, {recovery.Pending.Count} pending, paired [{string.Join(", ", paired)}], project {service._project.ProjectId}");
        return service;
    }

    /// <summary>The data directory it serves (full path).</summary>
    public string DataDirectory => Path.GetFullPath(_options.DataDirectory);

    /// <summary>The link's port.</summary>
    public int LinkPort => _link.Port;

    /// <summary>The control API's port.</summary>
    public int ApiPort => _api.Port;

    /// <summary>Where adapters across the LAN connect over TLS, or null (loopback only).</summary>
    public System.Net.IPEndPoint? TlsEndpoint => _link.TlsEndpoint;

    /// <inheritdoc />
    public void Panic(string engine, string code, string reason)
    {
        _log.Write("panic", code, engine, null, reason + "; speculation for this engine is halted until a human's emergency unlock");
        if (_engines.TryGetValue(engine, out var e)) e.Set(SyncPhase.Blocked, $"PANIC ({code}): resynced when it attaches again after a human's emergency unlock");
        Background(_pipeline.PanicAsync(engine, code, reason), "panic"); // counts at once; the rollback follows on the spine
    }

    /// <inheritdoc />
    public (string Code, string Message)? AdmitHello(Hello hello)
    {
        var refusal = _project.Admit(hello, _attach.IsPaired(hello.Engine), _options.DataDirectory);
        if (refusal is var (code, message) && _engines.TryGetValue(hello.Engine, out var e))
            e.Refused(new Refusal(code, message, DateTimeOffset.UtcNow));
        return refusal;
    }

    /// <inheritdoc />
    public void NotSynced(string engine, IReadOnlyList<NotSyncedItem> items)
    {
        if (_engines.TryGetValue(engine, out var e)) e.SetNotSynced(items);
    }

    /// <inheritdoc />
    public Task<(string Code, string Message)?> EditAsync(string engine, IntentRequest edit)
    {
        if (_pipeline.Panics.TryGetValue(engine, out var panic))
            return Task.FromResult<(string, string)?>(("PANIC", $"{engine} is in PANIC ({panic.Code}): edits wait for a human's emergency unlock"));
        if (!_engines.TryGetValue(engine, out var e)) return Task.FromResult<(string, string)?>(("NOT_ATTACHED", $"{engine} is not an engine of this orchestrator"));
        if (!e.IsLive)
        {
            // An engine's edits count only once it is live (attached and in parity with Reality),
            // whatever key it holds. The person's work is not lost for it: once the engine is
            // live, what its human made of those records is read back from it and adopted into
            // Reality as that human's intent (a human edit wins), never reverted by a resync.
            e.AddKnown(edit.Operations.Select(op => op.Uuid));
            e.RefusedEdit(edit.Operations.Select(op => op.Uuid));
            if (e.IsLive) AdoptRefusedEdits(e); // it went live meanwhile
            return Task.FromResult<(string, string)?>(("NOT_ATTACHED", $"{engine} is {e.Phase.ToString().ToLowerInvariant()}, not live: its edits count once it is attached and in parity with Reality ({e.Reason})"));
        }
        e.AddKnown(edit.Operations.Select(op => op.Uuid));
        // The human's edit is already in that engine: it becomes an intent from there, applied in
        // the other engines at once and verified in all of them (not held by the batch window).
        var human = new Actor(ActorKind.Human, engine);
        var over = _pipeline.Limits.Check(edit, human);
        var ticket = _pipeline.Submit(edit, human, origin: engine); // journaled, refused there too if over a limit
        Background(ticket.Settled, "edit");
        // Over a limit of what one intent may be, the engine hears it at once, at no cost in trust.
        return Task.FromResult<(string, string)?>(over == null ? null : ("RESOURCE_LIMIT", over.Message));
    }

    /// <inheritdoc />
    public void SceneReported(string engine, Scene scene, SceneReport report)
    {
        if (_notices is { } notices) Background(Task.Run(() => notices.AttachedAsync(engine)), "pending intents");
        if (!report.MatchesClaim || !_engines.TryGetValue(engine, out var e)) return;
        e.SetNotSynced(report.NotSynced);
        int attachment = e.NextAttachment();
        // Not on the session's read loop: the flow sends requests whose answers that loop reads.
        Background(Task.Run(() => AttachAsync(e, () => Task.FromResult(scene), report.File, attachment)), "attach");
    }

    /// <summary>
    /// Runs the attach flow for one engine at a time (issue #15: two engines arriving together both
    /// seeded Reality). A flow that a newer attach or a detach overtook while it waited gives up.
    /// </summary>
    private async Task AttachAsync(SyncedEngine engine, Func<Task<Scene>> scene, string? file, int attachment, int attempt = 0)
    {
        await _attaching.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!engine.IsCurrent(attachment)) return;
            await _attach.RunAsync(engine, await scene().ConfigureAwait(false), file, attachment).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is EngineFaultException or TimeoutException)
        {
            // The scene could not even be read (the flow itself turns its own failures into Blocked).
            if (!engine.IsCurrent(attachment)) { _log.Write("attach", "OVERTAKEN", engine.Name, null, ex.Message); return; }
            engine.Set(SyncPhase.Blocked, $"resync failed: {ex.Message}; tried again shortly, and when {engine.Name} attaches again");
            _log.Write("blocked", "RESYNC_FAILED", engine.Name, null, engine.Reason!);
        }
        finally { _attaching.Release(); }
        // An engine attached but not brought to parity (busy compiling, a fault, a difference) is
        // tried again, backing off, until it is live or its session changes; a PANIC waits for a human.
        if (engine.IsCurrent(attachment) && engine.Phase == SyncPhase.Blocked && !_pipeline.Panics.ContainsKey(engine.Name))
            ResyncLater(engine, file, attachment, attempt);
    }

    private void ResyncLater(SyncedEngine engine, string? file, int attachment, int attempt)
    {
        var delay = TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(attempt, 5)));
        Background(Task.Run(async () =>
        {
            await Task.Delay(delay).ConfigureAwait(false);
            if (!engine.IsCurrent(attachment) || engine.Phase != SyncPhase.Blocked || _pipeline.Panics.ContainsKey(engine.Name)) return;
            await AttachAsync(engine, () => ReadEverythingAsync(engine), file, engine.NextAttachment(), attempt + 1).ConfigureAwait(false);
        }), "resync retry");
    }

    /// <summary>Everything an engine holds that it ever reported or Reality has, read back fresh.</summary>
    private Task<Scene> ReadEverythingAsync(SyncedEngine engine)
    {
        var uuids = engine.Known();
        uuids.UnionWith(AttachFlow.Uuids(_pipeline.Reality.ToScene()));
        return engine.ReadAsync(uuids);
    }

    /// <summary>
    /// The pipeline no longer knows that a live engine holds Reality (a failed apply, read or
    /// rollback, or its human's edits read back different): it leaves live at once and is resynced
    /// from a fresh read of everything it holds. Called on the pipeline's spine: it must not wait.
    /// </summary>
    private void ParityLost(string engine, string reason)
    {
        if (!_engines.TryGetValue(engine, out var e) || e.Phase != SyncPhase.Live) return;
        e.Set(SyncPhase.Syncing, $"parity lost ({reason}): being resynced from Reality");
        _log.Write("parity_lost", "PARITY_LOST", engine, null, reason + "; resyncing");
        int attachment = e.NextAttachment();
        Background(Task.Run(() => AttachAsync(e, () => ReadEverythingAsync(e), _project.Record.Engines.TryGetValue(engine, out var p) ? p.File : null, attachment)),
            "resync after parity lost");
    }

    /// <inheritdoc />
    public void HumanActive(string engine, IReadOnlyList<string> uuids, bool active)
    {
        var human = new Actor(ActorKind.Human, engine);
        foreach (var uuid in uuids)
            Background(active ? _pipeline.AcquireLockAsync(uuid, human) : _pipeline.ReleaseLockAsync(uuid), "lock");
    }

    /// <inheritdoc />
    public void Detached(string engine)
    {
        if (_engines.TryGetValue(engine, out var e))
        {
            e.NextAttachment();
            _pipeline.ForgetParity(engine);
            if (!_pipeline.Panics.ContainsKey(engine)) e.Set(SyncPhase.Detached, "no session; resynced from Reality when it attaches");
            e.SetNotSynced(Array.Empty<NotSyncedItem>());
        }
        // A person whose editor is gone is editing nothing: the locks that editor took are released.
        Background(_pipeline.ReleaseLocksOfAsync(new Actor(ActorKind.Human, engine)), "release locks");
    }

    private const string CleanShutdownMarker = "clean-shutdown";
    private const string CrashSafeMode = "the last run did not shut down cleanly: only humans' edits and resync run until parity is re-established";

    /// <summary>After a crash, safe mode ends once every engine ever paired is live again (parity re-established).</summary>
    private void EngineLive(string engine)
    {
        if (_engines.TryGetValue(engine, out var live)) AdoptRefusedEdits(live);
        // That engine now holds Reality exactly: what a mismatch left DIRTY is confirmed back in parity there.
        _pipeline.ClearDirty();
        if (_pipeline.SafeModeReason != CrashSafeMode) return;
        if (_engines.Values.Where(e => _attach.IsPaired(e.Name)).All(e => e.IsLive && _pipeline.InParity(e.Name)))
            Background(_pipeline.LeaveSafeModeAsync(CrashSafeMode).ContinueWith(t =>
            {
                if (t.Result) _log.Write("safe_mode_end", null, engine, null, "parity re-established with every paired engine: automation resumes");
            }, TaskScheduler.Default), "leave safe mode");
    }

    /// <summary>
    /// The records a human edited while the engine was being attached (those edits were refused
    /// then) are read back from it now that it is live and become that human's intent: applied in
    /// the other engines and verified in all. If that fails, the engine is resynced (parity first).
    /// </summary>
    private void AdoptRefusedEdits(SyncedEngine engine)
    {
        var uuids = engine.TakeRefusedEdits();
        if (uuids.Count == 0) return;
        Background(Task.Run(async () =>
        {
            string? failure;
            try
            {
                var touched = uuids.ToHashSet(StringComparer.Ordinal);
                var read = await engine.ReadAsync(touched).ConfigureAwait(false);
                var plan = await _pipeline.ExclusiveAsync(r =>
                {
                    var reality = r.ToScene();
                    return Task.FromResult(ResyncPlan.Between(reality, AttachFlow.Merge(reality, read, touched), keepExtras: false));
                }).ConfigureAwait(false);
                if (plan.Operations.Count == 0) return;
                var request = new IntentRequest(plan.Operations, new Dictionary<string, string>(),
                    $"{engine.Name}: what its human edited while it was being attached ({plan.Operations.Count} operation(s))");
                var outcome = await _pipeline.SubmitAsync(request, new Actor(ActorKind.Human, engine.Name), origin: engine.Name).ConfigureAwait(false);
                failure = outcome.Phase == IntentPhase.Final ? null : $"{PhaseNames.Name(outcome.Phase)}: {outcome.Reason}";
            }
            catch (Exception ex) when (ex is EngineFaultException or TimeoutException or EngineBusyException or EngineTransientException or IntentRefusedException)
            {
                failure = ex.Message;
            }
            if (failure != null)
                ParityLost(engine.Name, $"its human's edits made while it was being attached could not be adopted ({failure})");
        }), "adopt edits made while attaching");
    }

    /// <summary>The pipeline: submit, approve, deny, pause and resume go through it.</summary>
    public IntentPipeline Pipeline => _pipeline;

    /// <summary>
    /// A scene as one engine holds it now (read back over every uuid it reported and Reality's),
    /// or Reality itself (<c>reality</c>), in canonical values.
    /// </summary>
    /// <exception cref="KeyNotFoundException">Not blender, unity or reality.</exception>
    /// <exception cref="EngineFaultException">The engine is not connected or did not answer.</exception>
    public async Task<Scene> StateAsync(string which)
    {
        var reality = _pipeline.Reality;
        if (which == "reality") return reality.ToScene();
        if (!_engines.TryGetValue(which, out var engine)) throw new KeyNotFoundException($"'{which}' is not an engine of this orchestrator: reality or one of {string.Join(", ", _engines.Keys)}");
        return await ReadEverythingAsync(engine).ConfigureAwait(false);
    }

    /// <summary>
    /// Restores Reality (or only <paramref name="uuids"/>) to what snapshot <paramref name="reference"/>
    /// holds, through a normal intent of <paramref name="human"/>: journaled, applied in both engines,
    /// verified; a restore that deletes is destructive and is snapshotted first like any other.
    /// </summary>
    /// <exception cref="SnapshotException">No such snapshot, or it cannot be read.</exception>
    /// <exception cref="IntentRefusedException">The snapshot cannot be reached with operations (see the message).</exception>
    public async Task<IntentOutcome> RestoreAsync(string reference, IReadOnlyCollection<string> uuids, Actor human)
    {
        var snapshot = await _snapshots.ReadAsync(reference).ConfigureAwait(false);
        var reality = _pipeline.Reality.ToScene();
        var target = snapshot;
        if (uuids.Count > 0)
        {
            var only = uuids.ToHashSet(StringComparer.Ordinal);
            var known = AttachFlow.Uuids(snapshot).Concat(AttachFlow.Uuids(reality)).ToHashSet(StringComparer.Ordinal);
            var unknown = only.Where(u => !known.Contains(u)).ToList();
            if (unknown.Count > 0) throw new IntentRefusedException(IntentErrorCode.UnknownUuid, "uuids", $"neither Reality nor snapshot {reference} has {string.Join(", ", unknown)}");
            target = reality.Where(u => !only.Contains(u)).Concat(snapshot.Where(only.Contains));
        }
        var plan = Intents.Resync.ResyncPlan.Between(reality, target, keepExtras: false);
        if (plan.Unreachable.Count > 0)
            throw new IntentRefusedException(IntentErrorCode.InvalidValue, "snapshot", $"snapshot {reference} cannot be restored with operations: {string.Join("; ", plan.Unreachable.Take(3))}");
        if (plan.Operations.Count == 0)
            return new IntentOutcome(0, Protocol.Intents.IntentPhase.Final, $"Reality already equals snapshot {reference}" + (uuids.Count > 0 ? " for those uuids" : ""));
        var request = new IntentRequest(plan.Operations, new Dictionary<string, string>(), $"restore from snapshot {reference}" + (uuids.Count > 0 ? $" of {string.Join(", ", uuids)}" : ""));
        return await _pipeline.SubmitAsync(request, human).ConfigureAwait(false);
    }

    /// <summary>The journal as the control API shows it: entries after sequence <paramref name="since"/>, at most <paramref name="limit"/>, optionally of one intent (from the index, never a scan of the log).</summary>
    public IReadOnlyList<JournalEntry> Journal(ulong since, int limit, ulong? intent = null) => _journal.Read(since, limit, intent);

    /// <summary>The WAL sequence of the newest journal entry indexed: what the console's live pages re-render on.</summary>
    public ulong JournalPosition => _journal.Position;

    /// <summary>The intents first journaled since <paramref name="sinceMs"/> (Unix ms), oldest first: the console's charts.</summary>
    public IReadOnlyList<Orchestrator.Journal.IntentSummary> IntentsSince(long sinceMs) => _journal.Since(sinceMs);

    /// <summary>The newest <paramref name="limit"/> safety snapshots (DIR/snapshots), newest first.</summary>
    public Task<IReadOnlyList<SnapshotEntry>> SnapshotsAsync(int limit) => _snapshots.LogAsync(limit);

    /// <summary>The records snapshot <paramref name="reference"/> holds.</summary>
    /// <exception cref="SnapshotException">No such snapshot, or it cannot be read.</exception>
    public Task<Scene> SnapshotAsync(string reference) => _snapshots.ReadAsync(reference);

    /// <summary>One page of the intent timeline, newest first (the console's Intents page).</summary>
    public Orchestrator.Journal.TimelinePage Timeline(Orchestrator.Journal.TimelineFilter filter, int skip, int take) => _journal.Timeline(filter, skip, take);

    /// <summary>The journal index, for the control API's answers to the AI credential (<see cref="Control.AgentView"/>).</summary>
    internal Orchestrator.Journal.JournalIndex JournalIndex => _journal;

    /// <summary>The journal itself (DIR/wal, or team mode's JetStream journal): for readers that replay records.</summary>
    internal IJournal JournalStore => _wal;

    /// <summary>Work the link's callbacks must not wait for; a failure is logged, never lost silently.</summary>
    private void Background(Task task, string what) =>
        _ = task.ContinueWith(t => _log.Write("error", "INTERNAL", null, null, $"{what}: {t.Exception!.GetBaseException().Message}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>
    /// Everything <c>status</c> shows, from snapshots each owner publishes (Reality, locks, PANICs,
    /// engine states): safe to call from any thread while intents flow. An engine is shown live
    /// only while the pipeline has confirmed it holds Reality as it is now.
    /// </summary>
    public ServiceStatus Status()
    {
        var reality = _pipeline.Reality;
        string realityRoot = Intents.Reality.RealityRoot.Of(reality);
        var project = _project.Record;
        var engines = _engines.Values.Select(e =>
        {
            var s = e.State;
            var (phase, reason) = s.Phase == SyncPhase.Live && !_pipeline.InParity(e.Name)
                ? (SyncPhase.Syncing, "Reality changed and this engine is not yet confirmed to hold it: being verified")
                : (s.Phase, s.Reason);
            // A live engine is confirmed to hold Reality as it is now: its root is Reality's.
            return new EngineSync(e.Name, phase.ToString().ToLowerInvariant(), reason, _attach.IsPaired(e.Name), phase == SyncPhase.Live ? realityRoot : null,
                s.Unreachable, s.NotSynced, s.LastRefusal, project.Engines.TryGetValue(e.Name, out var p) ? p.File : null);
        }).ToArray();
        var sync = new SyncStatus(realityRoot, reality.Objects.Count, reality.Materials.Count,
            reality.Meshes.Count, _pipeline.Pending.OrderBy(i => i).ToArray(), _pipeline.SafeModeReason, _pipeline.Locks.Held.Keys.ToArray(),
            engines, _wal.LastSequence, _pipeline.Dirty.OrderBy(u => u, StringComparer.Ordinal).ToArray(), project.ProjectId);
        return new ServiceStatus(Environment.ProcessId, Path.GetFullPath(_options.DataDirectory), ProtocolVersion.Current, _link.Status(), _pipeline.Panics.Values.ToArray(), sync);
    }

    /// <summary>A human lifts every PANIC, lock and safe mode; journaled in the log. Returns the PANICs lifted.</summary>
    public async Task<IReadOnlyList<PanicStatus>> EmergencyUnlockAsync(string by)
    {
        var lifted = _pipeline.Panics.Values.ToArray();
        await _pipeline.EmergencyUnlockAsync(new Actor(ActorKind.EmergencyOverride, by)).ConfigureAwait(false);
        _log.Write("emergency_unlock", "EMERGENCY_UNLOCK", null, null, $"by {by}: lifted PANIC of [{string.Join(", ", lifted.Select(p => p.Engine))}]");
        return lifted;
    }

    /// <summary>
    /// A human pairs the next file of <paramref name="engine"/> with this project deliberately
    /// (<c>vibesync pair --engine E --replace</c>): Reality is snapshotted first, the decision is
    /// journaled (<see cref="RealityStore.UnpairingActor"/>), and the engine's next handshake is
    /// welcomed whatever its file's stamp, as a first pairing: what only the file has is adopted,
    /// what only Reality has is created in it, the source of truth decides the rest.
    /// </summary>
    /// <returns>The snapshot taken first, and the journal's note.</returns>
    /// <exception cref="KeyNotFoundException">Not an engine.</exception>
    public async Task<(string Snapshot, string Note)> PairReplaceAsync(string engine, Actor human)
    {
        Admission.CheckCanApprove(human);
        if (!_engines.ContainsKey(engine)) throw new KeyNotFoundException($"'{engine}' is not an engine: {string.Join(" or ", _engines.Keys)}");
        var reality = _pipeline.Reality;
        string snapshot = await _snapshots.BeforeDestructiveAsync(reality, AttachFlow.Uuids(reality.ToScene()).ToArray()).ConfigureAwait(false);
        string note = $"pair --replace by {human}: the next file {engine} attaches is paired with project {_project.ProjectId} as a first pairing, " +
            $"whatever its stamp; Reality was snapshotted first ({snapshot})";
        await _pipeline.NoteAsync(new Actor(ActorKind.Orchestrator, "unpairing"), engine, note, snapshot).ConfigureAwait(false);
        _project.ReplaceNext(engine);
        _attach.Unpair(engine);
        _log.Write("pair_replace", null, engine, null, note);
        return (snapshot, note);
    }

    /// <summary>Stops the API and the link, and removes serve.json.</summary>
    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        try { await _pipeline.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or ObjectDisposedException) { _log.Write("error", "SHUTDOWN", null, null, $"the open batch did not settle: {e.Message}"); }
        await _snapshots.DisposeAsync(); // commits what FINAL batches queued, while the pipeline can still journal the ids
        await _pipeline.DisposeAsync();
        await _link.DisposeAsync();
        Uploads.Dispose();
        await _wal.DisposeAsync();
        try { File.Delete(ServerInfo.PathIn(_options.DataDirectory)); } catch (IOException) { }
        WriteCleanShutdownMarker();
        _log.Write("stopped", null, null, null, "clean shutdown");
        _lock?.Dispose(); // last: nothing of this process writes the directory any more
    }

    private void WriteCleanShutdownMarker() =>
        PrivateFiles.WriteText(Path.Combine(_options.DataDirectory, CleanShutdownMarker), DateTimeOffset.UtcNow.ToString("O") + "\n");
}
