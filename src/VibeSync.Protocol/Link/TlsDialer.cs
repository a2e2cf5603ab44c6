using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using VibeSync.Protocol.Crypto;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// Opens an adapter's connection to an orchestrator across the LAN: TCP, then TLS 1.3 only, the
    /// server's certificate accepted only when the SHA-256 of its DER equals a fingerprint from the
    /// engine's key file (compared in constant time). No certificate authority is consulted: the
    /// key file is the trust anchor, as it already is for the HMAC session inside (docs/protocol.md §11.11).
    /// </summary>
    public static class TlsDialer
    {
        /// <summary>The code of a certificate that is not the pinned one.</summary>
        public const string PinMismatch = "TLS_PIN_MISMATCH";

        /// <summary><c>SslProtocols.Tls13</c>, which netstandard2.1's reference (Unity's) does not name; the value is the same everywhere.</summary>
        public const SslProtocols Tls13 = (SslProtocols)12288;

        /// <summary>SHA-256 of a certificate's DER encoding: what a key file's <c>tls-sha256</c> line holds.</summary>
        public static byte[] Fingerprint(X509Certificate certificate)
        {
            using var sha = SHA256.Create();
            return sha.ComputeHash(certificate.GetRawCertData());
        }

        /// <summary>True when <paramref name="certificate"/>'s fingerprint is one of <paramref name="pins"/> (each compared in constant time).</summary>
        public static bool Matches(X509Certificate? certificate, IReadOnlyList<byte[]> pins)
        {
            if (certificate == null) return false;
            var actual = Fingerprint(certificate);
            bool match = false;
            foreach (var pin in pins) match |= ConstantTime.Equals(actual, pin);
            return match;
        }

        /// <summary>How long a TCP connect to one endpoint may take before the next endpoint is tried.</summary>
        public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

        /// <summary>Connects to <paramref name="endpoint"/> and completes a TLS 1.3 handshake with a pinned certificate.</summary>
        /// <exception cref="LinkRefusedException"><c>TLS_PIN_MISMATCH</c>: the server's certificate is not the one the key file names.</exception>
        /// <exception cref="IOException">The connection or the TLS handshake failed (e.g. the server does not speak TLS 1.3).</exception>
        public static async Task<(TcpClient Tcp, Stream Stream)> ConnectAsync(LinkEndpoint endpoint, IReadOnlyList<byte[]> pins, CancellationToken cancel,
            SslProtocols protocols = Tls13)
        {
            var tcp = new TcpClient { NoDelay = true };
            try
            {
                // Bounded like the Python twin's 10 s: a dead machine among a cluster's endpoints must not hold
                // the next endpoint back for the operating system's SYN timeout (minutes on Linux).
                var connect = tcp.ConnectAsync(endpoint.Host, endpoint.Port);
                if (await Task.WhenAny(connect, Task.Delay(ConnectTimeout, cancel)).ConfigureAwait(false) != connect)
                {
                    _ = connect.ContinueWith(t => t.Exception, TaskScheduler.Default); // fails once the socket is closed below
                    cancel.ThrowIfCancellationRequested();
                    throw new IOException($"no answer from {endpoint} within {ConnectTimeout.TotalSeconds:F0} s");
                }
                await connect.ConfigureAwait(false);
                string? seen = null;
                var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (sender, certificate, chain, errors) =>
                {
                    // Name and chain errors are expected (self-signed, any address): the pin alone decides.
                    if (Matches(certificate, pins)) return true;
                    seen = certificate == null ? "none" : Hex.Encode(Fingerprint(certificate));
                    return false;
                });
                try
                {
                    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = endpoint.Host,
                        EnabledSslProtocols = protocols,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    }, cancel).ConfigureAwait(false);
                }
                catch (AuthenticationException e)
                {
                    ssl.Dispose();
                    if (seen != null)
                        throw new LinkRefusedException(PinMismatch, $"the orchestrator at {endpoint} presented a certificate with SHA-256 {seen}, not the one the key file pins: " +
                            "refusing to connect (a different orchestrator, or someone in between; take the key file from the orchestrator's data directory again)");
                    throw new IOException($"TLS 1.3 handshake with {endpoint} failed: {e.Message}", e);
                }
                return (tcp, ssl);
            }
            catch
            {
                tcp.Dispose();
                throw;
            }
        }
    }
}
