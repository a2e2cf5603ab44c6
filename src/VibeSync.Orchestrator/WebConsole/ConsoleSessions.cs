using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>A logged-in console: the secret its cookie carries is never stored, only its hash.</summary>
/// <param name="Csrf">The anti-forgery token every state-changing request of this session must carry.</param>
/// <param name="Expires">When it ends (a new login link is needed then).</param>
internal sealed record ConsoleSession(string Csrf, DateTimeOffset Expires);

/// <summary>
/// The console's sessions, in memory (a restarted serve logs everyone out). The cookie is HttpOnly,
/// SameSite=Strict, scoped to <c>/console</c>, and named after the port, because browsers share
/// cookies across the ports of one host and two orchestrators must not overwrite each other's.
/// </summary>
internal sealed class ConsoleSessions
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private readonly ConcurrentDictionary<string, ConsoleSession> _byHash = new(StringComparer.Ordinal);

    /// <summary>The session cookie's name for the console on <paramref name="port"/>.</summary>
    public static string CookieName(int port) => $"vibesync_console_{port}";

    /// <summary>Opens a session; returns the cookie's secret value.</summary>
    public string Open(DateTimeOffset now)
    {
        string secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        foreach (var old in _byHash.Where(s => s.Value.Expires <= now).Select(s => s.Key).ToList()) _byHash.TryRemove(old, out _);
        _byHash[HashOf(secret)] = new ConsoleSession(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), now + Lifetime);
        return secret;
    }

    /// <summary>The live session a cookie value names, or null.</summary>
    public ConsoleSession? Find(string? secret, DateTimeOffset now) =>
        // Looked up by hash: the time a lookup takes says nothing about a stored secret.
        secret is { Length: 64 } && _byHash.TryGetValue(HashOf(secret), out var s) && s.Expires > now ? s : null;

    private static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(secret)));
}
