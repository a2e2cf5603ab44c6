using System.Buffers.Binary;
using System.Globalization;
using VibeSync.Protocol.Intents;
using VibeSync.Wal.Format;
using VibeSync.Wal.Storage;

namespace VibeSync.Wal.Checkpoints;

/// <summary>
/// Reality as of one log position: the caller's state (opaque bytes, e.g. the canonical scene) and
/// the log's own bookkeeping at that sequence, so a restart reads only the segments after it.
/// <code>
/// checkpoints/NNNNNNNNNNNNNNNNNNNN.ckpt (sequence, 20 digits)
///  0 [8] "VSWALCKP"   8 u32 version (1)   12 u32 reserved   16 u64 sequence
/// 24 [32] entry hash of record `sequence`   56 [32] Reality head   88 u64 FINAL count
/// 96 u64 last FINAL sequence   104 u64 max intent id   112 u32 open intents K   116 u32 state bytes S
/// 120 K × (u64 intent id, u8 phase, 7 zero)   then S state bytes   then u32 CRC-32C of all before
/// </code>
/// </summary>
public sealed record Checkpoint(
    ulong Sequence, byte[] EntryHash, byte[] RealityHead, long FinalCount, ulong LastFinalSequence, ulong MaxIntentId,
    IReadOnlyList<KeyValuePair<ulong, IntentPhase>> OpenIntents, byte[] State)
{
    private static ReadOnlySpan<byte> Magic => "VSWALCKP"u8;
    private const int FixedSize = 120;
    internal const string Directory = "checkpoints";
    internal const string Extension = ".ckpt";

    internal byte[] Encode()
    {
        var bytes = new byte[FixedSize + OpenIntents.Count * 16 + State.Length + 4];
        var s = bytes.AsSpan();
        Magic.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], Sequence);
        EntryHash.CopyTo(s[24..]);
        RealityHead.CopyTo(s[56..]);
        BinaryPrimitives.WriteInt64LittleEndian(s[88..], FinalCount);
        BinaryPrimitives.WriteUInt64LittleEndian(s[96..], LastFinalSequence);
        BinaryPrimitives.WriteUInt64LittleEndian(s[104..], MaxIntentId);
        BinaryPrimitives.WriteUInt32LittleEndian(s[112..], (uint)OpenIntents.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(s[116..], (uint)State.Length);
        int at = FixedSize;
        foreach (var (id, phase) in OpenIntents)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s[at..], id);
            s[at + 8] = (byte)phase;
            at += 16;
        }
        State.CopyTo(s[at..]);
        at += State.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(s[at..], Crc32C.Compute(s[..at]));
        return bytes;
    }

    internal static Checkpoint? TryDecode(ReadOnlySpan<byte> s)
    {
        if (s.Length < FixedSize + 4 || !s[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(s[8..]) != 1) return null;
        if (Crc32C.Compute(s[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(s[^4..])) return null;
        uint open = BinaryPrimitives.ReadUInt32LittleEndian(s[112..]);
        uint state = BinaryPrimitives.ReadUInt32LittleEndian(s[116..]);
        if ((long)FixedSize + open * 16L + state + 4 != s.Length) return null;
        var intents = new List<KeyValuePair<ulong, IntentPhase>>((int)open);
        for (int i = 0; i < open; i++)
        {
            var e = s.Slice(FixedSize + i * 16, 16);
            if (!PhaseNames.IsKnown(e[8])) return null;
            intents.Add(new(BinaryPrimitives.ReadUInt64LittleEndian(e), (IntentPhase)e[8]));
        }
        return new Checkpoint(
            BinaryPrimitives.ReadUInt64LittleEndian(s[16..]), s.Slice(24, 32).ToArray(), s.Slice(56, 32).ToArray(),
            BinaryPrimitives.ReadInt64LittleEndian(s[88..]), BinaryPrimitives.ReadUInt64LittleEndian(s[96..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[104..]), intents,
            s.Slice(FixedSize + (int)open * 16, (int)state).ToArray());
    }

    internal static string PathOf(string walDirectory, ulong sequence) =>
        Path.Combine(walDirectory, Directory, sequence.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    /// <summary>The newest checkpoint that reads back intact, if any (a damaged one is skipped, never trusted).</summary>
    public static Checkpoint? Latest(string walDirectory)
    {
        var dir = Path.Combine(walDirectory, Directory);
        if (!System.IO.Directory.Exists(dir)) return null;
        foreach (var file in System.IO.Directory.GetFiles(dir, "*" + Extension).OrderByDescending(f => f, StringComparer.Ordinal))
        {
            try
            {
                if (TryDecode(File.ReadAllBytes(file)) is { } c) return c;
            }
            catch (IOException) { }
        }
        return null;
    }

    /// <summary>Writes the checkpoint durably: temp file, fsync, rename, fsync the directory.</summary>
    internal void Save(string walDirectory, WalFileSystem fs)
    {
        var dir = Path.Combine(walDirectory, Directory);
        if (fs.EnsurePrivateDirectory(dir)) fs.SyncDirectory(walDirectory);
        var final = PathOf(walDirectory, Sequence);
        var temp = final + ".tmp";
        var bytes = Encode();
        using (var file = fs.CreatePreallocated(temp, bytes.Length))
        {
            file.Write(bytes, 0);
            file.Flush();
        }
        File.Move(temp, final, overwrite: true);
        fs.SyncDirectory(dir);
    }
}
