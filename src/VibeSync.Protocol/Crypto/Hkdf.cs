using System;

namespace VibeSync.Protocol.Crypto
{
    /// <summary>
    /// HKDF-SHA256 (RFC 5869). Written out rather than taken from the framework because
    /// netstandard2.1 (Unity) has no HKDF class and both sides must share one source.
    /// </summary>
    public static class Hkdf
    {
        /// <summary>Largest output: 255 blocks of 32 bytes.</summary>
        public const int MaxOutputLength = 255 * Mac.Size;

        /// <summary>PRK = HMAC(salt, ikm); an empty salt means 32 zero bytes.</summary>
        public static byte[] Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm)
        {
            Span<byte> zeros = stackalloc byte[Mac.Size];
            zeros.Clear();
            return Mac.Compute(salt.IsEmpty ? zeros : salt, ikm);
        }

        /// <summary>OKM = T(1) ‖ T(2) ‖ … truncated to <paramref name="length"/>, T(i) = HMAC(prk, T(i−1) ‖ info ‖ i).</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or over 8160.</exception>
        public static byte[] Expand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, int length)
        {
            if (length < 0 || length > MaxOutputLength)
                throw new ArgumentOutOfRangeException(nameof(length), length, "HKDF-SHA256 output is 0..8160 bytes");
            var okm = new byte[length];
            var block = new byte[Mac.Size + info.Length + 1];
            Span<byte> t = stackalloc byte[Mac.Size];
            int produced = 0, previous = 0;
            for (byte counter = 1; produced < length; counter++)
            {
                t.Slice(0, previous).CopyTo(block);
                info.CopyTo(block.AsSpan(previous));
                block[previous + info.Length] = counter;
                Mac.Compute(prk, block.AsSpan(0, previous + info.Length + 1), t);
                int take = Math.Min(Mac.Size, length - produced);
                t.Slice(0, take).CopyTo(okm.AsSpan(produced));
                produced += take;
                previous = Mac.Size;
            }
            return okm;
        }

        /// <summary>Extract then expand.</summary>
        public static byte[] DeriveKey(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> info, int length) =>
            Expand(Extract(salt, ikm), info, length);
    }
}
