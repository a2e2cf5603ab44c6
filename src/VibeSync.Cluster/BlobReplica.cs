// Design rationale (issue #22 §3): the journal names blobs (meshes, textures) by SHA-256, and they
// live in the leader's DIR/blobs; a standby that takes over needs them too. The leader copies each
// blob into a 3-replica JetStream object store under its id, and a standby copies what it lacks
// back into its own store, through BlobStore.Put with the id expected — so every blob is
// verified against its name on the way in, and a damaged copy is refused, never stored.
// The leader copies the blobs a journal entry names before that entry is appended (EnsureAsync,
// through the journal's BeforeAppend), so no acknowledged intent names a blob only the leader
// holds; a sweep about once a second copies the rest (blobs nothing journaled names yet).
using System.Buffers.Binary;
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;
using VibeSync.Blobs;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Cluster;

/// <summary>Blobs copied between a node's <see cref="BlobStore"/> and the cluster's object store.</summary>
public sealed class BlobReplica
{
    private readonly INatsJSContext _js;
    private readonly INatsObjStore _objects;
    private readonly string _stream;
    private readonly HashSet<string> _copied = new(StringComparer.Ordinal); // known to be in the object store
    private readonly SemaphoreSlim _one = new(1, 1);

    private BlobReplica(INatsJSContext js, INatsObjStore objects, string stream) => (_js, _objects, _stream) = (js, objects, stream);

    /// <summary>Opens (creating if needed, 3 replicas, file storage) the blob object store.</summary>
    public static async Task<BlobReplica> OpenAsync(INatsJSContext js, ClusterNames names, CancellationToken cancellationToken = default) =>
        new(js, await Transient.RetryAsync(ct => new NatsObjContext(js).CreateObjectStoreAsync(
            new NatsObjConfig(names.BlobBucket) { NumberOfReplicas = names.Replicas, Storage = NatsObjStorageType.File }, ct).AsTask(),
            TimeSpan.FromSeconds(40), cancellationToken).ConfigureAwait(false), "OBJ_" + names.BlobBucket);

    /// <summary>Copies every blob of <paramref name="store"/> the object store lacks into it; returns how many.</summary>
    public Task<int> PushAsync(BlobStore store, CancellationToken cancellationToken = default) => PushAsync(store, store.All(), cancellationToken);

    /// <summary>
    /// Copies those of <paramref name="ids"/> that <paramref name="store"/> holds and the object store
    /// lacks into it; completes once JetStream acknowledged every chunk. Returns how many it copied.
    /// </summary>
    public async Task<int> PushAsync(BlobStore store, IEnumerable<string> ids, CancellationToken cancellationToken = default)
    {
        int pushed = 0;
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false); // the sweep and an append's own blobs, one copy at a time
        try
        {
            foreach (var id in ids)
                if (await PushOneAsync(store, id, cancellationToken).ConfigureAwait(false)) pushed++;
        }
        finally { _one.Release(); }
        return pushed;
    }

    private async Task<bool> PushOneAsync(BlobStore store, string id, CancellationToken cancellationToken)
    {
        if (_copied.Contains(id) || !store.Has(id)) return false;
        try
        {
            var info = await _objects.GetInfoAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!info.Deleted) { _copied.Add(id); return false; }
        }
        catch (NatsObjNotFoundException) { }
        using var bytes = new MemoryStream();
        BlobShape shape;
        FileStream payload;
        try { (shape, payload) = store.OpenPayload(id); }
        catch (FileNotFoundException) { return false; } // collected meanwhile: nothing names it any more
        using (payload)
        {
            var header = new byte[BlobId.HeaderSize];
            BlobId.WriteHeader(shape, header);
            bytes.Write(header);
            await payload.CopyToAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        bytes.Position = 0;
        await _objects.PutAsync(new ObjectMetadata { Name = id }, bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
        _copied.Add(id);
        return true;
    }

    /// <summary>
    /// Copies every blob of the object store that <paramref name="store"/> lacks into it, each
    /// verified against its id; returns how many.
    /// </summary>
    /// <exception cref="BlobFormatException">A copy whose bytes do not hash to its name; nothing of it is stored.</exception>
    public async Task<int> PullAsync(BlobStore store, CancellationToken cancellationToken = default)
    {
        int pulled = 0;
        var names = new List<string>();
        // Listing an empty object store waits for an entry that never comes (NATS.Net 3.3.2 on 2.9.10): ask the stream first.
        var stream = await _js.GetStreamAsync(_stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (stream.Info.State.Messages == 0) return 0;
        using (var listing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            listing.CancelAfter(TimeSpan.FromSeconds(30));
            await foreach (var info in _objects.ListAsync(cancellationToken: listing.Token).ConfigureAwait(false))
                if (!info.Deleted && BlobId.IsValid(info.Name) && !store.Has(info.Name)) names.Add(info.Name);
        }
        foreach (var id in names)
        {
            var bytes = await _objects.GetBytesAsync(id, cancellationToken).ConfigureAwait(false);
            if (bytes.Length < BlobId.HeaderSize || bytes[0] != BlobId.Tag)
                throw new BlobFormatException("header", $"the object store's copy of blob {id} is not a blob");
            var shape = new BlobShape((BlobElement)bytes[1], bytes[2], (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(3, 8)));
            store.Put(shape, bytes.AsSpan(BlobId.HeaderSize), expectedId: id);
            _copied.Add(id);
            pulled++;
        }
        return pulled;
    }
}
