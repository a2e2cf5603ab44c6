// Design rationale (docs/protocol.md §12.2): the receiving side of a blob transfer trusts nothing
// about the chunks but their MAC. It takes chunks only of blobs it asked for, only at the next
// offset, only within the size limit, names the bytes as they arrive, and hands a blob on only
// once its bytes hash to its name. Where the bytes go is the sink's business: the orchestrator
// streams them to a file in its store (never a whole 60 MB blob in memory), an adapter to memory.
using System;
using System.Collections.Generic;

namespace VibeSync.Protocol.Blobs
{
    /// <summary>Where one wanted blob's bytes go while it arrives.</summary>
    public interface IIncomingBlob : IDisposable
    {
        /// <summary>Bytes of this blob kept from an earlier, interrupted transfer: the offset BLOB_WANT asks to resume from (0: none).</summary>
        long Kept { get; }

        /// <summary>The shape those kept bytes were written for (null when none are kept).</summary>
        BlobShape? KeptShape { get; }

        /// <summary>Feeds the kept bytes to <paramref name="hasher"/>, in order (a resumed blob is named whole).</summary>
        void ReplayKept(BlobHasher hasher);

        /// <summary>Appends the next bytes of a blob of <paramref name="shape"/>.</summary>
        void Append(BlobShape shape, ReadOnlySpan<byte> data);

        /// <summary>The blob is whole and its bytes hash to <paramref name="id"/>: make it available (the orchestrator: durably).</summary>
        void Complete(string id, BlobShape shape);

        /// <summary>The transfer was refused: drop everything kept of it.</summary>
        void Discard();
    }

    /// <summary>
    /// Receives the chunks of the blobs this side asked for (BLOB_WANT) and verifies each blob
    /// before its sink completes it. Not thread-safe: one session's reader feeds it.
    /// </summary>
    public sealed class BlobAssembler : IDisposable
    {
        private readonly Dictionary<string, Transfer> _wanted = new Dictionary<string, Transfer>(StringComparer.Ordinal);
        private readonly long _maxBlobBytes;
        private readonly long _maxChunkBytes;

        /// <summary>Refuses blobs beyond <paramref name="maxBlobBytes"/> and chunks beyond <paramref name="maxChunkBytes"/> data bytes.</summary>
        public BlobAssembler(long maxBlobBytes, long maxChunkBytes)
        {
            _maxBlobBytes = maxBlobBytes;
            _maxChunkBytes = maxChunkBytes;
        }

        /// <summary>Blobs asked for and not complete yet.</summary>
        public IReadOnlyCollection<string> Wanted => _wanted.Keys;

        /// <summary>True while <paramref name="id"/> is asked for and not complete.</summary>
        public bool Wants(string id) => _wanted.ContainsKey(id);

        /// <summary>Asks for blob <paramref name="id"/>; its bytes go to <paramref name="sink"/>. Returns the offset to ask from (the bytes the sink kept).</summary>
        /// <exception cref="ArgumentException">A malformed name, or a blob already asked for.</exception>
        public long Want(string id, IIncomingBlob sink)
        {
            if (!BlobId.IsValid(id)) throw new ArgumentException($"'{id}' is not a blob name (64 lowercase hex digits)", nameof(id));
            if (_wanted.ContainsKey(id)) throw new ArgumentException($"blob {id} is already wanted", nameof(id));
            _wanted[id] = new Transfer(sink);
            return sink.Kept;
        }

        /// <summary>Decodes a BLOB_CHUNK payload and takes it (<see cref="Accept(BlobChunk)"/>).</summary>
        public BlobShape? Accept(ReadOnlyMemory<byte> payload) => Accept(BlobChunk.Decode(payload, _maxChunkBytes));

