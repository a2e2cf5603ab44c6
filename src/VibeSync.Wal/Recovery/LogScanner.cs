using VibeSync.Wal.Checkpoints;
using VibeSync.Wal.Entries;
using VibeSync.Wal.Format;
using VibeSync.Wal.Reality;
using VibeSync.Wal.Storage;

namespace VibeSync.Wal.Recovery;

/// <summary>Where the log is broken: a segment and a byte offset in it, and why.</summary>
public sealed record WalCorruption(ulong Segment, long Offset, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => $"segment {Segment:D10} offset {Offset}: {Reason}";
}

/// <summary>A torn tail of the last segment: bytes from <see cref="Offset"/> that no acknowledged append wrote.</summary>
public sealed record TornTail(ulong Segment, long Offset, long Bytes, string Reason);

/// <summary>What a scan of the whole log found.</summary>
public sealed class ScanResult
{
    internal ScanResult() { }

    /// <summary>Records that verified (CRC, entry hash, chain).</summary>
    public long Records { get; internal set; }
    /// <summary>Largest intent id in the good records (0 when empty): where intent numbering resumes.</summary>
    public ulong MaxIntentId { get; internal set; }
    /// <summary>Sequence of the last good record (0 when empty).</summary>
    public ulong LastSequence { get; internal set; }
    /// <summary>Entry hash of the last good record (zeros when empty).</summary>
    public byte[] LastEntryHash { get; internal set; } = new byte[RecordLayout.HashSize];
    /// <summary>Number of the last segment (0 when there is none).</summary>
    public ulong LastSegment { get; internal set; }
    /// <summary>Where the next record goes in the last segment.</summary>
    public long WriteOffset { get; internal set; }
    /// <summary>Segment files seen.</summary>
    public int Segments { get; internal set; }
    /// <summary>A torn tail, if the last segment ends in one.</summary>
    public TornTail? Torn { get; internal set; }
    /// <summary>Corruption, if any: the log must not be opened for writing.</summary>
    public WalCorruption? Corruption { get; internal set; }
    /// <summary>The FINAL chain and the open intents of the good records.</summary>
    public RealityChain Reality { get; } = new();
}

/// <summary>
/// Reads every segment in order and checks it: segment headers and their continuity, each
/// record's CRC, entry hash, sequence and parent hash. Tells a torn tail of the last segment from
/// corruption (see <see cref="RecordLayout"/> for the rule). Reads only; never repairs.
/// </summary>
internal static class LogScanner
{
    private const int Sector = 512;

