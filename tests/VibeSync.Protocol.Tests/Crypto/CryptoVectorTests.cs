using VibeSync.Protocol.Crypto;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Crypto;

/// <summary>testdata/crypto_vectors.json: RFC 5869 cases 1–3, RFC 4231 cases, constant-time equality.</summary>
public sealed class CryptoVectorTests
{
    private const string File = "crypto_vectors.json";
    public static TheoryData<string> Hkdf => Vectors.Names(File, "hkdf");
    public static TheoryData<string> Hmac => Vectors.Names(File, "hmac");

    [Theory]
    [MemberData(nameof(Hkdf))]
    public void hkdf_matches_rfc_5869(string name)
    {
        var c = Vectors.Case(File, name, "hkdf");
        var prk = VibeSync.Protocol.Crypto.Hkdf.Extract(Vectors.Hex(c.GetProperty("salt")), Vectors.Hex(c.GetProperty("ikm")));
        Assert.Equal(c.GetProperty("prk").GetString(), Convert.ToHexStringLower(prk));
        var okm = VibeSync.Protocol.Crypto.Hkdf.Expand(prk, Vectors.Hex(c.GetProperty("info")), c.GetProperty("length").GetInt32());
        Assert.Equal(c.GetProperty("okm").GetString(), Convert.ToHexStringLower(okm));
    }

    [Theory]
    [MemberData(nameof(Hmac))]
    public void hmac_matches_rfc_4231(string name)
    {
        var c = Vectors.Case(File, name, "hmac");
        var mac = Mac.Compute(Vectors.Hex(c.GetProperty("key")), Vectors.Hex(c.GetProperty("data")));
        Assert.Equal(c.GetProperty("mac").GetString(), Convert.ToHexStringLower(mac));
        Assert.True(Mac.Verify(Vectors.Hex(c.GetProperty("key")), Vectors.Hex(c.GetProperty("data")), mac));
    }

    [Fact]
    public void constant_time_equality_agrees_with_the_vectors()
    {
        foreach (var c in Vectors.Load(File).GetProperty("constant_time_equals").EnumerateArray())
            Assert.Equal(c.GetProperty("equal").GetBoolean(), ConstantTime.Equals(Vectors.Hex(c.GetProperty("a")), Vectors.Hex(c.GetProperty("b"))));
    }

    [Fact]
    public void hkdf_refuses_more_than_255_blocks()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VibeSync.Protocol.Crypto.Hkdf.Expand(new byte[32], Array.Empty<byte>(), 255 * 32 + 1));
        Assert.Equal(255 * 32, VibeSync.Protocol.Crypto.Hkdf.Expand(new byte[32], Array.Empty<byte>(), 255 * 32).Length);
    }
}
