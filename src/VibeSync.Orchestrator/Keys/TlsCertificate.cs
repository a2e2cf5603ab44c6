using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using VibeSync.Link.Transport;

namespace VibeSync.Orchestrator.Keys;

/// <summary>
/// serve's TLS certificate for adapters across the LAN (<c>serve --listen</c>): self-signed, ECDSA
/// P-256, made on first use and kept in <c>DIR/keys/tls.pfx</c> (0600, no password: the file's mode
/// and owner guard it as they guard the engine keys beside it), reused afterwards so the
/// fingerprint key files pin stays the same (to rotate it: stop serve, delete the file, start serve;
/// the key files get the new fingerprint and must be copied to the adapters' machines again).
/// Adapters trust it by that fingerprint, never by a certificate authority, so its names are informative only.
/// </summary>
public static class TlsCertificate
{
    /// <summary>The certificate's file in a data directory.</summary>
    public static string PathIn(string dataDir) => Path.Combine(dataDir, "keys", "tls.pfx");

    /// <summary>What <c>serve --listen</c> needs: the certificate (made if missing) and the address.</summary>
    /// <exception cref="InvalidDataException">The file is not ours (owner, link, mode) or not a certificate with its key.</exception>
    public static TlsListen Listen(string dataDir, IPEndPoint address) => new(address, LoadOrCreate(dataDir, address.Address));

    /// <summary>Reads <c>DIR/keys/tls.pfx</c>, making it first when it is absent.</summary>
    public static X509Certificate2 LoadOrCreate(string dataDir, IPAddress address)
    {
        var path = PathIn(dataDir);
        var dir = Path.GetDirectoryName(path)!;
        SecretFiles.CheckOwnedByUs(dir, directory: true);
        Data.PrivateFiles.EnsureDirectory(dir);
        if (SecretFiles.CheckOwnedByUs(path, directory: false) == Data.Posix.Kind.Missing)
            Data.PrivateFiles.WriteAtomic(path, s => s.Write(Create(address)));
        SecretFiles.CheckPrivate(path);
        X509Certificate2 certificate;
        try { certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password: null); }
        catch (CryptographicException e) { throw new InvalidDataException($"{path} is not a PKCS#12 certificate without a password ({e.Message}); delete it to have a new one made at the next start", e); }
        if (!certificate.HasPrivateKey) throw new InvalidDataException($"{path} holds no private key; delete it to have a new one made at the next start");
        return certificate;
    }

    /// <summary>A new self-signed certificate naming this host (and <paramref name="address"/> unless it is a wildcard), as PKCS#12 bytes.</summary>
    private static byte[] Create(IPAddress address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string host = Dns.GetHostName();
        var request = new CertificateRequest(new X500DistinguishedName("CN=vibesync serve on " + host.Replace(",", " ")), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        if (!address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any)) names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false)); // server authentication
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return certificate.Export(X509ContentType.Pfx);
    }
}