    /// <param name="directory">The WAL directory.</param>
    /// <param name="onRecord">Called for each good record with its bytes (valid only during the call).</param>
    /// <param name="fs">File system seam.</param>
    /// <param name="from">
    /// Start from this checkpoint: segments wholly before it are not read, records up to it are
    /// checked but not folded (its bookkeeping is taken instead), and the record at its sequence
    /// must carry its entry hash.
    /// </param>
    /// <param name="stopAfter">Stop after this sequence (used to compute a checkpoint while appends go on).</param>
    /// <param name="startNear">
    /// Without <paramref name="from"/>: start at the segment that holds this sequence (0: the first
    /// segment); the segments before it are not read, and its header's parent hash anchors the chain.
    /// </param>
    /// <param name="everySegment">
    /// Read every segment present (what <c>wal verify</c> does). When the oldest one starts at
    /// sequence 1 the whole log is folded and <paramref name="from"/>, if given, is checked against
    /// it; when older segments were compacted away, <paramref name="from"/> is the base.
    /// </param>
    public static ScanResult Scan(string directory, RecordVisitor? onRecord, WalFileSystem? fs = null,
        Checkpoint? from = null, ulong stopAfter = ulong.MaxValue, bool everySegment = false, ulong startNear = 0)
    {
        fs ??= WalFileSystem.Os;
        var result = new ScanResult();
        var segments = SegmentNames.List(directory);
        result.Segments = segments.Count;
        byte[] buffer = Array.Empty<byte>();
        int start = everySegment ? 0
            : from is not null ? StartSegment(directory, segments, from.Sequence, fs)
            : startNear > 1 ? StartSegment(directory, segments, startNear, fs) : 0;
        ulong expectedSegment = segments.Count > 0 ? segments[start] : 1;
        bool restored = from is null || (everySegment && FirstSequence(directory, segments, fs) == 1);
        Checkpoint? toCheck = restored ? from : null;

        for (int i = start; i < segments.Count; i++)
        {
            ulong number = segments[i];
            bool last = i == segments.Count - 1;
            result.LastSegment = number;
            int length;
            using (var file = fs.OpenExisting(SegmentNames.PathOf(directory, number), writable: false))
            {
                if (file.Length > int.MaxValue) return Fail(result, number, 0, "segment larger than 2 GiB");
                if (buffer.Length < file.Length) buffer = new byte[file.Length];
                length = file.ReadAll(buffer);
            }
            var data = buffer.AsSpan(0, length);

            if (number != expectedSegment) return Fail(result, number, 0, $"segment {expectedSegment:D10} is missing");
            expectedSegment = number + 1;
            if (!SegmentHeader.TryRead(data, out var header, out var headerProblem)) return Fail(result, number, 0, headerProblem!);
            if (header.Segment != number) return Fail(result, number, 0, $"header names segment {header.Segment}");
            if (header.FirstSequence != result.LastSequence + 1 && !(i == start && result.LastSequence == 0))
                return Fail(result, number, 0, $"segment starts at sequence {header.FirstSequence}, expected {result.LastSequence + 1}");
            if (i == start)
            {
                // The oldest segment kept may follow compacted ones: take its header as the start.
                result.LastSequence = header.FirstSequence - 1;
                header.ParentHash.CopyTo(result.LastEntryHash, 0);
                if (!restored && header.FirstSequence > from!.Sequence)
                {
                    // The checkpoint's own record was compacted away: the segment after it must continue it.
                    if (header.FirstSequence != from.Sequence + 1 || !header.ParentHash.AsSpan().SequenceEqual(from.EntryHash))
                        return Fail(result, number, 0, $"the oldest segment does not continue the checkpoint at sequence {from.Sequence}");
                    result.Reality.Restore(from.RealityHead, from.FinalCount, from.LastFinalSequence, from.OpenIntents);
                    result.MaxIntentId = from.MaxIntentId;
                    restored = true;
                }
            }
            else if (!header.ParentHash.AsSpan().SequenceEqual(result.LastEntryHash))
                return Fail(result, number, 0, "segment header's parent hash breaks the chain");

            long offset = RecordLayout.SegmentHeaderSize;
            while (offset < data.Length)
            {
                var rest = data[(int)offset..];
                var outcome = RecordCodec.TryRead(rest, out var h, out var problem);
                if (outcome == RecordCodec.Outcome.Zero)
                {
                    if (rest.IndexOfAnyExcept((byte)0) < 0) break; // clean end of the written area
                    problem = "a zero length field, yet non-zero bytes follow it";
                }
                if (outcome != RecordCodec.Outcome.Record)
                {
                    if (!last) return Fail(result, number, offset, problem ?? "unreadable record");
                    var torn = TornOrCorrupt(data, offset, result.LastSequence + 1, number, problem ?? "unreadable record");
                    if (torn is WalCorruption c) { result.Corruption = c; return result; }
                    result.Torn = (TornTail)torn;
                    break;
                }
                var record = rest[..Math.Min(h.RecordSize, rest.Length)]; // a file cut inside the padding still holds the record
                if (h.Sequence != result.LastSequence + 1)
                    return Fail(result, number, offset, $"sequence {h.Sequence} follows {result.LastSequence}: broken chain");
                if (!RecordCodec.ParentHash(record).SequenceEqual(result.LastEntryHash))
                    return Fail(result, number, offset, $"record {h.Sequence} does not name the previous record's entry hash: broken chain");
                if (!RecordCodec.EntryHashVerifies(record, h))
                    return Fail(result, number, offset, $"record {h.Sequence}'s entry hash does not match its contents: broken chain");
                if (h.BatchStart > h.Sequence)
                    return Fail(result, number, offset, $"record {h.Sequence} names a batch that starts after it");

                var entryHash = RecordCodec.StoredEntryHash(record, h);
                if (restored)
                {
                    onRecord?.Invoke(record, h, number, offset);
                    result.Reality.Apply(h.Sequence, h.IntentId, h.Phase, entryHash);
                    if (h.IntentId > result.MaxIntentId) result.MaxIntentId = h.IntentId;
                    if (toCheck != null && h.Sequence == toCheck.Sequence
                        && (!entryHash.SequenceEqual(toCheck.EntryHash) || !result.Reality.Head.SequenceEqual(toCheck.RealityHead)
                            || result.Reality.FinalCount != toCheck.FinalCount))
                        return Fail(result, number, offset, $"the checkpoint at sequence {h.Sequence} disagrees with the log");
                }
                else if (h.Sequence == from!.Sequence)
                {
                    if (!entryHash.SequenceEqual(from.EntryHash))
                        return Fail(result, number, offset, $"record {h.Sequence} does not match the checkpoint taken at it");
                    result.Reality.Restore(from.RealityHead, from.FinalCount, from.LastFinalSequence, from.OpenIntents);
                    result.MaxIntentId = from.MaxIntentId;
                    restored = true;
                }
                entryHash.CopyTo(result.LastEntryHash);
                result.LastSequence = h.Sequence;
                result.Records++;
                offset += h.RecordSize;
                if (h.Sequence >= stopAfter) { result.WriteOffset = offset; return result; }
            }
            result.WriteOffset = offset;
        }
        if (segments.Count == 0) result.WriteOffset = RecordLayout.SegmentHeaderSize;
        if (!restored && result.Corruption is null)
            result.Corruption = new WalCorruption(result.LastSegment, result.WriteOffset,
                $"the checkpoint at sequence {from!.Sequence} is beyond the end of the log (last sequence {result.LastSequence})");
        return result;
    }

