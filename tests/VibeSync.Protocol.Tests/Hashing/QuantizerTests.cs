using FsCheck;
using FsCheck.Xunit;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Protocol.Tests.Hashing;

public sealed class QuantizerTests
{
    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(1.0, 100000)]
    [InlineData(-1.0, -100000)]
    [InlineData(0.000004, 0)]
    [InlineData(0.000006, 1)]
    [InlineData(0.000005, 0)]   // × 1e5 = 0.5 exactly: ties go to even
    [InlineData(0.000015, 2)]   // 1.5 → 2
    [InlineData(2.5e-5, 2)]     // 2.5 → 2
    [InlineData(-0.000015, -2)]
    [InlineData(1e12, 100_000_000_000_000_000)]
    public void quantizes_to_the_nearest_step_of_epsilon_ties_to_even(double value, long expected)
    {
        Assert.Equal(expected, Quantizer.Quantize(value));
    }

    [Fact]
    public void minus_zero_quantizes_like_zero()
    {
        Assert.Equal(0L, Quantizer.Quantize(-0.0));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(1.0000001e12)]
    [InlineData(-2e12)]
    public void refuses_what_cannot_be_hashed(double value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantizer.Quantize(value));
    }

    [Property(MaxTest = 500)]
    public bool negation_commutes_with_quantization(NormalFloat f)
    {
        double v = Math.Clamp(f.Get, -1e12, 1e12);
        return Quantizer.Quantize(-v) == -Quantizer.Quantize(v);
    }

    [Property(MaxTest = 500)]
    public bool q_and_minus_q_quantize_alike(NormalFloat a, NormalFloat b, NormalFloat c, NormalFloat d)
    {
        double x = Bound(a.Get), y = Bound(b.Get), z = Bound(c.Get), w = Bound(d.Get);
        Span<long> p = stackalloc long[4], n = stackalloc long[4];
        Quantizer.QuantizeRotation(x, y, z, w, p);
        Quantizer.QuantizeRotation(-x, -y, -z, -w, n);
        return p.SequenceEqual(n);
    }

    [Fact]
    public void a_w_within_epsilon_of_zero_does_not_decide_the_sign()
    {
        Span<long> p = stackalloc long[4], n = stackalloc long[4];
        Quantizer.QuantizeRotation(0.7, 0.0, 0.7, 1e-9, p);
        Quantizer.QuantizeRotation(-0.7, 0.0, -0.7, -1e-9, n); // −q
        Assert.Equal(p.ToArray(), n.ToArray());
        Assert.Equal(new long[] { 70000, 0, 70000, 0 }, p.ToArray());
    }

    private static double Bound(double v) => Math.Clamp(v, -1e6, 1e6);
}
