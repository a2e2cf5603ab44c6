// Design rationale (issue #22 item 3): the safety snapshots' git bundles are kept in a 3-replica
// JetStream object store beside the blobs, so the node that leads after a failover holds every
// commit the journal names. This type knows bytes and names only; what a bundle is, and when one
// is put, is the orchestrator's (VibeSync.Orchestrator.Snapshots.SnapshotMirror).
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;

namespace VibeSync.Cluster;

/// <summary>The cluster's object store of snapshot bundles, each named by the commit it carries.</summary>
public sealed class SnapshotStore
{
    private readonly INatsJSContext _js;
    private readonly INatsObjStore _objects;
    private readonly string _stream;
    private readonly Func<CancellationToken, Task>? _fence;

    private SnapshotStore(INatsJSContext js, INatsObjStore objects, string stream, Func<CancellationToken, Task>? fence) =>
        (_js, _objects, _stream, _fence) = (js, objects, stream, fence);

    /// <summary>
    /// Opens (creating if needed, 3 replicas, file storage) the snapshot store. <paramref name="fence"/>
    /// is asked before every put (a deposed leader's late bundle is not stored); null: no lease.
    /// </summary>
    public static async Task<SnapshotStore> OpenAsync(INatsJSContext js, ClusterNames names, Func<CancellationToken, Task>? fence = null,
        CancellationToken cancellationToken = default) =>
        new(js, await Transient.RetryAsync(ct => new NatsObjContext(js).CreateObjectStoreAsync(
            new NatsObjConfig(names.SnapshotBucket) { NumberOfReplicas = names.Replicas, Storage = NatsObjStorageType.File }, ct).AsTask(),
            TimeSpan.FromSeconds(40), cancellationToken).ConfigureAwait(false), "OBJ_" + names.SnapshotBucket, fence);

    /// <summary>Stores <paramref name="bundle"/> under <paramref name="name"/>; completes once JetStream acknowledged every chunk.</summary>
    public async Task PutAsync(string name, byte[] bundle, CancellationToken cancellationToken = default)
    {
        if (_fence is { } fence) await fence(cancellationToken).ConfigureAwait(false);
        await _objects.PutAsync(name, bundle, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The names stored, in the order they were (last) put.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken = default)
    {
        // Listing an empty object store waits for an entry that never comes (NATS.Net 3.3.2 on 2.9.10): ask the stream first.
        var stream = await _js.GetStreamAsync(_stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (stream.Info.State.Messages == 0) return Array.Empty<string>();
        var names = new List<string>();
        using var listing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        listing.CancelAfter(TimeSpan.FromSeconds(30));
        await foreach (var info in _objects.ListAsync(cancellationToken: listing.Token).ConfigureAwait(false))
            if (!info.Deleted) names.Add(info.Name);
        return names;
    }

    /// <summary>The bytes stored under <paramref name="name"/>.</summary>
    public async Task<byte[]> GetAsync(string name, CancellationToken cancellationToken = default) =>
        await _objects.GetBytesAsync(name, cancellationToken).ConfigureAwait(false);
}
