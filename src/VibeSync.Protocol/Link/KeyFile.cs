using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Protocol.Link
{
    /// <summary>Where an orchestrator takes adapters over TLS: a host and a port from an <c>endpoint HOST:PORT</c> line.</summary>
    public sealed class LinkEndpoint
    {
        /// <summary>Creates an endpoint.</summary>
        public LinkEndpoint(string host, int port) { Host = host; Port = port; }

        /// <summary>A host name or an IP address (IPv6 without brackets).</summary>
        public string Host { get; }

        /// <summary>The TCP port.</summary>
        public int Port { get; }

        /// <summary>As a key file writes it: <c>HOST:PORT</c>, an IPv6 address in brackets.</summary>
        public override string ToString() => (Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

        /// <summary>Reads <c>HOST:PORT</c> (<c>[V6]:PORT</c>); null when it is not one.</summary>
        public static LinkEndpoint? TryParse(string text)
        {
            int colon = text.LastIndexOf(':');
            if (colon <= 0 || colon == text.Length - 1) return null;
            string host = text.Substring(0, colon);
            if (host.StartsWith("[", StringComparison.Ordinal) && host.EndsWith("]", StringComparison.Ordinal)) host = host.Substring(1, host.Length - 2);
            else if (host.IndexOf(':') >= 0) return null; // an IPv6 address must be bracketed
            if (host.Length == 0 || host.Length > 253) return null;
            foreach (char c in host)
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '_')) return null;
            var portText = text.Substring(colon + 1);
            foreach (char c in portText) if (c < '0' || c > '9') return null;
            if (portText.Length > 5 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < 1 || port > 65535) return null;
            return new LinkEndpoint(host, port);
        }
    }

    /// <summary>
    /// An engine's key file (<c>DIR/keys/&lt;kind&gt;[.&lt;name&gt;].key</c>, docs/protocol.md §11.2):
    /// line 1 is the bootstrap key as 64 lowercase hex digits (a file of that one line is a whole key
    /// file); further lines are <c>name value</c> pairs, unknown names ignored: <c>tls-sha256 HEX</c>,
    /// the SHA-256 of the orchestrator's TLS certificate (DER), and <c>endpoint HOST:PORT</c>, zero or
    /// more, in order of preference. Every reader of a key file (orchestrator, CLI, Unity package)
    /// reads it here; the Python add-on has the twin <c>link/keyfile.py</c>.
    /// </summary>
    public sealed class KeyFile
    {
        /// <summary>The extra line naming the certificate's fingerprint.</summary>
        public const string TlsSha256Name = "tls-sha256";

        /// <summary>The extra line naming an endpoint.</summary>
        public const string EndpointName = "endpoint";

        private KeyFile(byte[] key, IReadOnlyList<byte[]> pins, IReadOnlyList<LinkEndpoint> endpoints, IReadOnlyList<string> otherLines)
        {
            Key = key;
            Pins = pins;
            Endpoints = endpoints;
            OtherLines = otherLines;
        }

        /// <summary>The 32-byte bootstrap key (line 1).</summary>
        public byte[] Key { get; }

        /// <summary>SHA-256 fingerprints of the certificates the adapter accepts (every <c>tls-sha256</c> line; serve writes one).</summary>
        public IReadOnlyList<byte[]> Pins { get; }

        /// <summary>Where to reach the orchestrator over TLS, in order; empty: loopback as DIR/serve.json says.</summary>
        public IReadOnlyList<LinkEndpoint> Endpoints { get; }

        /// <summary>Lines with names this version does not know, kept as they were by a rewrite.</summary>
        public IReadOnlyList<string> OtherLines { get; }

        /// <summary>Reads a key file's text.</summary>
        /// <exception cref="InvalidDataException">Line 1 is not 64 lowercase hex digits, a known line is ill-formed, or endpoints come without a fingerprint to pin.</exception>
        public static KeyFile Parse(string text, string path = "key file")
        {
            var lines = text.Replace("\r\n", "\n").Split('\n');
            string first = lines[0].Trim();
            if (!IsHex64(first)) throw new InvalidDataException($"{path} is not a key (line 1: expected 64 lowercase hex digits)");
            var pins = new List<byte[]>();
            var endpoints = new List<LinkEndpoint>();
            var other = new List<string>();
            for (int i = 1; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.Length == 0) continue;
                int space = line.IndexOf(' ');
                string name = space < 0 ? line : line.Substring(0, space), value = space < 0 ? "" : line.Substring(space + 1).Trim();
                if (name == TlsSha256Name)
                {
                    if (!IsHex64(value)) throw new InvalidDataException($"{path} line {i + 1}: tls-sha256 must be 64 lowercase hex digits");
                    pins.Add(Hex.Decode(value));
                }
                else if (name == EndpointName)
                    endpoints.Add(LinkEndpoint.TryParse(value) ?? throw new InvalidDataException($"{path} line {i + 1}: endpoint must be HOST:PORT, not '{value}'"));
                else other.Add(line);
            }
            if (endpoints.Count > 0 && pins.Count == 0)
                throw new InvalidDataException($"{path} names endpoints but no tls-sha256 line: the orchestrator's certificate cannot be pinned, so nothing is sent there");
            return new KeyFile(Hex.Decode(first), pins, endpoints, other);
        }

        /// <summary>Reads the key file at <paramref name="path"/>.</summary>
        public static KeyFile Read(string path) => Parse(File.ReadAllText(path, Encoding.ASCII), path);

        /// <summary>
        /// The file's text with <paramref name="fingerprint"/> and <paramref name="endpoints"/> as its
        /// only TLS lines (none when <paramref name="fingerprint"/> is null), line 1 and unknown lines kept.
        /// </summary>
        public string With(byte[]? fingerprint, IReadOnlyList<LinkEndpoint> endpoints)
        {
            var text = new StringBuilder(Hex.Encode(Key)).Append('\n');
            foreach (var line in OtherLines) text.Append(line).Append('\n');
            if (fingerprint != null)
            {
                text.Append(TlsSha256Name).Append(' ').Append(Hex.Encode(fingerprint)).Append('\n');
                foreach (var e in endpoints) text.Append(EndpointName).Append(' ').Append(e).Append('\n');
            }
            return text.ToString();
        }

        private static bool IsHex64(string s)
        {
            if (s.Length != 64) return false;
            foreach (char c in s) if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
            return true;
        }
    }
}
