using System;

namespace VibeSync.Protocol.Hashing
{
    /// <summary>
    /// Turns canonical reals into the integers the state hash is taken over
    /// (docs/protocol.md §3): <c>round_half_to_even(v × 100000.0)</c>.
    /// </summary>
    public static class Quantizer
    {
        /// <summary>The hashing and comparison tolerance ε, in canonical units.</summary>
        public const double Epsilon = 1e-5;

        /// <summary>1 / ε. The multiplication by this exact double, not a division by ε, is normative.</summary>
        public const double Scale = 100000.0;

        /// <summary>Largest magnitude a canonical real may have; keeps q(v) far inside an int64.</summary>
        public const double MaxMagnitude = 1e12;

        /// <summary>True when <paramref name="v"/> can be hashed.</summary>
        public static bool IsHashable(double v) => !double.IsNaN(v) && Math.Abs(v) <= MaxMagnitude;

        /// <summary>Quantizes one canonical real. −0.0 quantizes to 0.</summary>
        /// <exception cref="ArgumentOutOfRangeException">NaN, infinite, or beyond <see cref="MaxMagnitude"/>.</exception>
        public static long Quantize(double v)
        {
            if (!IsHashable(v))
                throw new ArgumentOutOfRangeException(nameof(v), v, "not a finite real within ±1e12");
            return (long)Math.Round(v * Scale, MidpointRounding.ToEven);
        }

        /// <summary>
        /// Quantizes a quaternion (x, y, z, w) into <paramref name="q"/> and canonicalizes its sign on
        /// the integers: w &gt; 0, or w = 0 and the first non-zero of x, y, z positive. Working on the
        /// integers makes q and −q hash alike even when w is within ε of zero.
        /// </summary>
        public static void QuantizeRotation(double x, double y, double z, double w, Span<long> q)
        {
            q[0] = Quantize(x); q[1] = Quantize(y); q[2] = Quantize(z); q[3] = Quantize(w);
            long lead = q[3] != 0 ? q[3] : q[0] != 0 ? q[0] : q[1] != 0 ? q[1] : q[2];
            if (lead < 0)
                for (int i = 0; i < 4; i++) q[i] = -q[i];
        }
    }
}
