using NATS.Client.JetStream;
using NATS.Client.ObjectStore;
using VibeSync.Blobs;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Cluster.Tests;

/// <summary>Blobs copied from the leader's store to a standby's through a 3-replica object store.</summary>
public sealed class BlobReplicaTests : IAsyncLifetime
{
    private NatsCluster _cluster = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("vibesync-blobs-").FullName;

    public async Task InitializeAsync() => _cluster = await NatsCluster.StartAsync();

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task a_standby_gets_every_blob_the_leader_held_verified_against_its_name()
    {
        await using var nats = _cluster.Connect();
        var js = new NatsJSContext(nats);
        var names = new ClusterNames("BLOBS");
        var leaderStore = BlobStore.Open(Path.Combine(_dir, "leader"));
        var standbyStore = BlobStore.Open(Path.Combine(_dir, "standby"));
        var standby = await BlobReplica.OpenAsync(js, names);
        var empty = standby.PullAsync(standbyStore);
        Assert.Same(empty, await Task.WhenAny(empty, Task.Delay(10_000))); // an empty store answers at once
        Assert.Equal(0, await empty);

        var a = leaderStore.Put(new BlobShape(BlobElement.U8, 1, 5), "hello"u8);
        var b = leaderStore.Put(new BlobShape(BlobElement.U8, 1, 200_000), new byte[200_000]);
        var leader = await BlobReplica.OpenAsync(js, names);
        Assert.Equal(2, await leader.PushAsync(leaderStore));
        Assert.Equal(0, await leader.PushAsync(leaderStore)); // already there

        Assert.Equal(2, await standby.PullAsync(standbyStore));
        Assert.True(standbyStore.TryGet(a, out var shape, out var payload));
        Assert.Equal(5, shape.Count);
        Assert.Equal("hello"u8.ToArray(), payload.ToArray());
        Assert.True(standbyStore.Has(b));
        Assert.Equal(0, await standby.PullAsync(standbyStore));
    }

    [Fact]
    public async Task a_copy_that_does_not_hash_to_its_name_is_refused_and_not_stored()
    {
        await using var nats = _cluster.Connect();
        var js = new NatsJSContext(nats);
        var names = new ClusterNames("BADBLOB");
        var replica = await BlobReplica.OpenAsync(js, names);
        var real = BlobId.OfBytes("hello"u8);
        var forged = new byte[BlobId.HeaderSize + 5];
        BlobId.WriteHeader(new BlobShape(BlobElement.U8, 1, 5), forged);
        "jello"u8.CopyTo(forged.AsSpan(BlobId.HeaderSize));
        var objects = await new NatsObjContext(js).GetObjectStoreAsync(names.BlobBucket);
        await objects.PutAsync(real, forged);

        var store = BlobStore.Open(Path.Combine(_dir, "standby"));
        await Assert.ThrowsAsync<BlobFormatException>(() => replica.PullAsync(store));
        Assert.False(store.Has(real));
    }
}
