using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VibeSync.Orchestrator.Data;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>A logged-in console: the secret its cookie carries is never stored, only a MAC of it.</summary>
/// <param name="Csrf">The anti-forgery token every state-changing request of this session must carry.</param>
/// <param name="Expires">When it ends (a new login link is needed then).</param>
internal sealed record ConsoleSession(string Csrf, DateTimeOffset Expires);

/// <summary>
/// The console's sessions. The cookie is HttpOnly, SameSite=Strict, scoped to <c>/console</c>, and
/// named after the port, because browsers share cookies across the ports of one host and two
/// orchestrators must not overwrite each other's. They are kept in <c>DIR/console-sessions</c>
/// (0600, one line per session: HMAC-SHA256 of the cookie's secret under a key derived from the
/// control token, and the expiry), so a restart of serve does not log anyone out; nothing in the file
/// opens a session, and a new control token makes every one in it void. The anti-forgery token is
/// derived from the cookie's secret, so it is not stored either.
/// </summary>
internal sealed class ConsoleSessions
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("vibesync console session v1");
    private readonly object _gate = new();
    private readonly byte[] _key;
    private readonly string? _file;
    private readonly Dictionary<string, DateTimeOffset> _byMac = new(StringComparer.Ordinal);

    /// <param name="controlToken">The control token the sessions are bound to.</param>
    /// <param name="file">Where they are kept across restarts (null: in memory only).</param>
    public ConsoleSessions(byte[] controlToken, string? file)
    {
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, controlToken, 32, info: Label);
        _file = file;
        if (file == null || !File.Exists(file)) return;
        PrivateFiles.Tighten(file);
        var now = DateTimeOffset.UtcNow;
        foreach (var line in File.ReadAllLines(file))
        {
            // A line that does not read is skipped: the worst a damaged file does is log someone out.
            var parts = line.Split(' ');
            if (parts.Length == 2 && parts[0].Length == 64 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
                && DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())) is var expires && expires > now && expires <= now + Lifetime)
                _byMac[parts[0]] = expires;
        }
    }

    /// <summary>The session cookie's name for the console on <paramref name="port"/>.</summary>
    public static string CookieName(int port) => $"vibesync_console_{port}";

    /// <summary>Opens a session; returns the cookie's secret value.</summary>
    public string Open(DateTimeOffset now)
    {
        string secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        lock (_gate)
        {
            foreach (var old in _byMac.Where(s => s.Value <= now).Select(s => s.Key).ToList()) _byMac.Remove(old);
            _byMac[Mac(secret)] = now + Lifetime;
            if (_file != null)
                PrivateFiles.WriteText(_file, string.Concat(_byMac.Select(s => $"{s.Key} {s.Value.ToUnixTimeMilliseconds()}\n")));
        }
        return secret;
    }

    /// <summary>The live session a cookie value names, or null.</summary>
    public ConsoleSession? Find(string? secret, DateTimeOffset now)
    {
        if (secret is not { Length: 64 }) return null;
        DateTimeOffset expires;
        // Looked up by MAC: the time a lookup takes says nothing about a stored secret.
        lock (_gate) if (!_byMac.TryGetValue(Mac(secret), out expires)) return null;
        return expires > now ? new ConsoleSession(Mac("csrf|" + secret), expires) : null;
    }

    private string Mac(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(text)));
}
