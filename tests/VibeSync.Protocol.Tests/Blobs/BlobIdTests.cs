using System.Text.Json;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Protocol.Tests.Blobs;

/// <summary>Blob names (docs/protocol.md §12), pinned by testdata/blob_vectors.json that the Python twin passes too.</summary>
public sealed class BlobIdTests
{
    private static readonly JsonElement Vectors = Support.Vectors.Load("blob_vectors.json");

    private static BlobShape ShapeOf(JsonElement c) =>
        new((BlobElement)c.GetProperty("element").GetInt32(), c.GetProperty("components").GetInt32(), c.GetProperty("count").GetInt64());

    [Fact]
    public void every_vector_blob_has_the_name_the_vectors_give()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("cases").EnumerateArray())
        {
            Assert.Equal(c.GetProperty("id").GetString(), BlobId.Of(ShapeOf(c), Hex.Decode(c.GetProperty("payload").GetString()!)));
            n++;
        }
        Assert.True(n >= 10);
    }

    [Fact]
    public void every_vector_refusal_names_the_same_field()
    {
        foreach (var c in Vectors.GetProperty("errors").EnumerateArray())
        {
            var e = Assert.Throws<BlobFormatException>(() => BlobId.Of(ShapeOf(c), Hex.Decode(c.GetProperty("payload").GetString()!)));
            Assert.Equal(c.GetProperty("error_field").GetString(), e.Field);
        }
    }

    [Fact]
    public void a_float_array_is_named_by_its_quantized_values_so_float32_noise_below_epsilon_shares_a_name()
    {
        var a = new float[] { 1f, 2f, 3f, 0.5f, 0.25f, 0.125f };
        var b = a.Select(v => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) + 1)).ToArray(); // one ulp off
        Assert.Equal(BlobId.OfFloats(a, 3), BlobId.OfFloats(b, 3));
        Assert.NotEqual(BlobId.OfFloats(a, 3), BlobId.OfFloats(a, 2)); // the same floats as pairs are another blob
        b[4] += 0.001f;
        Assert.NotEqual(BlobId.OfFloats(a, 3), BlobId.OfFloats(b, 3));
    }

    [Fact]
    public void integers_and_bytes_are_named_by_their_bytes()
    {
        Assert.NotEqual(BlobId.OfIndices(new uint[] { 0, 1, 2 }), BlobId.OfIndices(new uint[] { 0, 2, 1 }));
        Assert.NotEqual(BlobId.OfBytes(new byte[] { 1, 2, 3, 4 }), BlobId.OfIndices(new uint[] { 0x04030201 })); // the header tells them apart
        Assert.True(BlobId.IsValid(BlobId.OfBytes(Array.Empty<byte>())));
    }
}
