using FsCheck;
using FsCheck.Fluent;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Blobs.Tests;

/// <summary>The content-addressed store: names verified, durable files, nothing reachable ever collected.</summary>
public sealed class BlobStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-blobs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static byte[] Floats(params float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    [Fact]
    public void a_blob_put_reads_back_with_its_shape_and_bytes_under_its_name()
    {
        var store = BlobStore.Open(_dir);
        var payload = Floats(1, 2, 3, 4, 5, 6);
        var shape = new BlobShape(BlobElement.F32, 3, 2);
        string id = store.Put(shape, payload);
        Assert.Equal(BlobId.Of(shape, payload), id);
        Assert.True(store.Has(id));
        var (readShape, readPayload) = store.Read(id);
        Assert.Equal(shape, readShape);
        Assert.Equal(payload, readPayload);
        Assert.Equal(shape, store.ShapeOf(id));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir, ".incoming"))); // nothing half-written left behind
    }

    [Fact]
    public void bytes_that_do_not_hash_to_the_name_they_came_with_are_refused_and_nothing_is_stored()
    {
        var store = BlobStore.Open(_dir);
        var claimed = BlobId.OfFloats(new float[] { 1, 2, 3 }, 3);
        var e = Assert.Throws<BlobFormatException>(() => store.Put(new BlobShape(BlobElement.F32, 3, 1), Floats(1, 2, 4), claimed));
        Assert.Equal("id", e.Field);
        Assert.Empty(store.All());
    }

    [Fact]
    public void a_nan_or_a_wrong_length_is_refused_and_nothing_is_stored()
    {
        var store = BlobStore.Open(_dir);
        Assert.Equal("value[1]", Assert.Throws<BlobFormatException>(() => store.Put(new BlobShape(BlobElement.F32, 1, 2), Floats(1, float.NaN))).Field);
        Assert.Equal("length", Assert.Throws<BlobFormatException>(() => store.Put(new BlobShape(BlobElement.U32, 1, 3), new byte[8])).Field);
        Assert.Empty(store.All());
    }

    [Fact]
    public void the_same_blob_put_twice_is_one_file_made_young_again()
    {
        var store = BlobStore.Open(_dir);
        var payload = Floats(9, 8, 7);
        string a = store.Put(new BlobShape(BlobElement.F32, 3, 1), payload);
        var old = DateTime.UtcNow - TimeSpan.FromDays(1);
        File.SetLastWriteTimeUtc(store.PathOf(a), old);
        string b = store.Put(new BlobShape(BlobElement.F32, 3, 1), payload);
        Assert.Equal(a, b);
        Assert.Single(store.All());
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, ".incoming"))); // nothing written for it
        // Young again: a collection spares it while the intent that put it is journaled.
        Assert.True(File.GetLastWriteTimeUtc(store.PathOf(a)) > old + TimeSpan.FromHours(23));
    }

    [Fact]
    public void a_prefix_is_the_payload_s_first_bytes_and_no_more_than_it_holds()
    {
        var store = BlobStore.Open(_dir);
        var bytes = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        string id = store.Put(new BlobShape(BlobElement.U8, 1, bytes.Length), bytes);
        Assert.True(store.TryGetPrefix(id, 24, out var head));
        Assert.Equal(bytes[..24], head.ToArray());
        Assert.True(store.TryGetPrefix(id, 1 << 16, out var all));
        Assert.Equal(bytes, all.ToArray());
        Assert.False(store.TryGetPrefix(new string('0', 64), 24, out _));
    }

    [Fact]
    public void a_damaged_blob_file_is_detected_when_it_is_read()
    {
        var store = BlobStore.Open(_dir);
        string id = store.Put(new BlobShape(BlobElement.U8, 1, 4), new byte[] { 1, 2, 3, 4 });
        var path = store.PathOf(id);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("damaged", Assert.Throws<InvalidDataException>(() => store.Read(id)).Message);
    }

    [Fact]
    public void a_shape_is_told_from_the_header_alone_and_a_truncated_file_has_none()
    {
        var store = BlobStore.Open(_dir);
        var shape = new BlobShape(BlobElement.F32, 3, 2);
        string id = store.Put(shape, Floats(1, 2, 3, 4, 5, 6));
        Assert.True(store.TryGetShape(id, out var told));
        Assert.Equal(shape, told);
        Assert.False(store.TryGetShape(BlobId.Of(new BlobShape(BlobElement.U8, 1, 1), new byte[] { 9 }), out _)); // not held
        var path = store.PathOf(id);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^4]); // the last value lost
        Assert.False(store.TryGetShape(id, out _));
        Assert.False(store.TryGet(id, out _, out _));
    }

    [Fact]
    public void blob_files_are_for_their_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        var store = BlobStore.Open(_dir);
        string id = store.Put(new BlobShape(BlobElement.U8, 1, 1), new byte[] { 7 });
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.PathOf(id)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(store.PathOf(id))!));
    }

    [Fact]
    public void a_young_unnamed_blob_survives_collection_and_an_old_one_does_not()
    {
        var store = BlobStore.Open(_dir);
        string young = store.Put(new BlobShape(BlobElement.U8, 1, 1), new byte[] { 1 });
        string old = store.Put(new BlobShape(BlobElement.U8, 1, 1), new byte[] { 2 });
        File.SetLastWriteTimeUtc(store.PathOf(old), DateTime.UtcNow.AddHours(-1));
        var result = store.Collect(new HashSet<string>(), TimeSpan.FromMinutes(10));
        Assert.Equal((1, 1), (result.Kept, result.Removed));
        Assert.True(store.Has(young));
        Assert.False(store.Has(old));
    }

    [Fact]
    public void collection_never_removes_a_reachable_blob_and_removes_every_old_unreachable_one()
    {
        Prop.ForAll(Gen.Choose(1, 40).SelectMany(n => Gen.ListOf(Gen.Choose(0, 2), n)).ToArbitrary(), marks =>
        {
            var dir = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
            var store = BlobStore.Open(dir);
            var reachable = new HashSet<string>();
            var unreachable = new List<string>();
            for (int i = 0; i < marks.Count; i++)
            {
                string id = store.Put(new BlobShape(BlobElement.U32, 1, 1), BitConverter.GetBytes((uint)i));
                File.SetLastWriteTimeUtc(store.PathOf(id), DateTime.UtcNow.AddHours(-2));
                if (marks[i] == 0) unreachable.Add(id); else reachable.Add(id);
            }
            var result = store.Collect(reachable, TimeSpan.FromMinutes(1));
            return reachable.All(id => store.Read(id).Payload.Length == 4) && unreachable.All(id => !store.Has(id))
                && result.Removed == unreachable.Count && result.Kept == reachable.Count;
        }).QuickCheckThrowOnFailure();
    }
}
