using System.Text;
using Microsoft.AspNetCore.Http;
using VibeSync.Orchestrator.Journal;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// The intent timeline (<c>/console/intents</c>): newest first, 50 to a page, filtered by actor,
/// class and phase on the server, so a journal of any length costs one page to show.
/// </summary>
internal static class IntentsPage
{
    public const int PageSize = 50;

    /// <summary>The live section's element id: the count, the table and the page links.</summary>
    public const string Section = "timeline";

    public static string Render(OrchestratorService service, TimelineFilter filter, int page)
    {
        var html = new StringBuilder("<h1>Intents</h1>");
        html.Append("<form class=\"filter\" method=\"get\" action=\"/console/intents\" role=\"search\">" +
            $"<label>actor <input name=\"actor\" value=\"{Html.E(filter.Actor)}\" placeholder=\"ai, human:cli…\"></label>" +
            Select("class", filter.Class, "cosmetic", "structural", "destructive") +
            Select("phase", filter.Phase, "PENDING", "PROVISIONAL", "FINAL", "ROLLED_BACK", "REFUSED", "QUARANTINED") +
            "<button type=\"submit\">Filter</button></form>");
        string timeline = Timeline(service, filter, page);
        html.Append($"<section id=\"{Section}\" aria-label=\"Timeline\">{timeline}</section>");
        html.Append(ConsoleFeed.Marker(Link(ConsoleUrls.Root + "/events?view=intents&", filter, page), (Section, timeline)));
        return Html.Page("Intents", html.ToString());
    }

    /// <summary>One page of the timeline: the count, the table and the links to the pages around it.</summary>
    public static string Timeline(OrchestratorService service, TimelineFilter filter, int page)
    {
        var timeline = service.Timeline(filter, page * PageSize, PageSize);
        var html = new StringBuilder($"<p class=\"total\">{timeline.Total} intents in the journal.</p>");
        html.Append("<table class=\"timeline\"><thead><tr><th scope=\"col\">intent</th><th scope=\"col\">first journaled (UTC)</th><th scope=\"col\">actor</th><th scope=\"col\">class</th>" +
            "<th scope=\"col\">phases</th><th scope=\"col\">verified</th><th scope=\"col\">rationale / rollback</th></tr></thead><tbody>");
        foreach (var i in timeline.Intents)
            html.Append($"<tr><td><a href=\"{ConsoleUrls.Intent(i.Intent)}\">{i.Intent}</a></td><td>{DateTimeOffset.FromUnixTimeMilliseconds(i.FirstMs):yyyy-MM-dd HH:mm:ss}</td>" +
                $"<td>{Html.E(i.Actor)}</td><td>{Html.E(i.Class)}</td><td>{Html.E(string.Join(" → ", i.Phases))}</td>" +
                $"<td>{(i.Verified switch { true => "yes", false => "MISMATCH", null => "—" })}</td>" +
                $"<td>{Html.E(i.Rationale)}{(i.RollbackReason is { } r ? $"<br><b>rollback:</b> {Html.E(r)}" : "")}</td></tr>");
        if (timeline.Intents.Count == 0) html.Append("<tr><td colspan=\"7\">No intent matches.</td></tr>");
        html.Append("</tbody></table><nav class=\"pages\" aria-label=\"pages\">");
        if (page > 0) html.Append($"<a rel=\"prev\" href=\"{Html.E(Link("/console/intents?", filter, page - 1))}\">Newer</a>");
        html.Append($"<span>page {page + 1}</span>");
        if (timeline.More) html.Append($"<a rel=\"next\" href=\"{Html.E(Link("/console/intents?", filter, page + 1))}\">Older</a>");
        return html.Append("</nav>").ToString();
    }

    /// <summary>The filter and page a timeline URL (the page's or its feed's) names.</summary>
    public static (TimelineFilter Filter, int Page) Query(HttpRequest http)
    {
        string? Value(string name) => http.Query[name].FirstOrDefault() is { Length: > 0 and <= 200 } v ? v : null;
        int page = int.TryParse(Value("page"), out var p) ? Math.Clamp(p, 0, 1_000_000) : 0;
        return (new TimelineFilter(Value("actor"), Value("class"), Value("phase")), page);
    }

    private static string Select(string name, string? chosen, params string[] options) =>
        $"<label>{name} <select name=\"{name}\"><option value=\"\">any</option>" +
        string.Concat(options.Select(o => $"<option{(string.Equals(o, chosen, StringComparison.OrdinalIgnoreCase) ? " selected" : "")}>{o}</option>")) + "</select></label>";

    private static string Link(string path, TimelineFilter filter, int page) => (
        $"{path}actor={Uri.EscapeDataString(filter.Actor ?? "")}&class={Uri.EscapeDataString(filter.Class ?? "")}&phase={Uri.EscapeDataString(filter.Phase ?? "")}&page={page}");
}
