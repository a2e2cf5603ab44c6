using System.Buffers.Binary;

namespace VibeSync.Wal.Format;

/// <summary>The 128-byte header at the start of every segment file.</summary>
internal readonly record struct SegmentHeader(ulong Segment, ulong FirstSequence, byte[] ParentHash)
{
    public void Write(Span<byte> destination)
    {
        destination[..RecordLayout.SegmentHeaderSize].Clear();
        RecordLayout.SegmentMagic.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], RecordLayout.FormatVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Segment);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], FirstSequence);
        ParentHash.CopyTo(destination[32..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[RecordLayout.SegmentHeaderCrcOffset..],
            Crc32C.Compute(destination[..RecordLayout.SegmentHeaderCrcOffset]));
    }

    public static bool TryRead(ReadOnlySpan<byte> data, out SegmentHeader header, out string? problem)
    {
        header = default;
        if (data.Length < RecordLayout.SegmentHeaderSize) { problem = "file is shorter than a segment header"; return false; }
        if (!data[..8].SequenceEqual(RecordLayout.SegmentMagic)) { problem = "not a VibeSync WAL segment (bad magic)"; return false; }
        if (Crc32C.Compute(data[..RecordLayout.SegmentHeaderCrcOffset]) != BinaryPrimitives.ReadUInt32LittleEndian(data[RecordLayout.SegmentHeaderCrcOffset..]))
        { problem = "segment header CRC mismatch"; return false; }
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        if (version != RecordLayout.FormatVersion) { problem = $"segment format version {version} is not supported"; return false; }
        header = new SegmentHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(data[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(data[24..]),
            data.Slice(32, RecordLayout.HashSize).ToArray());
        problem = null;
        return true;
    }
}
