using System.Text;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// One intent's page (<c>/console/intents/{id}</c>): its journal history; while it is pending, its
/// review with Approve and Deny; once settled, the records it touched before and after it, rebuilt
/// from the journal (<see cref="SettledRecords"/>). The part below the title is one section the live
/// feed re-sends when it changes, so a pending intent approved elsewhere turns FINAL on the open page.
/// </summary>
internal static class IntentPage
{
    /// <summary>The live section's element id.</summary>
    public const string Section = "intent";

    /// <summary>The page, or null when the journal has no such intent.</summary>
    public static async Task<string?> RenderAsync(OrchestratorService service, SettledRecords settled, ulong id, string csrf) =>
        await BodyAsync(service, settled, id, csrf) is { } body
            ? Html.Page($"Intent {id}", $"<h1>Intent {id}</h1><section id=\"{Section}\" data-intent=\"{id}\" aria-label=\"Intent {id} as journaled\">{body}</section>" +
                ConsoleFeed.Marker($"{ConsoleUrls.Root}/events?intent={id}", (Section, body)))
            : null;

    /// <summary>Everything below the title, or null when the journal has no such intent.</summary>
    public static async Task<string?> BodyAsync(OrchestratorService service, SettledRecords settled, ulong id, string csrf)
    {
        var history = service.Journal(0, 10_000, id);
        if (history.Count == 0) return null;
        var first = history[0];
        var html = new StringBuilder($"<dl class=\"intent\"><dt>actor</dt><dd>{Html.E(first.Actor)}</dd><dt>class</dt><dd>{Html.E(first.Class)}</dd>" +
            $"<dt>phase</dt><dd id=\"intent-phase\">{Html.E(history[^1].Phase)}</dd><dt>rationale</dt><dd>{Html.E(first.Rationale ?? "(none)")}</dd></dl>");
        if (service.Pipeline.PendingOf(id) is { } pending)
            html.Append($"<section id=\"review\" aria-label=\"Review\">{PendingReview.Render(pending, service.Pipeline.Reality, csrf, view3d: true)}</section>");
        else if (await settled.OfAsync(history) is { } done)
            html.Append(Settled(done));
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
        return html.ToString();
    }

    /// <summary>A settled intent's operations and records before and after (or why they cannot be shown).</summary>
    private static string Settled(SettledChange done)
    {
        var html = new StringBuilder("<section id=\"settled\" aria-label=\"Records before and after\"><h2>Records before and after</h2>");
        if (done.Unavailable is { } why)
            return html.Append($"<p class=\"history-gone\">Not shown: {Html.E(why)}</p></section>").ToString();
        if (done.OperationJson is not { } json)
            return html.Append("<p class=\"diff-empty\">It journaled no operation (a note or the seeding of Reality): no record changed.</p></section>").ToString();
        html.Append(done.Applied
            ? "<p class=\"settled-how\">As Reality was just before its FINAL entry and just after, replayed from the journal.</p>"
            : "<p class=\"settled-how\">Rolled back: Reality as it was just before, which it kept; the fields it would have changed were <b>not applied</b>.</p>");
        html.Append(PendingReview.DiffTable(done.Changes, done.Applied));
        html.Append(PendingReview.Operations(json));
        return html.Append("</section>").ToString();
    }
}