    private static ulong FirstSequence(string directory, List<ulong> segments, WalFileSystem fs)
    {
        if (segments.Count == 0) return 1;
        var header = new byte[RecordLayout.SegmentHeaderSize];
        using var file = fs.OpenExisting(SegmentNames.PathOf(directory, segments[0]), writable: false);
        return RandomAccess.Read(file.Handle, header, 0) == header.Length && SegmentHeader.TryRead(header, out var h, out _)
            ? h.FirstSequence : 1;
    }

    /// <summary>Index of the last segment whose first sequence is at or before <paramref name="sequence"/>.</summary>
    private static int StartSegment(string directory, List<ulong> segments, ulong sequence, WalFileSystem fs)
    {
        var header = new byte[RecordLayout.SegmentHeaderSize];
        for (int i = segments.Count - 1; i > 0; i--)
        {
            using var file = fs.OpenExisting(SegmentNames.PathOf(directory, segments[i]), writable: false);
            if (RandomAccess.Read(file.Handle, header, 0) == header.Length
                && SegmentHeader.TryRead(header, out var h, out _) && h.FirstSequence <= sequence)
                return i;
        }
        return 0;
    }

    /// <summary>Visits one good record: its bytes, fixed fields, segment and offset.</summary>
    public delegate void RecordVisitor(ReadOnlySpan<byte> record, in RecordCodec.Header header, ulong segment, long offset);

    /// <summary>Decodes a good record's body into a <see cref="WalRecord"/>.</summary>
    public static WalRecord Decode(ReadOnlySpan<byte> record, in RecordCodec.Header h, ulong segment, long offset) => new(
        h.Sequence, h.BatchStart, RecordCodec.ParentHash(record).ToArray(), RecordCodec.StoredEntryHash(record, h).ToArray(),
        EntryBody.Decode(RecordCodec.Body(record, h), h.IntentId, h.Phase, h.TimestampMs), segment, offset);

    private static ScanResult Fail(ScanResult result, ulong segment, long offset, string reason)
    {
        result.Corruption = new WalCorruption(segment, offset, reason);
        return result;
    }

    /// <summary>
    /// An unreadable record at <paramref name="at"/> in the last segment is a torn tail only when
    /// (a) part of it was never written (an all-zero sector, a zero length, or the file ends inside
    /// it) and (b) no good record of a later write follows it. A good record from a later write
    /// proves this one's write was acknowledged, so its loss would be corruption.
    /// </summary>
    private static object TornOrCorrupt(ReadOnlySpan<byte> data, long at, ulong expectedSequence, ulong segment, string problem)
    {
        long claimedEnd = at + RecordLayout.FrameHeaderSize > data.Length ? -1 : data.Length; // the file ends inside the header
        if (at + RecordLayout.FrameHeaderSize <= data.Length)
        {
            uint length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[(int)at..]);
            if (length != 0) claimedEnd = Math.Min(data.Length, at + RecordLayout.FrameHeaderSize + (long)length);
            if (at + RecordLayout.FrameHeaderSize + (long)length > data.Length) claimedEnd = -1; // runs past the end: unwritten
        }
        bool unwrittenPart = claimedEnd < 0 || HasZeroSector(data, at, claimedEnd)
            || (at + 4 <= data.Length && System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[(int)at..]) == 0);
        if (!unwrittenPart)
            return new WalCorruption(segment, at, problem + " in a fully written record");

        for (long o = at + RecordLayout.Alignment; o + RecordLayout.FrameHeaderSize <= data.Length; o += RecordLayout.Alignment)
        {
            if (System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[(int)o..]) == 0) continue;
            if (RecordCodec.TryRead(data[(int)o..], out var later, out _) != RecordCodec.Outcome.Record) continue;
            if (later.Sequence >= expectedSequence && later.BatchStart > expectedSequence)
                return new WalCorruption(segment, at,
                    $"{problem}, yet record {later.Sequence} at offset {o} was written by a later, acknowledged write");
        }
        int lastNonZero = data.LastIndexOfAnyExcept((byte)0);
        long bytes = Math.Max(0, lastNonZero + 1 - at);
        return new TornTail(segment, at, bytes, problem);
    }

    private static bool HasZeroSector(ReadOnlySpan<byte> data, long from, long to)
    {
        for (long s = from / Sector * Sector; s < to; s += Sector)
        {
            long start = Math.Max(s, from), end = Math.Min(s + Sector, to);
            // Never-written sectors of a preallocated file read as zeros; a written record has no
            // zero run longer than 7 bytes (high bytes of its integers), so a zero portion is unwritten.
            if (end - start >= 8 && data[(int)start..(int)end].IndexOfAnyExcept((byte)0) < 0) return true;
        }
        return false;
    }
}
