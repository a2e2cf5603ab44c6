using System;

namespace VibeSync.Protocol.Hashing
{
    /// <summary>Lowercase hexadecimal, the one spelling of hashes in every JSON output.</summary>
    public static class Hex
    {
        private const string Digits = "0123456789abcdef";

        /// <summary>Lowercase hex of <paramref name="bytes"/>.</summary>
        public static string Encode(ReadOnlySpan<byte> bytes)
        {
            var chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Digits[bytes[i] >> 4];
                chars[2 * i + 1] = Digits[bytes[i] & 0xF];
            }
            return new string(chars);
        }

        /// <summary>Parses hex (either case).</summary>
        /// <exception cref="FormatException">Odd length or a non-hex character.</exception>
        public static byte[] Decode(string hex)
        {
            if (hex.Length % 2 != 0) throw new FormatException("hex string has odd length");
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
                bytes[i] = (byte)(Nibble(hex[2 * i]) << 4 | Nibble(hex[2 * i + 1]));
            return bytes;
        }

        /// <summary>Parses hex of exactly <c>2 × destination.Length</c> digits into <paramref name="destination"/>, allocating nothing.</summary>
        /// <exception cref="FormatException">A wrong length or a non-hex character.</exception>
        public static void DecodeInto(string hex, Span<byte> destination)
        {
            if (hex.Length != destination.Length * 2) throw new FormatException($"expected {destination.Length * 2} hex digits, got {hex.Length}");
            for (int i = 0; i < destination.Length; i++)
                destination[i] = (byte)(Nibble(hex[2 * i]) << 4 | Nibble(hex[2 * i + 1]));
        }

        private static int Nibble(char c) =>
            c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : throw new FormatException($"'{c}' is not a hex digit");
    }
}
