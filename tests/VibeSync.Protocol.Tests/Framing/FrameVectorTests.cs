using System.Text;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Framing;

/// <summary>testdata/frame_vectors.json: byte-exact frames and the refusal code of each bad one.</summary>
public sealed class FrameVectorTests
{
    private const string File = "frame_vectors.json";
    public static TheoryData<string> Valid => Vectors.Names(File, "valid");
    public static TheoryData<string> Invalid => Vectors.Names(File, "invalid");

    [Theory]
    [MemberData(nameof(Valid))]
    public void a_frame_encodes_to_the_vector_bytes_and_decodes_back(string name)
    {
        var c = Vectors.Case(File, name, "valid");
        var key = Vectors.Hex(c.GetProperty("key"));
        var payload = Encoding.UTF8.GetBytes(c.GetProperty("payload").GetString()!);
        var frame = new Frame((byte)c.GetProperty("type").GetInt32(), c.GetProperty("seq").GetUInt64(), c.GetProperty("time_ms").GetInt64(), payload);
        Assert.Equal(c.GetProperty("frame").GetString(), Convert.ToHexStringLower(FrameCodec.Encode(key, frame)));
        var decoded = FrameCodec.Decode(key, Vectors.Hex(c.GetProperty("frame")));
        Assert.Equal(frame.Sequence, decoded.Sequence);
        Assert.Equal(frame.TimeMs, decoded.TimeMs);
        Assert.Equal(payload, decoded.Payload.ToArray());
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void a_bad_frame_is_refused_with_the_vector_code(string name)
    {
        var c = Vectors.Case(File, name, "invalid");
        var key = Vectors.Hex(c.GetProperty("key"));
        int max = c.GetProperty("max_frame").GetInt32();
        var bytes = Vectors.Hex(c.GetProperty("frame"));
        var e = Assert.Throws<FrameException>(() => FrameCodec.Decode(key, bytes, max));
        Assert.Equal(c.GetProperty("code").GetString(), e.WireCode);

        // The streaming decoder agrees; a truncation only shows at end of stream.
        var decoder = new FrameDecoder(key, max);
        var streamed = Assert.Throws<FrameException>(() => { decoder.Feed(bytes); decoder.Complete(); });
        Assert.Equal(c.GetProperty("code").GetString(), streamed.WireCode);
    }
}
