using System.Threading.Channels;
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Link;

namespace VibeSync.Orchestrator.Snapshots;

/// <summary>
/// Commits Reality to the snapshot repository after FINAL batches, off the pipeline's path: the
/// pipeline only enqueues; a background loop commits the newest Reality (batches that piled up
/// meanwhile share one commit) and journals the commit id in the WAL. Before a destructive intent
/// the pipeline waits for <see cref="BeforeDestructiveAsync"/>: that snapshot gates it.
/// </summary>
internal sealed class Snapshotter : IAsyncDisposable
{
    private static readonly Actor Snapshot = new(ActorKind.Orchestrator, "snapshot");
    private readonly SnapshotRepository _repo;
    private readonly LinkLog _log;
    private readonly Channel<(RealityScene Reality, IReadOnlyList<ulong> Ids)> _queue = Channel.CreateUnbounded<(RealityScene, IReadOnlyList<ulong>)>(new() { SingleReader = true });
    private readonly SemaphoreSlim _gate = new(1, 1); // one git process at a time
    private Task _loop = Task.CompletedTask;
    private IntentPipeline? _pipeline;
    private readonly SnapshotMirror? _mirror;

    /// <param name="repo">DIR/snapshots.</param>
    /// <param name="log">Where failed snapshots are told.</param>
    /// <param name="mirror">Team mode: where each commit is published before its id is journaled or handed out (null: one machine).</param>
    public Snapshotter(SnapshotRepository repo, LinkLog log, SnapshotMirror? mirror = null)
    {
        _repo = repo;
        _log = log;
        _mirror = mirror;
    }

    /// <summary>The commit of the last snapshot taken, or null.</summary>
    public string? LastCommit { get; private set; }

    public void Start(IntentPipeline pipeline)
    {
        _pipeline = pipeline;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The pipeline's AfterFinal hook: never blocks.</summary>
    public void Enqueue(RealityScene reality, IReadOnlyList<ulong> ids) => _queue.Writer.TryWrite((reality, ids));

    /// <summary>The pipeline's SnapshotBeforeDestructive hook: commits Reality now and returns the commit.</summary>
    public async Task<string> BeforeDestructiveAsync(RealityScene reality, IReadOnlyCollection<string> closure)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var commit = (await _repo.CommitAsync(reality.ToScene(), $"before a destructive intent on {closure.Count} record(s): {string.Join(", ", closure.Take(5))}{(closure.Count > 5 ? ", …" : "")}").ConfigureAwait(false)).Id;
            LastCommit = commit;
            // The intent journals this id as its way back: published first, or (throwing) it is refused, nothing deleted.
            if (_mirror != null) await _mirror.PublishAsync(commit).ConfigureAwait(false);
            _log.Write("snapshot", null, null, null, $"{commit[..12]} before a destructive intent on [{string.Join(", ", closure.Take(5))}]");
            return commit;
        }
        finally { _gate.Release(); }
    }

    private async Task RunAsync()
    {
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            RealityScene? reality = null;
            var ids = new List<ulong>();
            while (_queue.Reader.TryRead(out var item))
            {
                reality = item.Reality; // the newest Reality includes every earlier batch
                ids.AddRange(item.Ids);
            }
            if (reality == null) continue;
            string range = ids.Count == 0 ? "the last run (catching up at start)" : ids.Count == 1 ? $"intent {ids[0]}" : $"intents {ids.Min()}…{ids.Max()} ({ids.Count})";
            string commit;
            bool changed;
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                (commit, changed) = await _repo.CommitAsync(reality.ToScene(), $"FINAL {range}").ConfigureAwait(false);
                LastCommit = commit;
            }
            catch (Exception e) when (e is SnapshotException or IOException or InvalidOperationException)
            {
                // A snapshot that fails never stops the pipeline; the next FINAL batch tries again with everything.
                _log.Write("snapshot_failed", "SNAPSHOT_FAILED", null, null, $"{range}: {e.Message}");
                continue;
            }
            finally { _gate.Release(); }
            // Journaled outside the gate: the pipeline's spine may itself be waiting for the gate
            // (a destructive intent's snapshot), and the note is queued behind it on that spine.
            if (!changed) continue; // nothing new to record (Reality already committed)
            if (_mirror != null)
            {
                try { await PublishAsync(commit).ConfigureAwait(false); }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Journaled all the same (it restores on this node); the next publish carries it along.
                    _log.Write("snapshot_failed", "SNAPSHOT_NOT_REPLICATED", null, null, $"{commit} of {range}: {e.Message}");
                }
            }
            try { await _pipeline!.NoteAsync(Snapshot, "both", $"safety snapshot {commit} of Reality after FINAL {range}", commit).ConfigureAwait(false); }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                _log.Write("snapshot_failed", "SNAPSHOT_NOT_JOURNALED", null, null, $"{commit} of {range}: {e.Message}");
            }
        }
    }

    private async Task PublishAsync(string commit)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try { await _mirror!.PublishAsync(commit).ConfigureAwait(false); }
        finally { _gate.Release(); }
    }

    /// <summary>The newest snapshots, newest first.</summary>
    public async Task<IReadOnlyList<SnapshotEntry>> LogAsync(int limit)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try { return await _repo.LogAsync(limit).ConfigureAwait(false); }
        finally { _gate.Release(); }
    }

    /// <summary>The records at a snapshot.</summary>
    public async Task<VibeSync.Protocol.State.Scene> ReadAsync(string reference)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try { return await _repo.ReadAsync(reference).ConfigureAwait(false); }
        finally { _gate.Release(); }
    }

    /// <summary>Commits what is queued and stops; a shutdown waits for it at most <paramref name="patience"/> (the next start commits Reality again).</summary>
    public async Task StopAsync(TimeSpan patience)
    {
        _queue.Writer.TryComplete();
        try { await _loop.WaitAsync(patience).ConfigureAwait(false); }
        catch (TimeoutException) { _log.Write("snapshot_failed", "SNAPSHOT_PENDING", null, null, $"a snapshot was still being committed after {patience.TotalSeconds:F0} s; the next start commits Reality again"); }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.FromSeconds(10)));
}
