using System.Text;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// PANIC, locks and DIRTY objects (<c>/console/panic</c>), and the emergency unlock that lifts
/// them all, behind a typed confirmation: the word <see cref="Word"/> must be typed, so no stray
/// click (or a form someone else filled) does it.
/// </summary>
internal static class PanicPage
{
    /// <summary>What the human types to confirm the emergency unlock.</summary>
    public const string Word = "UNLOCK";

    public const string ConfirmField = "confirm";

    public static string Render(ServiceStatus status, string csrf)
    {
        var sync = status.Sync;
        var html = new StringBuilder("<h1>PANIC, locks and DIRTY objects</h1>");
        html.Append("<h2>PANIC</h2>");
        if (status.Panics.Count == 0) html.Append("<p id=\"panics\">No engine is in PANIC.</p>");
        else
        {
            html.Append("<ul id=\"panics\">");
            foreach (var p in status.Panics) html.Append($"<li><b>{Html.E(p.Engine)}</b>: {Html.E(p.Code)}: {Html.E(p.Reason)} (since {p.Since:yyyy-MM-dd HH:mm:ss} UTC)</li>");
            html.Append("</ul>");
        }
        html.Append($"<h2>HUMAN_ACTIVE locks</h2><p>{(sync.Locks.Count == 0 ? "none" : Html.E(string.Join(", ", sync.Locks)))}</p>");
        html.Append($"<h2>DIRTY objects</h2><p>{(sync.Dirty.Count == 0 ? "none" : Html.E(string.Join(", ", sync.Dirty)))}</p>");
        html.Append($"<h2>Safe mode</h2><p>{(sync.SafeMode == null ? "off" : Html.E(sync.SafeMode))}</p>");
        html.Append("<h2>Emergency unlock</h2><p>Lifts every PANIC, every HUMAN_ACTIVE lock and safe mode, as your emergency override (journaled). " +
            $"Type <b>{Word}</b> to confirm.</p>" +
            $"<form method=\"post\" action=\"/console/panic/unlock\"><input type=\"hidden\" name=\"{ConsoleGuard.CsrfField}\" value=\"{Html.E(csrf)}\">" +
            $"<label>Confirmation <input name=\"{ConfirmField}\" autocomplete=\"off\" required></label> <button type=\"submit\" class=\"deny\">Emergency unlock</button></form>");
        return Html.Page("PANIC", html.ToString());
    }
}
