using System;
using System.Security.Cryptography;

namespace VibeSync.Protocol.Crypto
{
    /// <summary>One-shot SHA-256 into a caller's span, allocation-free on both targets.</summary>
    internal static class Sha256
    {
        public const int Size = 32;

#if !NET5_0_OR_GREATER
        [ThreadStatic] private static SHA256? _perThread;
#endif

        public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
        {
#if NET5_0_OR_GREATER
            SHA256.HashData(data, destination);
#else
            var sha = _perThread ??= SHA256.Create();
            if (!sha.TryComputeHash(data, destination, out int written) || written != Size)
                throw new InvalidOperationException("SHA-256 destination too small");
#endif
        }

        public static byte[] Hash(ReadOnlySpan<byte> data)
        {
            var result = new byte[Size];
            Hash(data, result);
            return result;
        }
    }
}
