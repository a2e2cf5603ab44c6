using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using VibeSync.Protocol.Link;

namespace VibeSync.Link.Transport;

/// <summary>
/// Where the link also takes adapters across the LAN (<c>serve --listen ADDR:PORT</c>), and the
/// certificate it presents there. TLS 1.3 only; the HMAC session runs unchanged inside it
/// (docs/protocol.md §11.11). Loopback without TLS stays open beside it.
/// </summary>
/// <param name="Address">The address and port to bind (port 0: a free one).</param>
/// <param name="Certificate">The server certificate, with its private key.</param>
public sealed record TlsListen(IPEndPoint Address, X509Certificate2 Certificate)
{
    /// <summary>SHA-256 of the certificate's DER: what engine key files pin (<c>tls-sha256</c>).</summary>
    public byte[] Fingerprint { get; } = TlsDialer.Fingerprint(Certificate);

    /// <summary>Reads <c>ADDR:PORT</c> (<c>[V6]:PORT</c>); ADDR is an IP address (0.0.0.0: every interface).</summary>
    /// <exception cref="FormatException">Not an address and a port 0–65535.</exception>
    public static IPEndPoint ParseAddress(string text)
    {
        bool v6 = text.StartsWith('[');
        if (!IPEndPoint.TryParse(text, out var endpoint) || (v6 ? !text.Contains("]:") : text.Count(c => c == ':') != 1) || (endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) != v6)
            throw new FormatException($"--listen takes ADDR:PORT with ADDR an IP address (0.0.0.0 for every interface, [::] for IPv6) and PORT 0–65535, not '{text}'");
        return endpoint;
    }

    /// <summary>
    /// Server side of the TLS handshake on an accepted connection, TLS 1.3 only (a client offering
    /// only older versions fails here), bounded by <paramref name="timeout"/>: a handshake that
    /// never completes cannot hold a stranger's slot.
    /// </summary>
    /// <exception cref="TimeoutException">Not completed within <paramref name="timeout"/>.</exception>
    /// <exception cref="AuthenticationException">Not TLS, or not TLS 1.3.</exception>
    internal async Task<SslStream> AcceptAsync(Stream inner, TimeSpan timeout, CancellationToken cancel)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = Certificate,
                EnabledSslProtocols = SslProtocols.Tls13,
                ClientCertificateRequired = false, // the engine's key authenticates the adapter, inside (HELLO)
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, deadline.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"no TLS handshake within {timeout.TotalSeconds:F1} s");
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
