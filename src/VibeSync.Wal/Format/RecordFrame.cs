// Design rationale (issue #22 §3): a replicated journal keeps "the WAL's records and chain,
// unchanged in meaning", so it stores the very bytes the WAL writes into a segment, one record per
// message. This is the WAL's own codec made available record by record, so there is one source
// for the layout, the CRC and the hash chain.
using VibeSync.Protocol.Hashing;
using VibeSync.Wal.Entries;
using VibeSync.Wal.Recovery;

namespace VibeSync.Wal.Format;

/// <summary>One WAL record as bytes on its own (a segment's record, without the segment).</summary>
public static class RecordFrame
{
    /// <summary>Size of the hashes in a record (SHA-256).</summary>
    public const int HashSize = RecordLayout.HashSize;

    /// <summary>
    /// Encodes <paramref name="encoded"/> as the record numbered <paramref name="sequence"/> whose
    /// parent is <paramref name="parentHash"/> (zeros for the first), exactly as a segment holds it;
    /// <paramref name="entryHash"/> receives the record's entry hash.
    /// </summary>
    /// <exception cref="WalEntryTooLargeException">Its body is over <see cref="WriteAheadLog.MaxEntryBytes"/>.</exception>
    public static byte[] Encode(EncodedEntry encoded, ulong sequence, ReadOnlySpan<byte> parentHash, out byte[] entryHash)
    {
        if (encoded.Body.Length > WriteAheadLog.MaxEntryBytes) throw new WalEntryTooLargeException(encoded.Body.Length, WriteAheadLog.MaxEntryBytes);
        var e = encoded.Entry;
        var frame = new byte[RecordLayout.RecordSize(encoded.Body.Length)];
        entryHash = new byte[HashSize];
        RecordCodec.Write(frame, encoded.Body, e.Phase, sequence, sequence, e.IntentId, e.TimestampMs, parentHash, entryHash);
        return frame;
    }

    /// <summary>
    /// Decodes a record and checks it as recovery does: CRC, fixed fields, entry hash, that it is
    /// record <paramref name="sequence"/> and that it names <paramref name="parentHash"/> as its parent.
    /// </summary>
    /// <exception cref="WalCorruptException">Any check failed; <paramref name="where"/> says where it was read.</exception>
    public static WalRecord Decode(ReadOnlySpan<byte> frame, ulong sequence, ReadOnlySpan<byte> parentHash, string where) =>
        Decode(frame, sequence, parentHash, checkParent: true, where);

    /// <summary>
    /// Decodes the record a range is read after, checked as <see cref="Decode(ReadOnlySpan{byte}, ulong, ReadOnlySpan{byte}, string)"/>
    /// does except for its parent (its predecessor is not read): its entry hash anchors the range's chain.
    /// </summary>
    /// <exception cref="WalCorruptException">Any check failed.</exception>
    public static WalRecord DecodeAnchor(ReadOnlySpan<byte> frame, ulong sequence, string where) =>
        Decode(frame, sequence, default, checkParent: false, where);

    private static WalRecord Decode(ReadOnlySpan<byte> frame, ulong sequence, ReadOnlySpan<byte> parentHash, bool checkParent, string where)
    {
        string? problem = null;
        if (RecordCodec.TryRead(frame, out var h, out problem) != RecordCodec.Outcome.Record) { }
        else if (h.Sequence != sequence) problem = $"holds record {h.Sequence} where record {sequence} belongs";
        else if (!RecordCodec.EntryHashVerifies(frame, h)) problem = "entry hash does not verify";
        else if (checkParent && !RecordCodec.ParentHash(frame).SequenceEqual(parentHash))
            problem = $"broken chain: parent {Hex.Encode(RecordCodec.ParentHash(frame))[..16]}… is not the previous record's hash {Hex.Encode(parentHash)[..16]}…";
        if (problem != null) throw new WalCorruptException(new WalCorruption(0, (long)sequence, $"{where}: {problem}"));
        return LogScanner.Decode(frame, h, 0, 0);
    }
}
