using System.Text;
using VibeSync.Wal.Format;
using VibeSync.Protocol.Intents;

namespace VibeSync.Wal.Tests;

public sealed class FormatTests
{
    [Fact]
    public void crc32c_gives_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, Crc32C.Compute(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void crc32c_can_be_continued_across_pieces()
    {
        var data = Encoding.ASCII.GetBytes("the quick brown fox jumps over the lazy dog");
        for (int cut = 0; cut <= data.Length; cut++)
            Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, cut)), data.AsSpan(cut)));
    }

    [Fact]
    public void a_record_is_laid_out_as_docs_wal_md_draws_it()
    {
        var body = Encoding.UTF8.GetBytes("{\"engine\":\"blender\"}");
        var record = new byte[RecordLayout.RecordSize(body.Length)];
        var parent = Enumerable.Repeat((byte)0xAB, 32).ToArray();
        var hash = new byte[32];
        RecordCodec.Write(record, body, IntentPhase.Final, sequence: 7, batchStart: 5, intentId: 42, timestampMs: 1000, parent, hash);
        Assert.Equal((uint)(104 + body.Length), BitConverter.ToUInt32(record, 0));        // length
        Assert.Equal(1, record[8]);                                                      // version
        Assert.Equal((byte)IntentPhase.Final, record[9]);                                // phase
        Assert.Equal((uint)body.Length, BitConverter.ToUInt32(record, 12));               // body length
        Assert.Equal(7UL, BitConverter.ToUInt64(record, 16));                             // sequence
        Assert.Equal(5UL, BitConverter.ToUInt64(record, 24));                             // batch_start
        Assert.Equal(42UL, BitConverter.ToUInt64(record, 32));                            // intent_id
        Assert.Equal(1000L, BitConverter.ToInt64(record, 40));                            // timestamp
        Assert.Equal(parent, record.AsSpan(48, 32).ToArray());                            // parent hash
        Assert.Equal(body, record.AsSpan(80, body.Length).ToArray());                     // body
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(record.AsSpan(8, 72 + body.Length)), hash);
        Assert.Equal(hash, record.AsSpan(80 + body.Length, 32).ToArray());               // entry hash
        Assert.Equal(0, record.Length % 8);
        Assert.Equal(RecordCodec.Outcome.Record, RecordCodec.TryRead(record, out var h, out _));
        Assert.Equal(7UL, h.Sequence);
    }
}
