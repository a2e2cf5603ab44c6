using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// The console's gate, in front of every <c>/console</c> URL: the Host must be this loopback
/// address and port (DNS rebinding: 421), every answer carries a strict Content-Security-Policy
/// (scripts only from here, none inline), a request without a live session gets a page saying how
/// to log in (401) and no data, and a state-changing request must come from a page of this origin
/// (Origin) and carry the session's anti-forgery token (CSRF). A Bearer token opens nothing here:
/// the AI credential reaches no console URL.
/// </summary>
/// <param name="Nonces">The login links it accepts.</param>
/// <param name="Sessions">The sessions it opened.</param>
/// <param name="DataDirectory">The data directory, for the login instruction.</param>
/// <param name="Time">The clock of nonces and sessions.</param>
internal sealed record ConsoleGuard(LoginNonces Nonces, ConsoleSessions Sessions, string DataDirectory, TimeProvider Time)
{
    /// <summary>The form field (or header <c>X-CSRF-Token</c>) carrying the anti-forgery token.</summary>
    public const string CsrfField = "csrf";

    private const string SessionKey = "vibesync.console.session";

    // blob: for the textures of the 3D view only: three.js's GLTFLoader hands a GLB's embedded images to the
    // browser as blob: URLs of the page's own making, fetched (ImageBitmapLoader, connect-src) or loaded as <img> (img-src).
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self' blob:; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static bool Owns(PathString path) => path.StartsWithSegments(ConsoleUrls.Root);

    /// <summary>The session of a request the guard let through.</summary>
    public static ConsoleSession SessionOf(HttpContext context) => (ConsoleSession)context.Items[SessionKey]!;

    public async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // same-origin, not no-referrer: under no-referrer chromium sends "Origin: null" on a form POST, which the Origin check must refuse.
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        if (!LoopbackHost.IsOurs(context))
        {
            await RefuseAsync(context, StatusCodes.Status421MisdirectedRequest, "Wrong host",
                $"The console answers only Host {LoopbackHost.Accepted(context)}: a page that reached it under another name (DNS rebinding) gets nothing.");
            return;
        }
        if (context.Request.Path.Equals(ConsoleUrls.LoginPath))
        {
            await next(context);
            return;
        }
        var session = Sessions.Find(context.Request.Cookies[ConsoleSessions.CookieName(context.Connection.LocalPort)], Time.GetUtcNow());
        if (session == null)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Log in to the VibeSync console",
                $"This console needs a login. At a terminal on this machine, run:\n\nvibesync console --data {DataDirectory}\n\n" +
                "and open the one-time link it prints (it works once, for 60 seconds).");
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            string origin = context.Request.Headers.Origin.ToString();
            if (!LoopbackHost.IsOurOrigin(context, origin))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, "Refused: foreign origin",
                    $"A change is accepted only from the console's own pages (Origin {(origin.Length == 0 ? "missing" : origin)} is not this console). Nothing was changed.");
                return;
            }
            string? given = context.Request.Headers["X-CSRF-Token"].FirstOrDefault();
            if (given == null && context.Request.HasFormContentType) given = (await context.Request.ReadFormAsync(context.RequestAborted))[CsrfField].FirstOrDefault();
            if (given == null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), Encoding.ASCII.GetBytes(session.Csrf)))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, "Refused: no anti-forgery token",
                    "A change must carry this session's anti-forgery token (the console's own forms do). Nothing was changed.");
                return;
            }
        }
        context.Items[SessionKey] = session;
        await next(context);
    }

    /// <summary>A refusal as a small page of its own (no data, nothing of the console's).</summary>
    public static Task RefuseAsync(HttpContext context, int status, string title, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(Html.Refusal(title, message));
    }
}
