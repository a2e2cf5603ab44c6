using System.Globalization;
using System.Text;
using VibeSync.Orchestrator.Journal;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// Charts of the last hour (<c>/console/charts</c>), inline SVG drawn on the server from the
/// orchestrator's own journal: intents per minute, and per minute the slowest and the median time
/// from an intent's first journal entry to FINAL (for an engine's edit, that is from its EDIT's
/// admission to being applied and verified in the other engine).
/// </summary>
internal static class ChartsPage
{
    private const int Minutes = 60, Width = 720, Height = 180, Bar = Width / Minutes;

    public static string Render(OrchestratorService service, DateTimeOffset now)
    {
        long end = now.ToUnixTimeMilliseconds(), start = end - Minutes * 60_000L;
        var intents = service.IntentsSince(start);
        var perMinute = new int[Minutes];
        var latencies = Enumerable.Range(0, Minutes).Select(_ => new List<long>()).ToArray();
        foreach (var i in intents)
        {
            int m = (int)Math.Clamp((i.FirstMs - start) / 60_000, 0, Minutes - 1);
            perMinute[m]++;
            if (i.Phase == "FINAL" && i.Phases.Count > 1) latencies[m].Add(i.LastMs - i.FirstMs);
        }
        var html = new StringBuilder($"<h1>Charts: the last hour</h1><p>{intents.Count} intents in the last hour, from the journal.</p>");
        html.Append("<h2>Intents per minute</h2>");
        html.Append(Bars(perMinute.Select(n => (double)n).ToArray(), "intents", "intents-per-minute", v => $"{v:0}"));
        html.Append("<h2>First journal entry → FINAL, per minute (ms)</h2><p class=\"legend\">bars: the slowest; marks: the median. An engine's edit: admitted → applied in the other engine and verified.</p>");
        var max = latencies.Select(l => l.Count == 0 ? 0 : (double)l.Max()).ToArray();
        var median = latencies.Select(l => l.Count == 0 ? 0 : (double)l.Order().ElementAt(l.Count / 2)).ToArray();
        html.Append(Bars(max, "ms", "latency-per-minute", v => $"{v:0} ms", median));
        return Html.Page("Charts", html.ToString());
    }

    /// <summary>A bar per minute, oldest left; an optional mark per bar; the scale on the left.</summary>
    private static string Bars(double[] values, string unit, string id, Func<double, string> label, double[]? marks = null)
    {
        double top = Math.Max(1, values.Concat(marks ?? Array.Empty<double>()).Max());
        var svg = new StringBuilder($"<svg id=\"{id}\" class=\"chart\" role=\"img\" aria-label=\"{Html.E(unit)} per minute, last hour\" viewBox=\"-50 -10 {Width + 60} {Height + 30}\" width=\"{Width + 60}\" height=\"{Height + 30}\">");
        svg.Append($"<line x1=\"0\" y1=\"{Height}\" x2=\"{Width}\" y2=\"{Height}\" class=\"axis\"/><text x=\"-6\" y=\"{Height}\" class=\"tick\" text-anchor=\"end\">0</text>");
        svg.Append($"<text x=\"-6\" y=\"8\" class=\"tick\" text-anchor=\"end\">{Html.E(label(top))}</text>");
        svg.Append($"<text x=\"0\" y=\"{Height + 16}\" class=\"tick\">-60 min</text><text x=\"{Width}\" y=\"{Height + 16}\" class=\"tick\" text-anchor=\"end\">now</text>");
        for (int i = 0; i < values.Length; i++)
        {
            double h = values[i] / top * Height;
            if (values[i] > 0)
                svg.Append(string.Create(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{i * Bar + 1}\" y=\"{Height - h:0.#}\" width=\"{Bar - 2}\" height=\"{h:0.#}\" data-value=\"{values[i]}\"><title>{Html.E(label(values[i]))}</title></rect>"));
            if (marks != null && marks[i] > 0)
                svg.Append(string.Create(CultureInfo.InvariantCulture, $"<rect class=\"mark\" x=\"{i * Bar}\" y=\"{Height - marks[i] / top * Height - 1:0.#}\" width=\"{Bar}\" height=\"2\"/>"));
        }
        return svg.Append("</svg>").ToString();
    }
}
