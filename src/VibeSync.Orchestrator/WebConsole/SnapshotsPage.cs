using System.Text;
using VibeSync.Intents.Reality;
using VibeSync.Orchestrator.Snapshots;
using VibeSync.Protocol.State;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// Safety snapshots (<c>/console/snapshots</c>): the list, and one snapshot against Reality field
/// by field with <b>Restore</b>, whose confirmation names every change and holds Reality's root as
/// it was shown: a restore confirmed against a Reality that has changed since is refused.
/// </summary>
internal static class SnapshotsPage
{
    /// <summary>The form field carrying Reality's root as the confirmation showed it.</summary>
    public const string ShownRoot = "reality_root";

    public static string List(IReadOnlyList<SnapshotEntry> snapshots)
    {
        var html = new StringBuilder("<h1>Snapshots</h1><p>Reality is committed to <code>DIR/snapshots</code> (git) after FINAL batches and before destructive intents. Open one to compare it with Reality and restore it.</p>");
        html.Append("<table class=\"snapshots\"><thead><tr><th scope=\"col\">snapshot</th><th scope=\"col\">taken (UTC)</th><th scope=\"col\">what</th></tr></thead><tbody>");
        foreach (var s in snapshots)
            html.Append($"<tr><td class=\"hash\"><a href=\"/console/snapshots/{Html.E(s.Commit)}\">{Html.E(s.Commit[..12])}</a></td><td>{s.At:yyyy-MM-dd HH:mm:ss}</td><td>{Html.E(s.Message)}</td></tr>");
        if (snapshots.Count == 0) html.Append("<tr><td colspan=\"3\">No snapshot yet.</td></tr>");
        return Html.Page("Snapshots", html.Append("</tbody></table>").ToString());
    }

    public static string One(string commit, Scene snapshot, RealityScene reality, string csrf)
    {
        var target = RealityScene.From(snapshot);
        var differing = reality.ToScene().Uuids().Union(snapshot.Uuids(), StringComparer.Ordinal)
            .Where(u => reality.RecordHashOf(u) != target.RecordHashOf(u)).ToList();
        var changes = FieldDiff.Between(reality, target, differing);
        var html = new StringBuilder($"<h1>Snapshot {Html.E(commit[..Math.Min(12, commit.Length)])}</h1>");
        if (changes.Count == 0)
            return Html.Page("Snapshot", html.Append("<p class=\"same\">Reality equals this snapshot: restoring it would change nothing.</p>").ToString());
        string records = string.Join(", ", changes.Select(c => c.Name ?? c.Uuid).Distinct());
        html.Append($"<p class=\"confirm-text\" id=\"restore-changes\">Restoring it changes {changes.Count} field(s) of {differing.Count} record(s): {Html.E(records)}. " +
            "It runs as one intent of yours (journaled, applied in both engines, verified); a restore that deletes is snapshotted first.</p>");
        html.Append(PendingReview.DiffTable(changes).Replace("<caption>Before and after ", "<caption>Reality now (before) and this snapshot (after) "));
        html.Append($"<form method=\"post\" action=\"/console/snapshots/{Html.E(commit)}/restore\"><input type=\"hidden\" name=\"{ConsoleGuard.CsrfField}\" value=\"{Html.E(csrf)}\">" +
            $"<input type=\"hidden\" name=\"{ShownRoot}\" value=\"{Html.E(Intents.Reality.RealityRoot.Of(reality))}\">" +
            $"<button type=\"submit\" class=\"deny\">Restore these {differing.Count} record(s)</button></form>");
        return Html.Page("Snapshot", html.ToString());
    }
}
