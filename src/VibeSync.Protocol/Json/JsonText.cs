using System.Globalization;
using System.Text;

namespace VibeSync.Protocol.Json
{
    /// <summary>Writing JSON tokens: strings escaped per RFC 8259, reals in shortest round-trip form.</summary>
    public static class JsonText
    {
        /// <summary>Appends <paramref name="s"/> as a quoted JSON string (non-ASCII kept as is).</summary>
        public static StringBuilder AppendString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            return sb.Append('"');
        }

        /// <summary>Appends a finite double so that parsing it gives the same double back.</summary>
        public static StringBuilder AppendReal(StringBuilder sb, double v) =>
            sb.Append(v.ToString("R", CultureInfo.InvariantCulture));
    }
}
