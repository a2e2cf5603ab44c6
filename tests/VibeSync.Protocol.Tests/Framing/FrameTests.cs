using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Xunit;
using VibeSync.Protocol.Framing;

namespace VibeSync.Protocol.Tests.Framing;

public sealed class FrameTests
{
    private static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static Frame Sample(string payload = "{\"op\":\"ping\"}") => new(3, 41, 1_700_000_000_000, Encoding.UTF8.GetBytes(payload));

    [Fact]
    public void a_frame_round_trips()
    {
        var decoded = FrameCodec.Decode(Key, FrameCodec.Encode(Key, Sample()));
        Assert.Equal((byte)3, decoded.Type);
        Assert.Equal(41UL, decoded.Sequence);
        Assert.Equal(1_700_000_000_000L, decoded.TimeMs);
        Assert.Equal("{\"op\":\"ping\"}", Encoding.UTF8.GetString(decoded.Payload.Span));
    }

    [Fact]
    public void the_length_field_counts_every_byte_after_itself()
    {
        var bytes = FrameCodec.Encode(Key, Sample("abc"));
        Assert.Equal(24 + 3 + 32, bytes.Length);
        Assert.Equal((uint)(bytes.Length - 4), BinaryPrimitives.ReadUInt32LittleEndian(bytes));
    }

    [Fact]
    public void flipping_any_bit_of_a_frame_is_detected()
    {
        var good = FrameCodec.Encode(Key, Sample());
        for (int bit = 0; bit < good.Length * 8; bit++)
        {
            var bad = (byte[])good.Clone();
            bad[bit / 8] ^= (byte)(1 << (bit % 8));
            var e = Assert.Throws<FrameException>(() => FrameCodec.Decode(Key, bad));
            // A flip in the length field is a length or truncation error; anywhere else the MAC catches it.
            if (bit >= 32) Assert.Equal(FrameErrorCode.BadMac, e.Code);
        }
    }

    [Fact]
    public void a_frame_signed_with_another_key_is_refused()
    {
        var other = Key.Select(b => (byte)(b ^ 0x5a)).ToArray();
        Assert.Equal(FrameErrorCode.BadMac, Assert.Throws<FrameException>(() => FrameCodec.Decode(Key, FrameCodec.Encode(other, Sample()))).Code);
    }

    [Fact]
    public void an_oversize_length_is_refused_before_the_body_arrives()
    {
        var decoder = new FrameDecoder(Key, maxFrame: 1024);
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 1025);
        var e = Assert.Throws<FrameException>(() => decoder.Feed(header));
        Assert.Equal(FrameErrorCode.TooLarge, e.Code);
        Assert.Equal(4, decoder.Pending); // nothing beyond the length field was buffered
        Assert.Throws<FrameException>(() => decoder.Feed(new byte[1])); // and the decoder stays failed
    }

    [Fact]
    public void a_length_below_the_fixed_overhead_is_refused()
    {
        var bytes = new byte[4 + 51];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 51);
        Assert.Equal(FrameErrorCode.TooShort, Assert.Throws<FrameException>(() => FrameCodec.Decode(Key, bytes)).Code);
    }

    [Fact]
    public void a_stream_that_ends_inside_a_frame_is_truncated()
    {
        var decoder = new FrameDecoder(Key);
        var bytes = FrameCodec.Encode(Key, Sample());
        Assert.Empty(decoder.Feed(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Equal(FrameErrorCode.Truncated, Assert.Throws<FrameException>(() => decoder.Complete()).Code);
    }

    [Fact]
    public void authentic_frames_of_another_version_or_with_flags_are_refused_after_the_mac()
    {
        foreach (var (offset, value, code) in new[] { (4, (byte)2, FrameErrorCode.BadVersion), (6, (byte)1, FrameErrorCode.BadFlags) })
        {
            var bytes = FrameCodec.Encode(Key, Sample());
            bytes[offset] = value;
            VibeSync.Protocol.Crypto.Mac.Compute(Key, bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
            Assert.Equal(code, Assert.Throws<FrameException>(() => FrameCodec.Decode(Key, bytes)).Code);
        }
    }

    [Property(MaxTest = 200)]
    public bool a_stream_cut_anywhere_yields_the_same_frames(int seed, PositiveInt count)
    {
        var r = new Random(seed);
        var frames = Enumerable.Range(0, count.Get % 8 + 1)
            .Select(i => new Frame((byte)r.Next(256), (ulong)i, r.NextInt64(), Enumerable.Range(0, r.Next(0, 300)).Select(_ => (byte)r.Next(256)).ToArray()))
            .ToList();
        var stream = frames.SelectMany(f => FrameCodec.Encode(Key, f)).ToArray();
        var decoder = new FrameDecoder(Key);
        var got = new List<Frame>();
        for (int at = 0; at < stream.Length;)
        {
            int n = Math.Min(r.Next(1, 97), stream.Length - at);
            got.AddRange(decoder.Feed(stream.AsSpan(at, n)));
            at += n;
        }
        decoder.Complete();
        return got.Count == frames.Count && got.Zip(frames).All(p =>
            p.First.Type == p.Second.Type && p.First.Sequence == p.Second.Sequence && p.First.TimeMs == p.Second.TimeMs
            && p.First.Payload.Span.SequenceEqual(p.Second.Payload.Span));
    }
}
