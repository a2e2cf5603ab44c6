using System.Buffers.Binary;
using VibeSync.Protocol.Crypto;
using VibeSync.Protocol.Intents;

namespace VibeSync.Wal.Format;

/// <summary>Writes and reads records in the layout of <see cref="RecordLayout"/>.</summary>
internal static class RecordCodec
{
    /// <summary>
    /// Writes a whole record (frame header, payload, entry hash, padding) into
    /// <paramref name="destination"/>, which must be <see cref="RecordLayout.RecordSize"/> long,
    /// and writes the entry hash into <paramref name="entryHash"/>.
    /// </summary>
    public static void Write(Span<byte> destination, ReadOnlySpan<byte> body, IntentPhase phase, ulong sequence,
        ulong batchStart, ulong intentId, long timestampMs, ReadOnlySpan<byte> parentHash, Span<byte> entryHash)
    {
        int payloadLength = RecordLayout.PayloadOverhead + body.Length;
        var payload = destination.Slice(RecordLayout.FrameHeaderSize, payloadLength);
        payload[RecordLayout.OffVersion] = (byte)RecordLayout.FormatVersion;
        payload[RecordLayout.OffPhase] = (byte)phase;
        BinaryPrimitives.WriteUInt16LittleEndian(payload[RecordLayout.OffReserved..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[RecordLayout.OffBodyLength..], (uint)body.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(payload[RecordLayout.OffSequence..], sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(payload[RecordLayout.OffBatchStart..], batchStart);
        BinaryPrimitives.WriteUInt64LittleEndian(payload[RecordLayout.OffIntentId..], intentId);
        BinaryPrimitives.WriteInt64LittleEndian(payload[RecordLayout.OffTimestamp..], timestampMs);
        parentHash.CopyTo(payload[RecordLayout.OffParent..]);
        body.CopyTo(payload[RecordLayout.OffBody..]);
        int hashAt = RecordLayout.OffBody + body.Length;
        Sha256.Hash(payload[..hashAt], payload.Slice(hashAt, RecordLayout.HashSize));
        payload.Slice(hashAt, RecordLayout.HashSize).CopyTo(entryHash);

        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payloadLength);
        uint crc = Crc32C.Compute(destination[..4]);
        crc = Crc32C.Append(crc, payload);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], crc);
        destination[(RecordLayout.FrameHeaderSize + payloadLength)..].Clear();
    }

    /// <summary>What a read at some offset found.</summary>
    public enum Outcome
    {
        /// <summary>A well-formed record with a matching CRC.</summary>
        Record,
        /// <summary>A zero length field: the end of the written area, if what follows is zero too.</summary>
        Zero,
        /// <summary>Anything else: bad length, bad CRC, malformed payload.</summary>
        Invalid,
    }

    /// <summary>A record's fixed fields, read after its CRC verified.</summary>
    public readonly record struct Header(IntentPhase Phase, int BodyLength, ulong Sequence, ulong BatchStart,
        ulong IntentId, long TimestampMs, int RecordSize);

    /// <summary>
    /// Reads the record at the start of <paramref name="data"/> (the rest of the segment).
    /// Only a record whose CRC verifies and whose fixed fields are consistent is a Record.
    /// </summary>
    public static Outcome TryRead(ReadOnlySpan<byte> data, out Header header, out string? problem)
    {
        header = default;
        problem = null;
        if (data.Length < RecordLayout.FrameHeaderSize)
        {
            problem = "fewer than 8 bytes left for a record header";
            return data.IndexOfAnyExcept((byte)0) < 0 ? Outcome.Zero : Outcome.Invalid;
        }
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length == 0) { problem = "zero length"; return Outcome.Zero; }
        if (length < RecordLayout.PayloadOverhead || length > RecordLayout.MaxPayload)
        {
            problem = $"length {length} is not a possible payload length";
            return Outcome.Invalid;
        }
        if (RecordLayout.FrameHeaderSize + (long)length > data.Length)
        {
            problem = $"length {length} runs past the end of the segment";
            return Outcome.Invalid;
        }
        var payload = data.Slice(RecordLayout.FrameHeaderSize, (int)length);
        uint crc = Crc32C.Append(Crc32C.Compute(data[..4]), payload);
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            problem = "CRC mismatch";
            return Outcome.Invalid;
        }
        byte phase = payload[RecordLayout.OffPhase];
        uint bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(payload[RecordLayout.OffBodyLength..]);
        if (payload[RecordLayout.OffVersion] != RecordLayout.FormatVersion || !PhaseNames.IsKnown(phase)
            || BinaryPrimitives.ReadUInt16LittleEndian(payload[RecordLayout.OffReserved..]) != 0
            || bodyLength != length - RecordLayout.PayloadOverhead)
        {
            problem = "CRC-valid record with inconsistent fixed fields";
            return Outcome.Invalid;
        }
        header = new Header((IntentPhase)phase, (int)bodyLength,
            BinaryPrimitives.ReadUInt64LittleEndian(payload[RecordLayout.OffSequence..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[RecordLayout.OffBatchStart..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[RecordLayout.OffIntentId..]),
            BinaryPrimitives.ReadInt64LittleEndian(payload[RecordLayout.OffTimestamp..]),
            RecordLayout.RecordSize((int)bodyLength));
        return Outcome.Record;
    }

    public static ReadOnlySpan<byte> ParentHash(ReadOnlySpan<byte> record) =>
        record.Slice(RecordLayout.FrameHeaderSize + RecordLayout.OffParent, RecordLayout.HashSize);

    public static ReadOnlySpan<byte> Body(ReadOnlySpan<byte> record, in Header h) =>
        record.Slice(RecordLayout.FrameHeaderSize + RecordLayout.OffBody, h.BodyLength);

    public static ReadOnlySpan<byte> StoredEntryHash(ReadOnlySpan<byte> record, in Header h) =>
        record.Slice(RecordLayout.FrameHeaderSize + RecordLayout.OffBody + h.BodyLength, RecordLayout.HashSize);

    /// <summary>Recomputes the entry hash of a record and compares it with the stored one.</summary>
    public static bool EntryHashVerifies(ReadOnlySpan<byte> record, in Header h)
    {
        Span<byte> computed = stackalloc byte[RecordLayout.HashSize];
        Sha256.Hash(record.Slice(RecordLayout.FrameHeaderSize, RecordLayout.OffBody + h.BodyLength), computed);
        return computed.SequenceEqual(StoredEntryHash(record, h));
    }
}
