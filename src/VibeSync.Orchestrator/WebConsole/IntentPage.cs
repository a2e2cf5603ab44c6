using System.Text;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>One intent's page (<c>/console/intents/{id}</c>): its journal history and, while it is pending, its review with Approve and Deny.</summary>
internal static class IntentPage
{
    /// <summary>The page, or null when the journal has no such intent.</summary>
    public static string? Render(OrchestratorService service, ulong id, string csrf)
    {
        var history = service.Journal(0, 10_000, id);
        if (history.Count == 0) return null;
        var first = history[0];
        var html = new StringBuilder($"<h1>Intent {id}</h1><dl class=\"intent\"><dt>actor</dt><dd>{Html.E(first.Actor)}</dd><dt>class</dt><dd>{Html.E(first.Class)}</dd>" +
            $"<dt>phase</dt><dd id=\"intent-phase\">{Html.E(history[^1].Phase)}</dd><dt>rationale</dt><dd>{Html.E(first.Rationale ?? "(none)")}</dd></dl>");
        if (service.Pipeline.PendingOf(id) is { } pending)
            html.Append($"<section id=\"review\" aria-label=\"Review\">{PendingReview.Render(pending, service.Pipeline.Reality, csrf, view3d: true)}</section>");
        html.Append("<h2>History</h2><table class=\"history\"><thead><tr><th scope=\"col\">WAL</th><th scope=\"col\">phase</th><th scope=\"col\">time (UTC)</th><th scope=\"col\">engine</th>" +
            "<th scope=\"col\">actor</th><th scope=\"col\">note</th><th scope=\"col\">verified</th></tr></thead><tbody>");
        foreach (var e in history)
        {
            string verified = e.ExpectedHash is { } x && e.ObservedHash is { } y ? (x == y ? "yes" : "MISMATCH") : "—";
            string note = string.Join(" ", new[] { e.Rationale, e.RollbackReason is { } r ? "rollback: " + r : null }.Where(s => s != null));
            html.Append($"<tr><td>{e.Sequence}</td><td>{Html.E(e.Phase)}</td><td>{DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMs):yyyy-MM-dd HH:mm:ss.fff}</td>" +
                $"<td>{Html.E(e.Engine)}</td><td>{Html.E(e.Actor)}</td><td>{Html.E(note)}</td><td>{verified}</td></tr>");
        }
        html.Append("</tbody></table>");
        return Html.Page($"Intent {id}", html.ToString());
    }
}
