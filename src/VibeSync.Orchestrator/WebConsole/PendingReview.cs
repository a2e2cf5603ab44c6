using System.Text;
using System.Text.Json.Nodes;
using VibeSync.Intents.Authority;
using VibeSync.Intents.Classification;
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Intents;
using VibeSync.Protocol.Operations;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// One pending intent as a person reviews it: who asks and why, its class, its operations, the
/// records it touches before and after field by field (computed against Reality as it is now,
/// exactly as an approval would validate it), on its own page a 3D view, and the buttons <b>Approve</b> and <b>Deny</b>.
/// </summary>
internal static class PendingReview
{
    /// <param name="pending">The intent.</param>
    /// <param name="reality">Reality now: what it is reviewed against.</param>
    /// <param name="csrf">The session's anti-forgery token, for the buttons.</param>
    /// <param name="view3d">Draw the 3D view (on the intent's own page, which names its actor, class and rationale above it; the overview's list links there, as each view draws all of Reality).</param>
    public static string Render(WaitingIntent pending, RealityScene reality, string csrf, bool view3d)
    {
        var request = pending.Request;
        string cls = PhaseNames.Name(IntentClassifier.Classify(request.Operations));
        var html = new StringBuilder();
        html.Append($"<article class=\"review\" aria-label=\"Intent {pending.Id}\" data-intent=\"{pending.Id}\">");
        if (!view3d) // the intent's own page says who, which class and why above its review
            html.Append($"<h3><a href=\"/console/intents/{pending.Id}\">Intent {pending.Id}</a> <span class=\"actor\">{Html.E(pending.Actor.ToString())}</span> <span class=\"class\">{Html.E(cls)}</span></h3>");
        html.Append($"<p class=\"why\">waits for: {Html.E(Waits(pending.Why))}</p>");
        if (!view3d) html.Append($"<p class=\"rationale\"><b>Rationale:</b> {Html.E(request.Rationale ?? "(none given)")}</p>");
        try
        {
            var after = IntentValidator.Check(reality, request, Sight.Everything).Reality;
            html.Append(DiffTable(FieldDiff.Between(reality, after, request.Operations.SelectMany(Admission.Touches))));
        }
        catch (IntentRefusedException e)
        {
            html.Append($"<p class=\"refusal\">Against Reality as it is now, approving it would be refused: {Html.E(IntentRefusedException.WireName(e.Code))} at {Html.E(e.Path)}: {Html.E(e.Reason)}</p>");
        }
        html.Append(Operations(request.Json));
        if (view3d) html.Append($"<figure class=\"view3d\"><canvas width=\"640\" height=\"360\" data-scene=\"{ConsoleUrls.Intent(pending.Id)}/scene.json\" data-glb=\"{ConsoleUrls.Root}/reality.glb\" aria-label=\"3D view of intent {pending.Id}\"></canvas>" +
            "<figcaption>Reality from its glTF export: a moved object where it is and ghosted blue where it would go, new objects green, deletions red wireframe. Framed on the change: drag to turn, right-drag to pan, wheel to zoom.</figcaption></figure>");
        html.Append("<div class=\"actions\">");
        html.Append(Html.PostButton($"/console/intents/{pending.Id}/approve", "Approve", csrf, "approve"));
        html.Append(Html.PostButton($"/console/intents/{pending.Id}/deny", "Deny", csrf, "deny"));
        html.Append("</div></article>");
        return html.ToString();
    }

    /// <summary>An intent's operations, its JSON laid out, folded under the table above it: the table says in words what changes, the JSON is for who wants the exact request.</summary>
    public static string Operations(string json)
    {
        int count = 0;
        try { count = (JsonNode.Parse(json)?["operations"] as JsonArray)?.Count ?? 0; }
        catch (System.Text.Json.JsonException) { }
        return $"<details class=\"operations\"><summary>{count} operation{(count == 1 ? "" : "s")} as submitted (JSON)</summary><pre class=\"operations\">{Html.E(Pretty(json))}</pre></details>";
    }

    /// <summary>Before and after, one row per changed field; <paramref name="applied"/> false (a rollback) says the after was not applied.</summary>
    public static string DiffTable(IReadOnlyList<FieldChange> changes, bool applied = true)
    {
        if (changes.Count == 0) return "<p class=\"diff-empty\">No field of any record changes.</p>";
        var html = new StringBuilder("<table class=\"diff\"><caption>Before and after <span class=\"space\">(canonical space, as glTF: metres, Y up)</span></caption><thead><tr><th scope=\"col\">record</th><th scope=\"col\">field</th><th scope=\"col\">before</th><th scope=\"col\">after</th></tr></thead><tbody>");
        foreach (var c in changes)
            html.Append($"<tr><td title=\"{Html.E(c.Uuid)}\">{Html.E(c.Name ?? c.Uuid)}</td><td>{Html.E(c.Field)}</td>" +
                $"<td class=\"before\">{(c.Before == null ? "<i>(new)</i>" : Html.E(c.Before))}</td><td class=\"after\">{(!applied ? "<i>not applied</i>" : c.After == null ? "<i>(deleted)</i>" : Html.E(c.After))}</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    private static string Waits(AdmissionOutcome why) => why switch
    {
        AdmissionOutcome.AwaitApproval => "a human's approval",
        AdmissionOutcome.WaitHumanLock => "a human's lock on what it touches to be released",
        AdmissionOutcome.Halted => "the end of a PANIC, a pause or safe mode",
        _ => why.ToString(),
    };

    private static string Pretty(string json)
    {
        try { return JsonNode.Parse(json)?.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) ?? json; }
        catch (System.Text.Json.JsonException) { return json; }
    }
}
