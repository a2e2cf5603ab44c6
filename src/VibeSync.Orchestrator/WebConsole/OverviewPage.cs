using System.Text;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// The overview: each engine (phase as a word, reason, generation, last heartbeat, trust,
/// quarantine, roots), Reality (root, counts, safe mode, WAL position, locks, DIRTY objects) and
/// the pending approvals. Each section is a fragment the live feed re-sends when it changes, so the
/// page and its updates are rendered by the same code.
/// </summary>
internal static class OverviewPage
{
    public const string EnginesSection = "engines";
    public const string PendingSection = "pending";

    /// <summary>Pending intents reviewed on the overview; the rest are listed on the timeline (each is rendered with its diff, on every tick of the feed).</summary>
    private const int ShownPending = 20;

    public static string Render(OrchestratorService service, string csrf)
    {
        string engines = Engines(service.Status()), pending = Pending(service, csrf);
        return Html.Page("Overview", "<h1>Overview</h1>" +
            $"<section id=\"{EnginesSection}\" aria-label=\"Engines and Reality\" aria-live=\"polite\">{engines}</section>" +
            $"<section id=\"{PendingSection}\" aria-label=\"Pending approvals\">{pending}</section>" +
            ConsoleFeed.Marker(ConsoleUrls.Root + "/events", (EnginesSection, engines), (PendingSection, pending)));
    }

    /// <summary>The engines table and Reality's line.</summary>
    public static string Engines(ServiceStatus status)
    {
        var html = new StringBuilder("<h2>Engines</h2><table class=\"engines\"><thead><tr><th scope=\"col\">engine</th><th scope=\"col\">phase</th><th scope=\"col\">reason</th>" +
            "<th scope=\"col\">generation</th><th scope=\"col\">last heartbeat</th><th scope=\"col\">trust</th><th scope=\"col\">quarantine</th><th scope=\"col\" title=\"the root of the scene it sent when this session attached; later edits do not change it\">root at attach</th><th scope=\"col\">parity root</th></tr></thead><tbody>");
        var sync = status.Sync;
        foreach (var link in status.Link.Engines)
        {
            var standing = sync.Engines.FirstOrDefault(e => e.Engine == link.Engine);
            var panic = status.Panics.FirstOrDefault(p => p.Engine == link.Engine);
            var (phase, reason) = EnginePhase.Of(standing, panic);
            var session = link.Session;
            html.Append($"<tr data-engine=\"{Html.E(link.Engine)}\"><th scope=\"row\">{Html.E(link.Engine)}</th>" +
                $"<td class=\"phase phase-{phase.ToLowerInvariant()}\" id=\"phase-{Html.E(link.Engine)}\">{phase}</td><td>{Html.E(reason)}</td>" +
                $"<td>{(session == null ? "—" : session.Generation)}</td>" +
                $"<td>{(session == null ? "not connected" : $"{session.LastHeartbeatMsAgo / 1000} s ago")}</td>" +
                $"<td>{link.Trust}</td><td>{(link.Quarantined ? "QUARANTINED: " + Html.E(link.QuarantineReason) : "no")}</td>" +
                $"<td class=\"hash\">{Html.E(session?.Scene?.Root ?? "—")}</td><td class=\"hash\">{Html.E(standing?.ParityRoot ?? "—")}</td></tr>");
        }
        html.Append("</tbody></table>");
        html.Append($"<h2>Reality</h2><dl class=\"reality\"><dt>root</dt><dd class=\"hash\" id=\"reality-root\">{Html.E(sync.RealityRoot)}</dd>" +
            $"<dt>records</dt><dd>{Count(sync.Objects, "object")}, {Count(sync.Materials, "material")}, {Count(sync.Meshes, "mesh", "meshes")}</dd>" +
            $"<dt>safe mode</dt><dd id=\"safe-mode\">{(sync.SafeMode == null ? "off" : "ON: " + Html.E(sync.SafeMode))}</dd>" +
            $"<dt>WAL position</dt><dd id=\"wal-position\">{sync.WalSequence}</dd>" +
            $"<dt>HUMAN_ACTIVE locks</dt><dd>{(sync.Locks.Count == 0 ? "none" : Html.E(string.Join(", ", sync.Locks)))}</dd>" +
            $"<dt>DIRTY objects</dt><dd>{(sync.Dirty.Count == 0 ? "none" : Html.E(string.Join(", ", sync.Dirty)))}</dd>" +
            $"<dt>project</dt><dd>{Html.E(sync.ProjectId)}</dd></dl>");
        return html.ToString();
    }

    private static string Count(long n, string one, string? many = null) => $"{n} {(n == 1 ? one : many ?? one + "s")}";

    /// <summary>Every pending intent, reviewable.</summary>
    public static string Pending(OrchestratorService service, string csrf)
    {
        var ids = service.Pipeline.Pending.OrderBy(i => i).ToArray();
        var html = new StringBuilder($"<h2>Pending approvals ({ids.Length})</h2>");
        if (ids.Length == 0) html.Append("<p class=\"none\">Nothing waits for a human.</p>");
        var reality = service.Pipeline.Reality;
        foreach (var id in ids.Take(ShownPending))
            if (service.Pipeline.PendingOf(id) is { } pending) html.Append(PendingReview.Render(pending, reality, csrf, view3d: false));
        if (ids.Length > ShownPending)
            html.Append($"<p class=\"more\">… and {ids.Length - ShownPending} more: <a href=\"/console/intents?phase=PENDING\">all pending intents</a>.</p>");
        return html.ToString();
    }
}

/// <summary>An engine's phase as one word a person reads at a glance: PANIC over its sync phase.</summary>
internal static class EnginePhase
{
    public static (string Phase, string Reason) Of(EngineSync? standing, VibeSync.Intents.Pipeline.PanicStatus? panic) =>
        panic != null ? ("PANIC", $"{panic.Code}: {panic.Reason}")
        : standing == null ? ("DETACHED", "not connected")
        : (standing.Phase.ToUpperInvariant(), standing.Reason ?? "");
}
