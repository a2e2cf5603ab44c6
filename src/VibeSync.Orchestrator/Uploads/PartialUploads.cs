// Design rationale (issue #17 item 4, DESIGN §8): an agent sends a blob in chunks through the
// control API (put_blob); the orchestrator names it from the bytes — never from a name the agent
// gives — and writes it as it comes (never whole in memory). What an agent may hold unfinished is
// bounded (count, declared bytes) and expires when it goes idle. Whether the store already held
// the blob is never told: every upload is taken whole, verified whole, made durable with the same
// steps, and answered with the same fields, so an agent cannot probe for a hidden mesh's data.
using System.Security.Cryptography;
using VibeSync.Blobs;
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Orchestrator.Uploads;

/// <summary>One chunk of a <c>put_blob</c> upload, as the control API received it.</summary>
/// <param name="Upload">The upload it continues (as the first chunk's answer named it); null for a first chunk.</param>
/// <param name="Shape">The whole blob's element type, components and count (every chunk says it).</param>
/// <param name="Offset">The blob byte this chunk's data starts at.</param>
/// <param name="Data">The bytes (little-endian values of the element type; a chunk may split a value).</param>
public sealed record UploadChunk(string? Upload, BlobShape Shape, long Offset, byte[] Data);

/// <summary>What a chunk's answer says: the upload continues (<see cref="Upload"/>, <see cref="Received"/>) or the blob is stored (<see cref="Blob"/>).</summary>
public sealed record UploadAnswer(string? Upload, string? Blob, long Received, long Bytes);

/// <summary>The unfinished uploads of every actor, bounded per actor, expired when idle. Thread-safe.</summary>
public sealed class PartialUploads : IDisposable
{
    /// <summary>The most data bytes one chunk may carry: the link's chunk size (1 MiB).</summary>
    public const int ChunkBytes = BlobChunk.DefaultChunkBytes;

