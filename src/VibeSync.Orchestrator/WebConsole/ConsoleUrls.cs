namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// The console's addresses, fixed for everything that links to it (<c>vibesync console</c>, the
/// editors' panels): it lives under <c>/console/</c> on serve's loopback control port, and an
/// intent's page is <c>/console/intents/{id}</c>.
/// </summary>
public static class ConsoleUrls
{
    /// <summary>Where the console lives.</summary>
    public const string Root = "/console";

    /// <summary>The login route: the one console URL reachable without a session.</summary>
    public const string LoginPath = Root + "/login";

    /// <summary>An intent's page.</summary>
    public static string Intent(ulong id) => $"{Root}/intents/{id}";

    /// <summary>A one-time login link to the console on <paramref name="port"/>, landing on <paramref name="next"/> (a console path) once logged in.</summary>
    public static string Login(int port, string nonce, string? next = null) =>
        $"http://127.0.0.1:{port}{LoginPath}?nonce={nonce}" + (next == null ? "" : "&next=" + Uri.EscapeDataString(next));
}