        /// <summary>
        /// Takes one chunk. Returns the blob's shape when this chunk completed it (its bytes hashed to
        /// its name and its sink completed it), else null.
        /// </summary>
        /// <exception cref="BlobTransferException">
        /// <c>BLOB_CHUNK_ORDER</c> (a blob not wanted, or not the next offset), <c>BLOB_TOO_LARGE</c>,
        /// <c>BLOB_CORRUPT</c> (past its length, another shape, or bytes that do not hash to its name).
        /// Except for a blob not wanted, that blob's transfer is dropped with what its sink kept.
        /// </exception>
        public BlobShape? Accept(BlobChunk chunk)
        {
            if (chunk.Data.Length > _maxChunkBytes)
                throw new BlobTransferException(BlobTransferException.TooLarge, chunk.Id, $"blob {chunk.Id}: a chunk carries at most {_maxChunkBytes:N0} data bytes (limits.chunk_bytes), this one {chunk.Data.Length:N0}");
            if (!_wanted.TryGetValue(chunk.Id, out var t))
                throw new BlobTransferException(BlobTransferException.ChunkOrder, chunk.Id, $"blob {chunk.Id}: a chunk of a blob this side did not ask for (BLOB_WANT), or asked for and already has");
            try
            {
                if (t.Hasher == null) Start(t, chunk);
                var hasher = t.Hasher!;
                if (!chunk.Shape.Equals(hasher.Shape))
                    throw new BlobTransferException(BlobTransferException.Corrupt, chunk.Id, $"blob {chunk.Id}: a chunk says {chunk.Shape.Count} × {chunk.Shape.Components} {chunk.Shape.Element}, the first said {hasher.Shape.Count} × {hasher.Shape.Components} {hasher.Shape.Element}");
                if (chunk.Offset != hasher.Length)
                    throw new BlobTransferException(BlobTransferException.ChunkOrder, chunk.Id, $"blob {chunk.Id}: a chunk at offset {chunk.Offset:N0}, the next is at {hasher.Length:N0}");
                if (chunk.Offset + chunk.Data.Length > hasher.Shape.ByteLength)
                    throw new BlobTransferException(BlobTransferException.Corrupt, chunk.Id, $"blob {chunk.Id}: a chunk reaches byte {chunk.Offset + chunk.Data.Length:N0} of a blob of {hasher.Shape.ByteLength:N0}");
                var data = chunk.Data.Span;
                hasher.Append(data);
                t.Sink.Append(hasher.Shape, data);
                if (hasher.Length < hasher.Shape.ByteLength) return null;
                var actual = hasher.Finish();
                if (actual != chunk.Id)
                    throw new BlobTransferException(BlobTransferException.Corrupt, chunk.Id, $"blob {chunk.Id}: its bytes hash to {actual}");
                t.Sink.Complete(chunk.Id, hasher.Shape);
                Forget(chunk.Id, discard: false);
                return hasher.Shape;
            }
            catch (BlobFormatException e)
            {
                Forget(chunk.Id, discard: true);
                throw new BlobTransferException(BlobTransferException.Corrupt, chunk.Id, $"blob {chunk.Id}: {e.Message}");
            }
            catch (BlobTransferException)
            {
                Forget(chunk.Id, discard: true);
                throw;
            }
        }

        /// <summary>Stops waiting for a blob; what its sink kept stays for a later transfer to resume (or a collection to remove).</summary>
        public void Abandon(string id) => Forget(id, discard: false);

        /// <summary>Stops waiting for every blob (the session ended); what was kept stays for the next one.</summary>
        public void Dispose()
        {
            foreach (var id in new List<string>(_wanted.Keys)) Forget(id, discard: false);
        }

        private void Start(Transfer t, BlobChunk chunk)
        {
            if (chunk.Shape.ByteLength > _maxBlobBytes)
                throw new BlobTransferException(BlobTransferException.TooLarge, chunk.Id, $"blob {chunk.Id}: {chunk.Shape.ByteLength:N0} bytes, more than limits.blob_bytes = {_maxBlobBytes:N0}");
            t.Hasher = new BlobHasher(chunk.Shape);
            if (t.Sink.Kept == 0) return;
            // A resumed blob continues what the sink kept; a sender that starts again from 0 restarts it.
            if (chunk.Offset == 0 || !chunk.Shape.Equals(t.Sink.KeptShape)) t.Sink.Discard();
            else t.Sink.ReplayKept(t.Hasher);
        }

        private void Forget(string id, bool discard)
        {
            if (!_wanted.TryGetValue(id, out var t)) return;
            _wanted.Remove(id);
            try { if (discard) t.Sink.Discard(); }
            finally
            {
                t.Hasher?.Dispose();
                t.Sink.Dispose();
            }
        }

        private sealed class Transfer
        {
            public Transfer(IIncomingBlob sink) { Sink = sink; }
            public IIncomingBlob Sink { get; }
            public BlobHasher? Hasher { get; set; }
        }
    }

    /// <summary>A sink in memory: the adapters' (their blobs go to a <see cref="BlobMemory"/>); nothing is kept across sessions.</summary>
    public sealed class MemoryIncomingBlob : IIncomingBlob
    {
        private readonly Action<string, BlobShape, ReadOnlyMemory<byte>> _complete;
        private byte[] _bytes = Array.Empty<byte>();
        private long _length;

        /// <summary>Calls <paramref name="complete"/> with the verified blob (e.g. <see cref="BlobMemory.Hold"/>).</summary>
        public MemoryIncomingBlob(Action<string, BlobShape, ReadOnlyMemory<byte>> complete) { _complete = complete; }

        /// <inheritdoc />
        public long Kept => 0;

        /// <inheritdoc />
        public BlobShape? KeptShape => null;

        /// <inheritdoc />
        public void ReplayKept(BlobHasher hasher) { }

        /// <inheritdoc />
        public void Append(BlobShape shape, ReadOnlySpan<byte> data)
        {
            if (_bytes.Length == 0 && shape.ByteLength > 0) _bytes = new byte[shape.ByteLength]; // sized once: the assembler bounded it
            data.CopyTo(_bytes.AsSpan((int)_length));
            _length += data.Length;
        }

        /// <inheritdoc />
        public void Complete(string id, BlobShape shape) => _complete(id, shape, _bytes);

        /// <inheritdoc />
        public void Discard()
        {
            _bytes = Array.Empty<byte>();
            _length = 0;
        }

        /// <inheritdoc />
        public void Dispose() { }
    }
}
