using System;
using System.Runtime.CompilerServices;

namespace VibeSync.Protocol.Crypto
{
    /// <summary>Comparison whose time does not depend on where two byte strings differ.</summary>
    public static class ConstantTime
    {
        /// <summary>
        /// True when the spans are equal. Lengths are public (a MAC has a fixed size); the contents
        /// are compared without an early exit.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.NoOptimization)]
        public static bool Equals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
        {
            if (a.Length != b.Length) return false;
            int accumulator = 0;
            for (int i = 0; i < a.Length; i++) accumulator |= a[i] ^ b[i];
            return accumulator == 0;
        }
    }
}
