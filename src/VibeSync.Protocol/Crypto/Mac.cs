using System;
using System.Security.Cryptography;

namespace VibeSync.Protocol.Crypto
{
    /// <summary>HMAC-SHA256 (RFC 2104) into a caller's span.</summary>
    public static class Mac
    {
        /// <summary>Size of a MAC in bytes.</summary>
        public const int Size = 32;

        /// <summary>Writes HMAC-SHA256(key, data) to <paramref name="destination"/>.</summary>
        public static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
        {
#if NET6_0_OR_GREATER
            HMACSHA256.HashData(key, data, destination);
#else
            using var hmac = new HMACSHA256(key.ToArray());
            if (!hmac.TryComputeHash(data, destination, out int written) || written != Size)
                throw new InvalidOperationException("HMAC destination too small");
#endif
        }

        /// <summary>HMAC-SHA256(key, data).</summary>
        public static byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
        {
            var mac = new byte[Size];
            Compute(key, data, mac);
            return mac;
        }

        /// <summary>True when <paramref name="mac"/> is HMAC-SHA256(key, data), compared in constant time.</summary>
        public static bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> mac)
        {
            Span<byte> expected = stackalloc byte[Size];
            Compute(key, data, expected);
            return ConstantTime.Equals(expected, mac);
        }
    }
}
