// Design rationale (docs/protocol.md §12.2): a blob travels in pieces of at most chunk_bytes
// (1 MiB), so no frame comes anywhere near the frame limit and neither side ever holds a whole
// 60 MB blob in one buffer. The payload is binary, the one non-JSON payload on the link: a
// million floats as JSON would be ten times the bytes and a parse. Every chunk repeats the blob
// header, so a receiver knows the blob's size (and can refuse it) from its first chunk, and a
// resumed transfer checks that it continues the same blob.
//
//   BLOB_CHUNK payload (binary, not JSON)
//    0          32                 43         51
//    +----------+------------------+----------+--------------------+
//    | id       | blob header      | offset   | data               |
//    | 32 bytes | 11 bytes (§12)   | u64 LE   | ≤ chunk_bytes      |
//    +----------+------------------+----------+--------------------+
//   id: the blob's name as 32 raw bytes; header: 0x20, element, components, count (u64 LE);
//   offset: where data starts in the blob's stored bytes.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Protocol.Blobs
{
    /// <summary>One decoded BLOB_CHUNK: a piece of blob <see cref="Id"/> starting at <see cref="Offset"/>.</summary>
    public sealed class BlobChunk
    {
        /// <summary>Bytes before the data: the raw id, the blob header and the offset.</summary>
        public const int HeaderSize = 32 + BlobId.HeaderSize + 8;

        /// <summary>The most data bytes in one chunk unless WELCOME says otherwise (1 MiB).</summary>
        public const int DefaultChunkBytes = 1 << 20;

        private BlobChunk(string id, BlobShape shape, long offset, ReadOnlyMemory<byte> data)
        {
            Id = id;
            Shape = shape;
            Offset = offset;
            Data = data;
        }

        /// <summary>The blob's name (64 lowercase hex digits).</summary>
        public string Id { get; }

        /// <summary>The blob's shape, from the header the chunk repeats.</summary>
        public BlobShape Shape { get; }

        /// <summary>Where <see cref="Data"/> starts in the blob's stored bytes.</summary>
        public long Offset { get; }

        /// <summary>The piece of the blob (a slice of the decoded payload, not a copy).</summary>
        public ReadOnlyMemory<byte> Data { get; }

        /// <summary>Writes a chunk's payload into <paramref name="destination"/> and returns its length (<see cref="HeaderSize"/> + data).</summary>
        /// <exception cref="ArgumentException">A malformed id, or a destination too small.</exception>
        public static int Encode(string id, BlobShape shape, long offset, ReadOnlySpan<byte> data, Span<byte> destination)
        {
            if (!BlobId.IsValid(id)) throw new ArgumentException($"'{id}' is not a blob name (64 lowercase hex digits)", nameof(id));
            if (destination.Length < HeaderSize + data.Length) throw new ArgumentException("destination too small", nameof(destination));
            Hex.Decode(id).CopyTo(destination);
            BlobId.WriteHeader(shape, destination.Slice(32, BlobId.HeaderSize));
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(32 + BlobId.HeaderSize, 8), (ulong)offset);
            data.CopyTo(destination.Slice(HeaderSize));
            return HeaderSize + data.Length;
        }

        /// <summary>A chunk's payload as a new array.</summary>
        public static byte[] Encode(string id, BlobShape shape, long offset, ReadOnlySpan<byte> data)
        {
            var payload = new byte[HeaderSize + data.Length];
            Encode(id, shape, offset, data, payload);
            return payload;
        }

        /// <summary>Reads a chunk's payload; <see cref="Data"/> is a slice of <paramref name="payload"/>.</summary>
        /// <exception cref="BlobTransferException">
        /// <c>MALFORMED</c>: shorter than the header, not a blob header, or a shape no blob may have;
        /// <c>BLOB_TOO_LARGE</c>: more data than <paramref name="maxChunkBytes"/>.
        /// </exception>
        public static BlobChunk Decode(ReadOnlyMemory<byte> payload, long maxChunkBytes)
        {
            var span = payload.Span;
            if (span.Length < HeaderSize) throw new BlobTransferException(BlobTransferException.Malformed, null, $"a BLOB_CHUNK payload has at least {HeaderSize} bytes, this one {span.Length}");
            var id = Hex.Encode(span.Slice(0, 32));
            if (span[32] != BlobId.Tag) throw new BlobTransferException(BlobTransferException.Malformed, id, $"blob {id}: the chunk's blob header starts 0x{span[32]:x2}, not 0x{BlobId.Tag:x2}");
            ulong count = BinaryPrimitives.ReadUInt64LittleEndian(span.Slice(35, 8));
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(span.Slice(32 + BlobId.HeaderSize, 8));
            if (count > long.MaxValue || offset > long.MaxValue) throw new BlobTransferException(BlobTransferException.Malformed, id, $"blob {id}: count or offset out of range");
            var shape = new BlobShape((BlobElement)span[33], span[34], (long)count);
            try { shape.Check(); }
            catch (BlobFormatException e) { throw new BlobTransferException(BlobTransferException.Malformed, id, $"blob {id}: {e.Message}"); }
            int data = span.Length - HeaderSize;
            if (data > maxChunkBytes) throw new BlobTransferException(BlobTransferException.TooLarge, id, $"blob {id}: a chunk carries at most {maxChunkBytes:N0} data bytes (limits.chunk_bytes), this one {data:N0}");
            return new BlobChunk(id, shape, (long)offset, payload.Slice(HeaderSize));
        }

        /// <summary>
        /// The pieces a sender cuts a blob of <paramref name="byteLength"/> bytes into, from
        /// <paramref name="from"/> (a resumed transfer) on: (offset, length), each at most
        /// <paramref name="chunkBytes"/>, in offset order. An empty blob is one empty chunk (the
        /// receiver learns its shape from it).
        /// </summary>
        public static IEnumerable<(long Offset, int Length)> Spans(long byteLength, long from, int chunkBytes)
        {
            if (chunkBytes < 1) throw new ArgumentOutOfRangeException(nameof(chunkBytes));
            if (from < 0 || from > byteLength) throw new ArgumentOutOfRangeException(nameof(from), $"offset {from} is outside a blob of {byteLength} bytes");
            if (byteLength == 0)
            {
                yield return (0, 0);
                yield break;
            }
            for (long at = from; at < byteLength; at += chunkBytes) yield return (at, (int)Math.Min(chunkBytes, byteLength - at));
        }
    }

    /// <summary>A blob transfer refused (docs/protocol.md §12.2): an ERROR naming the blob; the session stays up.</summary>
    public sealed class BlobTransferException : Exception
    {
        /// <summary>A chunk that is not a chunk (too short, a bad header).</summary>
        public const string Malformed = "MALFORMED";
        /// <summary>A chunk at another offset than the next one, or for a blob nobody wanted.</summary>
        public const string ChunkOrder = "BLOB_CHUNK_ORDER";
        /// <summary>A blob beyond limits.blob_bytes, or a chunk beyond limits.chunk_bytes.</summary>
        public const string TooLarge = "BLOB_TOO_LARGE";
        /// <summary>A blob whose bytes do not hash to its name, or run past its header's length.</summary>
        public const string Corrupt = "BLOB_CORRUPT";
        /// <summary>A referenced blob its sender cannot provide.</summary>
        public const string Missing = "BLOB_MISSING";

        /// <summary>Creates the exception.</summary>
        public BlobTransferException(string code, string? blobId, string message) : base(message)
        {
            Code = code;
            BlobId = blobId;
        }

        /// <summary>The wire code.</summary>
        public string Code { get; }

        /// <summary>The blob concerned, when known.</summary>
        public string? BlobId { get; }
    }
}
