using Microsoft.AspNetCore.Http;

namespace VibeSync.Orchestrator.Control;

/// <summary>
/// The names serve answers to: 127.0.0.1 or localhost at the port the request arrived on. A web page
/// that points a name it controls at 127.0.0.1 (DNS rebinding) sends its own name as Host and is
/// turned away, by the control API and the console alike.
/// </summary>
internal static class LoopbackHost
{
    public static bool IsOurs(HttpContext context)
    {
        int port = context.Connection.LocalPort;
        string host = context.Request.Host.Value ?? "";
        return host.Equals($"127.0.0.1:{port}", StringComparison.Ordinal) || host.Equals($"localhost:{port}", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The origins a page served from here has (what a browser sends as Origin).</summary>
    public static bool IsOurOrigin(HttpContext context, string origin)
    {
        int port = context.Connection.LocalPort;
        return origin.Equals($"http://127.0.0.1:{port}", StringComparison.Ordinal) || origin.Equals($"http://localhost:{port}", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The Host values accepted, for refusals.</summary>
    public static string Accepted(HttpContext context) => $"127.0.0.1:{context.Connection.LocalPort} or localhost:{context.Connection.LocalPort}";
}