    private readonly BlobStore _store;
    private readonly BlobUploads _finished;
    private readonly Func<AdmissionLimits> _limits;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal); // handle → upload
    private bool _disposed;

    private sealed class Entry(string actor, BlobStore.BlobUpload upload, DateTimeOffset touched)
    {
        public string Actor { get; } = actor;
        public BlobStore.BlobUpload Upload { get; } = upload;
        public DateTimeOffset Touched { get; set; } = touched;
        public bool Closed { get; set; }
    }

    /// <summary>Uploads into <paramref name="store"/>; a finished one is remembered in <paramref name="finished"/> as its actor's.</summary>
    public PartialUploads(BlobStore store, BlobUploads finished, Func<AdmissionLimits> limits, TimeSpan? idle = null, TimeProvider? time = null)
    {
        _store = store;
        _finished = finished;
        _limits = limits;
        _time = time ?? TimeProvider.System;
        Idle = idle ?? TimeSpan.FromMinutes(10);
    }

    /// <summary>An unfinished upload no chunk continued for this long is dropped.</summary>
    public TimeSpan Idle { get; }

    /// <summary>Unfinished uploads held now.</summary>
    public int Count { get { lock (_open) return _open.Count; } }

    /// <summary>
    /// Takes one chunk of <paramref name="actor"/>'s upload. A refused chunk changes nothing
    /// (the upload waits for the right one), except one whose values cannot be named, which drops
    /// its upload (NON_FINITE). The last chunk names the blob and stores it durably.
    /// </summary>
    /// <exception cref="UploadRefusedException">RESOURCE_LIMIT, BLOB_CHUNK_ORDER, BLOB_SHAPE, NON_FINITE, UNKNOWN_UPLOAD or INVALID_VALUE.</exception>
    public UploadAnswer Take(Actor actor, UploadChunk chunk)
    {
        var limits = _limits();
        var shape = chunk.Shape;
        try { shape.Check(); }
        catch (BlobFormatException e) { throw new UploadRefusedException("INVALID_VALUE", e.Field, e.Reason); }
        if (chunk.Data.Length > ChunkBytes)
            throw new UploadRefusedException("RESOURCE_LIMIT", "data", $"{chunk.Data.Length:N0} bytes in one chunk, over chunk_bytes = {ChunkBytes:N0}; send smaller chunks");
        if (shape.ByteLength > limits.MaxBlobBytes)
            throw new UploadRefusedException("RESOURCE_LIMIT", "count", $"a blob of {shape.ByteLength:N0} bytes, over limits.max_blob_bytes = {limits.MaxBlobBytes:N0}");
        if (chunk.Offset < 0) throw new UploadRefusedException("INVALID_VALUE", "offset", "must be 0 or more");
        Expire();
        string who = actor.ToString();
        Entry entry;
        string handle;
        lock (_open)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (chunk.Upload == null)
            {
                if (chunk.Offset != 0)
                    throw new UploadRefusedException("BLOB_CHUNK_ORDER", "offset", $"a new upload starts at offset 0, not {chunk.Offset:N0}; to continue one, give the upload its first chunk's answer named");
                // Held unfinished only when this chunk does not finish it: the bounds are on what waits.
                if (chunk.Data.Length < shape.ByteLength)
                {
                    var mine = _open.Values.Where(e => e.Actor == who).ToList();
                    if (mine.Count >= limits.MaxUploads)
                        throw new UploadRefusedException("RESOURCE_LIMIT", "upload", $"{mine.Count} unfinished uploads, the most limits.max_uploads = {limits.MaxUploads} allows; finish them or let them expire ({Idle.TotalMinutes:F0} min idle)");
                    long held = mine.Sum(e => e.Upload.Shape.ByteLength);
                    if (held + shape.ByteLength > limits.MaxUploadBytes)
                        throw new UploadRefusedException("RESOURCE_LIMIT", "count", $"{held:N0} bytes of unfinished uploads and {shape.ByteLength:N0} more, over limits.max_upload_bytes = {limits.MaxUploadBytes:N0}");
                }
                if (chunk.Offset + chunk.Data.Length > shape.ByteLength) throw PastTheEnd(chunk);
                handle = "u-" + Hex.Encode(RandomNumberGenerator.GetBytes(12));
                entry = new Entry(who, _store.BeginUpload(shape), _time.GetUtcNow());
                _open[handle] = entry;
            }
            else
            {
                handle = chunk.Upload;
                // Another actor's upload answers as one that does not exist.
                if (!_open.TryGetValue(handle, out entry!) || entry.Actor != who)
                    throw new UploadRefusedException("UNKNOWN_UPLOAD", "upload", $"no unfinished upload {handle} of yours: it finished, failed or expired ({Idle.TotalMinutes:F0} min idle); start again from offset 0 without upload");
            }
        }
        lock (entry)
        {
            if (entry.Closed)
                throw new UploadRefusedException("UNKNOWN_UPLOAD", "upload", $"no unfinished upload {handle} of yours: it finished or failed meanwhile");
            var upload = entry.Upload;
            if (upload.Shape != shape)
                throw new UploadRefusedException("BLOB_SHAPE", "count", $"this upload is {Describe(upload.Shape)}, this chunk says {Describe(shape)}");
            if (chunk.Offset != upload.Received)
                throw new UploadRefusedException("BLOB_CHUNK_ORDER", "offset", $"{upload.Received:N0} bytes received so far: the next chunk starts at offset {upload.Received:N0}, not {chunk.Offset:N0}");
            if (chunk.Offset + chunk.Data.Length > shape.ByteLength) throw PastTheEnd(chunk);
            try { upload.Append(chunk.Data); }
            catch (BlobFormatException e)
            {
                Close(handle, entry);
                throw new UploadRefusedException("NON_FINITE", e.Field, $"{e.Reason}: blob values must be finite reals within ±1e12; this upload is dropped, start it again");
            }
            entry.Touched = _time.GetUtcNow();
            if (!upload.Whole) return new UploadAnswer(handle, null, upload.Received, shape.ByteLength);
            string id;
            try { id = upload.Complete(); }
            finally { Close(handle, entry); }
            _finished.Add(actor, id); // the agent may name it now: it sent every byte of it
            return new UploadAnswer(null, id, shape.ByteLength, shape.ByteLength);
        }
    }

    private static UploadRefusedException PastTheEnd(UploadChunk chunk) =>
        new("BLOB_SHAPE", "data", $"{chunk.Data.Length:N0} bytes at offset {chunk.Offset:N0} run past the blob's end: {Describe(chunk.Shape)} take {chunk.Shape.ByteLength:N0} bytes");

    private static string Describe(BlobShape s) => $"{s.Count:N0} × {s.Components} {s.Element}";

    private void Close(string handle, Entry entry)
    {
        entry.Closed = true;
        entry.Upload.Dispose();
        lock (_open) _open.Remove(handle);
    }

    /// <summary>Drops every upload idle for longer than <see cref="Idle"/>; returns how many.</summary>
    public int Expire()
    {
        var cutoff = _time.GetUtcNow() - Idle;
        List<(string, Entry)> stale;
        lock (_open) stale = _open.Where(p => p.Value.Touched < cutoff).Select(p => (p.Key, p.Value)).ToList();
        foreach (var (handle, entry) in stale)
            lock (entry)
                if (!entry.Closed && entry.Touched < cutoff) Close(handle, entry);
        return stale.Count;
    }

    /// <summary>Drops every unfinished upload.</summary>
    public void Dispose()
    {
        List<(string, Entry)> all;
        lock (_open)
        {
            _disposed = true;
            all = _open.Select(p => (p.Key, p.Value)).ToList();
        }
        foreach (var (handle, entry) in all)
            lock (entry)
                if (!entry.Closed) Close(handle, entry);
    }
}

/// <summary>A <c>put_blob</c> chunk refused: its code (wire name), the field, and a sentence an agent can act on.</summary>
public sealed class UploadRefusedException(string code, string field, string reason) : Exception($"{code} at {field}: {reason}")
{
    /// <summary>RESOURCE_LIMIT, BLOB_CHUNK_ORDER, BLOB_SHAPE, NON_FINITE, UNKNOWN_UPLOAD, INVALID_VALUE, MALFORMED.</summary>
    public string Code { get; } = code;

    /// <summary>The field at fault (offset, data, count, upload, value[i], …).</summary>
    public string Field { get; } = field;

    /// <summary>Why.</summary>
    public string Reason { get; } = reason;
}
