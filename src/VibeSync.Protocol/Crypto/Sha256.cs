// Design rationale: state hashing is SHA-256 over many small inputs (a 65-byte Merkle node, a
// ~200-byte record), where the framework's one-shot API spends most of its time on per-call
// setup (~0.6 µs against ~0.1 µs of hashing on this hardware). On Linux the orchestrator
// therefore calls OpenSSL's low-level SHA256_Init/Update/Final directly — the same
// hardware-accelerated code, without the provider lookup — after a known-answer self-test at
// first use; anything unexpected falls back to the framework. Unity (netstandard2.1) always uses
// the framework path.
using System;
using System.Security.Cryptography;
#if NET5_0_OR_GREATER
using System.Runtime.InteropServices;
#endif

namespace VibeSync.Protocol.Crypto
{
    /// <summary>One-shot SHA-256 into a caller's span, allocation-free; hardware-accelerated through OpenSSL on Linux.</summary>
    public static class Sha256
    {
        /// <summary>Digest size in bytes.</summary>
        public const int Size = 32;

#if NET5_0_OR_GREATER
        private static readonly bool UseNative = NativeSha256.TrySelfTest();
#else
        [ThreadStatic] private static SHA256? _perThread;
#endif

        /// <summary>True when the native fast path is in use (reported by benchmarks).</summary>
        public static bool IsNative =>
#if NET5_0_OR_GREATER
            UseNative;
#else
            false;
#endif

        /// <summary>Writes SHA-256(<paramref name="data"/>) to <paramref name="destination"/>.</summary>
        public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            if (destination.Length < Size) throw new ArgumentException("SHA-256 destination too small", nameof(destination));
#if NET5_0_OR_GREATER
            if (UseNative) { NativeSha256.Hash(data, destination); return; }
            SHA256.HashData(data, destination);
#else
            var sha = _perThread ??= SHA256.Create();
            if (!sha.TryComputeHash(data, destination, out int written) || written != Size)
                throw new InvalidOperationException("SHA-256 failed");
#endif
        }

        /// <summary>SHA-256(<paramref name="data"/>).</summary>
        public static byte[] Hash(ReadOnlySpan<byte> data)
        {
            var result = new byte[Size];
            Hash(data, result);
            return result;
        }

#if NET5_0_OR_GREATER
        private static unsafe class NativeSha256
        {
            private const string Library = "libcrypto.so.3";
            private const int ContextSize = 128; // sizeof(SHA256_CTX) is 112

            [DllImport(Library, EntryPoint = "SHA256_Init")] private static extern int Init(byte* context);
            [DllImport(Library, EntryPoint = "SHA256_Update")] private static extern int Update(byte* context, byte* data, nuint length);
            [DllImport(Library, EntryPoint = "SHA256_Final")] private static extern int Final(byte* digest, byte* context);

            /// <summary>Writes SHA-256(<paramref name="data"/>) to <paramref name="destination"/>.</summary>
        public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
            {
                byte* context = stackalloc byte[ContextSize];
                fixed (byte* input = data)
                fixed (byte* output = destination)
                {
                    if (Init(context) != 1 || Update(context, input, (nuint)data.Length) != 1 || Final(output, context) != 1)
                        throw new CryptographicException("OpenSSL SHA-256 failed");
                }
            }

            public static bool TrySelfTest()
            {
                if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("VIBESYNC_PORTABLE_SHA256") == "1") return false;
                try
                {
                    Span<byte> native = stackalloc byte[Size];
                    Span<byte> framework = stackalloc byte[Size];
                    var probe = new byte[200];
                    for (int i = 0; i < probe.Length; i++) probe[i] = (byte)(i * 7 + 3);
                    foreach (int length in new[] { 0, 3, 55, 56, 64, 65, 200 })
                    {
                        Hash(probe.AsSpan(0, length), native);
                        SHA256.HashData(probe.AsSpan(0, length), framework);
                        if (!native.SequenceEqual(framework)) return false;
                    }
                    return true;
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is CryptographicException)
                {
                    return false;
                }
            }
        }
#endif
    }
}
