// Design rationale (issue #22 item 3): the orchestrator's snapshot mirror speaks of bundles, the
// cluster's store of bytes; this joins the two for `serve --cluster` and holds the standby's side:
// follow the leader's commits while standing by, and take the last ones in before leading.
using VibeSync.Cluster;
using VibeSync.Orchestrator.Collection;
using VibeSync.Orchestrator.Snapshots;

namespace VibeSync.Cli.Cluster;

/// <summary>The cluster's snapshot store as the orchestrator sees it, and a standby's following of it.</summary>
internal sealed class ClusterSnapshots(SnapshotStore store, string dataDirectory) : ISnapshotBundles
{
    private SnapshotRepository? _repository;
    private SnapshotMirror? _mirror;
    private int _taken, _refusalsReported;

    public Task PutAsync(string commit, byte[] bundle, CancellationToken cancellationToken) => store.PutAsync(commit, bundle, cancellationToken);

    public Task<IReadOnlyList<string>> CommitsAsync(CancellationToken cancellationToken) => store.NamesAsync(cancellationToken);

    public Task<byte[]> GetAsync(string commit, CancellationToken cancellationToken) => store.GetAsync(commit, cancellationToken);

    /// <summary>Standby: takes in the leader's new commits and moves DIR/snapshots' HEAD to its newest; returns how many.</summary>
    public async Task<int> FollowAsync(CancellationToken cancellationToken)
    {
        _repository ??= await SnapshotRepository.OpenAsync(Path.Combine(dataDirectory, "snapshots")).ConfigureAwait(false);
        _mirror ??= new SnapshotMirror(_repository, this);
        int taken = await _mirror.PullAsync(moveHead: true, cancellationToken).ConfigureAwait(false);
        _taken += taken;
        if (_mirror.Refused.Count > _refusalsReported) // said once each
            throw new SnapshotException("bundles not taken in: " + string.Join("; ", _mirror.Refused.Skip(_refusalsReported = _mirror.Refused.Count)));
        return taken;
    }

    /// <summary>
    /// Before leading: the last commits taken in, and the blobs every commit taken in names pinned
    /// (a snapshot's blobs outlive Reality's use of them, here as on the node that made it).
    /// </summary>
    public async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        await FollowAsync(cancellationToken).ConfigureAwait(false);
        if (_taken > 0) PinnedBlobs.Open(dataDirectory).Pin(await _repository!.BlobIdsInHistoryAsync().ConfigureAwait(false));
    }
}
