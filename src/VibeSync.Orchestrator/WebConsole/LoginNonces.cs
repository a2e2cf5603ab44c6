using System.Security.Cryptography;
using System.Text;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// One-time login links for the console. <c>vibesync console</c> holds the control token and signs
/// a nonce with a key derived from it (HKDF-SHA256, its own label, so the token itself never
/// travels in a URL); serve checks the signature in constant time, refuses it once expired (60 s)
/// or seen before, and only then opens a session. Whoever cannot read <c>keys/control.token</c>
/// (an AI holding <c>keys/ai.token</c>) cannot make one.
/// </summary>
public sealed class LoginNonces
{
    /// <summary>How long a login link works.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private static readonly byte[] Label = Encoding.ASCII.GetBytes("vibesync console login v1");
    private readonly byte[] _key;
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _used = new(StringComparer.Ordinal); // nonce id → its expiry (ms): replays refused until then

    /// <summary>For the orchestrator whose control token is <paramref name="controlToken"/>.</summary>
    public LoginNonces(byte[] controlToken) => _key = KeyOf(controlToken);

    /// <summary>A fresh nonce for a login link, valid for <see cref="Lifetime"/> from <paramref name="now"/>.</summary>
    public static string Issue(byte[] controlToken, DateTimeOffset now)
    {
        long expires = (now + Lifetime).ToUnixTimeMilliseconds();
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        return $"{expires}.{id}.{Convert.ToHexStringLower(Mac(KeyOf(controlToken), expires, id))}";
    }

    /// <summary>Spends <paramref name="nonce"/>: null when it is genuine, unexpired and unused (it is used from now on), else why not.</summary>
    public string? Redeem(string? nonce, DateTimeOffset now)
    {
        var parts = (nonce ?? "").Split('.');
        if (parts.Length != 3 || !long.TryParse(parts[0], out long expires) || parts[1].Length != 32 || parts[2].Length != 64)
            return "this is not a login link vibesync console printed";
        byte[] given;
        try { given = Convert.FromHexString(parts[2]); }
        catch (FormatException) { return "this is not a login link vibesync console printed"; }
        if (!CryptographicOperations.FixedTimeEquals(given, Mac(_key, expires, parts[1])))
            return "this login link was not made with this orchestrator's control token";
        long nowMs = now.ToUnixTimeMilliseconds();
        // A link signed to live longer than a login link does was not made by vibesync console (clock skew allowed: 5 s).
        if (expires <= nowMs || expires - nowMs > Lifetime.TotalMilliseconds + 5_000) return "this login link has expired (it works for 60 seconds)";
        lock (_gate)
        {
            foreach (var old in _used.Where(u => u.Value <= nowMs).Select(u => u.Key).ToList()) _used.Remove(old);
            if (!_used.TryAdd(parts[1], expires)) return "this login link was used already (each works once)";
        }
        return null;
    }

    private static byte[] KeyOf(byte[] controlToken) => HKDF.DeriveKey(HashAlgorithmName.SHA256, controlToken, 32, salt: null, info: Label);

    private static byte[] Mac(byte[] key, long expires, string id) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"login|{expires}|{id}"));
}
