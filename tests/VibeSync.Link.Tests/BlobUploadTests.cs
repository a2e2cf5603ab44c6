using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using VibeSync.Blobs;
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Validation;
using VibeSync.Orchestrator.Uploads;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Link.Tests;

/// <summary>
/// put_blob's orchestrator side (<see cref="PartialUploads"/>) over the real store: named from the
/// bytes, the same answer and files whether or not the blob was held, bounded per agent, expired
/// when idle; a refused chunk changes nothing.
/// </summary>
public sealed class BlobUploadTests : IDisposable
{
    private static readonly Actor Claude = Actor.Parse("ai:claude");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-up-" + Guid.NewGuid().ToString("N"));
    private readonly BlobStore _store;
    private readonly BlobUploads _finished = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly PartialUploads _uploads;
    private AdmissionLimits _limits = new();

    public BlobUploadTests()
    {
        _store = BlobStore.Open(Path.Combine(_dir, "blobs"));
        _uploads = new PartialUploads(_store, _finished, () => _limits, TimeSpan.FromMinutes(10), _time);
    }

    public void Dispose()
    {
        _uploads.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static byte[] Floats(params float[] v) => MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    private static UploadChunk Chunk(string? upload, long count, long offset, byte[] data) => new(upload, new BlobShape(BlobElement.F32, 3, count), offset, data);

    private string[] Incoming() => Directory.GetFiles(Path.Combine(_dir, "blobs", ".incoming"));

    [Fact]
    public void chunks_in_order_make_the_blob_the_bytes_name_and_the_agent_may_name_it()
    {
        var bytes = Floats(1, 2, 3, 4, 5, 6, 7, 8, 9);
        var first = _uploads.Take(Claude, Chunk(null, 3, 0, bytes[..13])); // a chunk may split a value
        Assert.Null(first.Blob);
        Assert.Equal(13, first.Received);
        var last = _uploads.Take(Claude, Chunk(first.Upload, 3, 13, bytes[13..]));
        Assert.Equal(BlobId.Of(new BlobShape(BlobElement.F32, 3, 3), bytes), last.Blob);
        Assert.True(_store.Has(last.Blob!));
        Assert.Contains(last.Blob!, _finished.Of(Claude));
        Assert.Empty(Incoming());
    }

    [Fact]
    public void a_blob_the_store_held_already_answers_exactly_as_a_new_one()
    {
        var held = Floats(1, 2, 3);
        _store.Put(new BlobShape(BlobElement.F32, 3, 1), held); // e.g. a hidden mesh's
        var again = _uploads.Take(Claude, Chunk(null, 1, 0, held));
        var fresh = _uploads.Take(Claude, Chunk(null, 1, 0, Floats(4, 5, 6)));
        Assert.Equal(again with { Blob = "x" }, fresh with { Blob = "x" });
        Assert.Empty(Incoming());
    }

    [Fact]
    public void out_of_order_past_the_end_and_another_shape_are_refused_and_the_upload_waits_unchanged()
    {
        var bytes = Floats(1, 2, 3, 4, 5, 6);
        var first = _uploads.Take(Claude, Chunk(null, 2, 0, bytes[..12]));
        Assert.Equal("BLOB_CHUNK_ORDER", Assert.Throws<UploadRefusedException>(() => _uploads.Take(Claude, Chunk(first.Upload, 2, 16, bytes[12..]))).Code);
        Assert.Equal("BLOB_SHAPE", Assert.Throws<UploadRefusedException>(() => _uploads.Take(Claude, Chunk(first.Upload, 2, 12, bytes))).Code);
        Assert.Equal("BLOB_SHAPE", Assert.Throws<UploadRefusedException>(() => _uploads.Take(Claude, Chunk(first.Upload, 3, 12, bytes[12..]))).Code);
        Assert.Equal("UNKNOWN_UPLOAD", Assert.Throws<UploadRefusedException>(() => _uploads.Take(Actor.Parse("ai:other"), Chunk(first.Upload, 2, 12, bytes[12..]))).Code);
        Assert.Empty(_store.All());
        var done = _uploads.Take(Claude, Chunk(first.Upload, 2, 12, bytes[12..]));
        Assert.NotNull(done.Blob);
    }

    [Fact]
    public void a_nan_drops_its_upload_and_stores_nothing()
    {
        var e = Assert.Throws<UploadRefusedException>(() => _uploads.Take(Claude, Chunk(null, 2, 0, Floats(1, float.NaN, 3))));
        Assert.Equal(("NON_FINITE", "value[1]"), (e.Code, e.Field));
        Assert.Empty(_store.All());
        Assert.Empty(Incoming());
        Assert.Equal(0, _uploads.Count);
    }

    [Fact]
    public void over_a_limit_is_resource_limit_naming_it()
    {
        _limits = new AdmissionLimits { MaxBlobBytes = 1024, MaxUploads = 2, MaxUploadBytes = 2048 };
        Assert.Contains("limits.max_blob_bytes", Assert.Throws<UploadRefusedException>(() => _uploads.Take(Claude, Chunk(null, 100, 0, Floats(1, 2, 3)))).Reason);
        _uploads.Take(Claude, Chunk(null, 80, 0, Floats(1, 2, 3)));
        _uploads.Take(Claude, Chunk(null, 80, 0, Floats(1, 2, 3)));
        var third = Assert.Throws<UploadRefusedException>(() => _uploads.Take(Claude, Chunk(null, 10, 0, Floats(1, 2, 3))));
        Assert.Equal("RESOURCE_LIMIT", third.Code);
        Assert.Contains("limits.max_uploads", third.Reason);
        _limits = _limits with { MaxUploads = 8 };
        Assert.Contains("limits.max_upload_bytes", Assert.Throws<UploadRefusedException>(() => _uploads.Take(Claude, Chunk(null, 80, 0, Floats(1, 2, 3)))).Reason);
        // Another agent has bounds of its own.
        _uploads.Take(Actor.Parse("ai:other"), Chunk(null, 80, 0, Floats(1, 2, 3)));
        Assert.Contains("chunk_bytes", Assert.Throws<UploadRefusedException>(() => _uploads.Take(Claude, Chunk(null, 1, 0, new byte[PartialUploads.ChunkBytes + 1]))).Reason);
    }

    [Fact]
    public void an_idle_upload_expires_and_its_file_goes_with_it()
    {
        var first = _uploads.Take(Claude, Chunk(null, 2, 0, Floats(1, 2, 3)));
        Assert.Single(Incoming());
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal("UNKNOWN_UPLOAD", Assert.Throws<UploadRefusedException>(() => _uploads.Take(Claude, Chunk(first.Upload, 2, 12, Floats(4, 5, 6)))).Code);
        Assert.Empty(Incoming());
    }

    [Fact]
    public void a_finished_upload_is_nameable_until_it_expires()
    {
        var uploads = new BlobUploads(TimeSpan.FromHours(1), _time);
        uploads.Add(Claude, "a");
        Assert.Contains("a", uploads.Live());
        _time.Advance(TimeSpan.FromMinutes(61));
        Assert.Empty(uploads.Of(Claude));
        Assert.Empty(uploads.Live());
    }
}
