using System.Buffers.Binary;
using VibeSync.Wal.Format;

namespace VibeSync.Wal.Tests;

/// <summary>Damage anywhere but a torn tail refuses to open, naming segment and offset, and changes nothing.</summary>
public sealed class CorruptionTests
{
    private static (TempLog dir, List<WalRecord> records) LogOfTen()
    {
        var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 64 * 1024 }))
            TempLog.AppendEach(log, Enumerable.Range(1, 10).Select(i => TempLog.Entry((ulong)i)));
        return (dir, WriteAheadLog.ReadAll(dir.Path, out _).ToList());
    }

    [Fact]
    public void when_a_bit_flips_in_a_middle_record_the_log_refuses_to_open()
    {
        var (dir, records) = LogOfTen();
        using var cleanup = dir;
        var original = File.ReadAllBytes(dir.Segment(1));
        var middle = records[4];
        foreach (int at in new[] { 9, 20, 80, 150 }) // payload header, ids, body
        {
            var bytes = (byte[])original.Clone();
            bytes[middle.Offset + at] ^= 0x10;
            File.WriteAllBytes(dir.Segment(1), bytes);
            var e = Assert.Throws<WalCorruptException>(() => WriteAheadLog.Open(dir.Path));
            Assert.Equal(1UL, e.Corruption.Segment);
            Assert.Equal(middle.Offset, e.Corruption.Offset);
            Assert.Equal(bytes, File.ReadAllBytes(dir.Segment(1))); // never silently truncated
        }
    }

    [Fact]
    public void when_a_bit_flips_in_the_last_fully_written_record_the_log_refuses_to_open()
    {
        var (dir, records) = LogOfTen();
        using var cleanup = dir;
        var bytes = File.ReadAllBytes(dir.Segment(1));
        bytes[records[^1].Offset + 100] ^= 0x01;
        File.WriteAllBytes(dir.Segment(1), bytes);
        Assert.Throws<WalCorruptException>(() => WriteAheadLog.Open(dir.Path));
    }

    [Fact]
    public void when_a_record_is_rewritten_with_a_valid_crc_the_broken_chain_is_caught()
    {
        var (dir, records) = LogOfTen();
        using var cleanup = dir;
        var bytes = File.ReadAllBytes(dir.Segment(1));
        var victim = records[3];
        // Change the timestamp and repair the CRC, as a careless or malicious editor would.
        int payload = (int)victim.Offset + RecordLayout.FrameHeaderSize;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(payload + RecordLayout.OffTimestamp), 42);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)victim.Offset));
        uint crc = Crc32C.Append(Crc32C.Compute(bytes.AsSpan((int)victim.Offset, 4)), bytes.AsSpan(payload, (int)length));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)victim.Offset + 4), crc);
        File.WriteAllBytes(dir.Segment(1), bytes);

        var e = Assert.Throws<WalCorruptException>(() => WriteAheadLog.Open(dir.Path));
        Assert.Contains("broken chain", e.Message);
        Assert.Equal(victim.Offset, e.Corruption.Offset);
    }

    [Fact]
    public void when_a_middle_segment_is_missing_the_log_refuses_to_open()
    {
        using var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 }))
            TempLog.AppendEach(log, Enumerable.Range(1, 40).Select(i => TempLog.Entry((ulong)i)));
        Assert.True(File.Exists(dir.Segment(3)));
        File.Delete(dir.Segment(2));
        var e = Assert.Throws<WalCorruptException>(() => WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 }));
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void when_a_zeroed_sector_sits_in_an_earlier_write_the_log_refuses_to_open()
    {
        var (dir, records) = LogOfTen();
        using var cleanup = dir;
        var bytes = File.ReadAllBytes(dir.Segment(1));
        Array.Clear(bytes, (int)records[5].Offset, 64); // looks torn, but records 7..10 came from later writes
        File.WriteAllBytes(dir.Segment(1), bytes);
        var e = Assert.Throws<WalCorruptException>(() => WriteAheadLog.Open(dir.Path));
        Assert.Contains("later, acknowledged write", e.Message);
    }
}
