using System.Net;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>The console's HTML: escaping and the page frame. No inline script or style anywhere (the CSP forbids them).</summary>
internal static class Html
{
    /// <summary>Text as HTML (every &lt; &gt; &amp; " ' escaped): names and rationales are data, written by anyone.</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A bare document (refusal pages: nothing of the console's is loaded).</summary>
    public static string Document(string title, string body, string head = "") =>
        $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">" +
        $"<title>{E(title)} · VibeSync</title>{head}</head><body>{body}</body></html>";

    /// <summary>A refusal or error: a bare page saying what happened and what to do.</summary>
    public static string Refusal(string title, string message) =>
        Document(title, $"<main><h1>{E(title)}</h1><pre class=\"message\">{E(message)}</pre></main>");

    /// <summary>
    /// A refusal or error for someone logged in (a missing intent, an intent decided already): the
    /// console's own frame, so the way on is one click; <see cref="Refusal"/> stays bare for whoever has no session.
    /// </summary>
    public static string Problem(string title, string message) =>
        Page(title, $"<h1>{E(title)}</h1><p class=\"message problem\">{E(message)}</p><p><a href=\"{ConsoleUrls.Root}/\">Back to the overview</a></p>");

    /// <summary>A console page: stylesheet, the live-update script, navigation.</summary>
    public static string Page(string title, string main) => Document(title,
        "<header><nav aria-label=\"console\"><a href=\"/console/\">Overview</a><a href=\"/console/intents\">Intents</a><a href=\"/console/charts\">Charts</a><a href=\"/console/wal\">WAL</a><a href=\"/console/snapshots\">Snapshots</a><a href=\"/console/panic\">PANIC &amp; locks</a></nav><span class=\"brand\">VibeSync console</span></header>" +
        $"<main>{main}</main>",
        "<link rel=\"stylesheet\" href=\"/console/assets/console.css\"><script src=\"/console/assets/console.js\" defer></script>");

    /// <summary>A small form that posts to <paramref name="action"/> with the session's anti-forgery token.</summary>
    public static string PostButton(string action, string label, string csrf, string css = "") =>
        $"<form method=\"post\" action=\"{E(action)}\"><input type=\"hidden\" name=\"{ConsoleGuard.CsrfField}\" value=\"{E(csrf)}\">" +
        $"<button type=\"submit\"{(css.Length > 0 ? $" class=\"{E(css)}\"" : "")}>{E(label)}</button></form>";
}
