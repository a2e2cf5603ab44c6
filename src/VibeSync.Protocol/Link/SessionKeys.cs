using System;
using System.Globalization;
using System.Text;
using VibeSync.Protocol.Crypto;

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// A session's two frame keys, one per direction, derived on both sides from the bootstrap key
    /// and both handshake nonces; no key ever crosses the wire (docs/protocol.md §11.2):
    /// <code>
    /// salt = client_nonce (32 bytes) ‖ server_nonce (32 bytes)
    /// info = "vibesync/1 " + engine + " " + session_id + " epoch " + epoch + " " + ("c2s" | "s2c")
    /// key  = HKDF-SHA256(salt, ikm = bootstrap key, info, 32 bytes)
    /// </code>
    /// The engine and session id in <c>info</c> keep sessions apart: a frame MAC'd for one engine's
    /// session never verifies on another's. Separate directions stop a frame being reflected back.
    /// </summary>
    public sealed class SessionKeys
    {
        /// <summary>Bytes in a nonce.</summary>
        public const int NonceSize = 32;

        private SessionKeys(int epoch, byte[] clientToServer, byte[] serverToClient)
        {
            Epoch = epoch;
            ClientToServer = clientToServer;
            ServerToClient = serverToClient;
        }

        /// <summary>Which re-derivation these keys are (0 right after the handshake).</summary>
        public int Epoch { get; }

        /// <summary>The key the adapter MACs its frames with.</summary>
        public byte[] ClientToServer { get; }

        /// <summary>The key the orchestrator MACs its frames with.</summary>
        public byte[] ServerToClient { get; }

        /// <summary>Derives the keys of <paramref name="epoch"/>.</summary>
        /// <exception cref="ArgumentException">A nonce that is not 32 bytes.</exception>
        public static SessionKeys Derive(ReadOnlySpan<byte> bootstrapKey, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> serverNonce,
            string engine, string sessionId, int epoch)
        {
            if (clientNonce.Length != NonceSize || serverNonce.Length != NonceSize)
                throw new ArgumentException($"nonces are {NonceSize} bytes");
            var salt = new byte[2 * NonceSize];
            clientNonce.CopyTo(salt);
            serverNonce.CopyTo(salt.AsSpan(NonceSize));
            var prk = Hkdf.Extract(salt, bootstrapKey);
            return new SessionKeys(epoch, Expand(prk, engine, sessionId, epoch, "c2s"), Expand(prk, engine, sessionId, epoch, "s2c"));
        }

        /// <summary>The label of one key, as HKDF's info.</summary>
        public static string Info(string engine, string sessionId, int epoch, string direction) =>
            "vibesync/1 " + engine + " " + sessionId + " epoch " + epoch.ToString(CultureInfo.InvariantCulture) + " " + direction;

        private static byte[] Expand(byte[] prk, string engine, string sessionId, int epoch, string direction) =>
            Hkdf.Expand(prk, Encoding.UTF8.GetBytes(Info(engine, sessionId, epoch, direction)), 32);
    }
}
