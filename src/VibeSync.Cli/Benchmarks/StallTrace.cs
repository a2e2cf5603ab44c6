// Why: a p99 made of 2–4 stalls in 100 samples says nothing about its cause. Each stalled sample
// is lined up, on the one wall clock of this machine, with what serve journaled and what its
// runtime did meanwhile (RuntimeTrace), so a suspect is ruled in or out by the trace.
using System.Globalization;
using System.Text.Json;

namespace VibeSync.Cli.Benchmarks;

/// <summary>One intent of `bench e2e`'s comparison: when it was sent (Unix ms), how long it took, its number.</summary>
internal sealed record TimedIntent(double SentAt, double Ms, double BareMs, ulong Intent);

/// <summary>Explains the slow samples of a run from serve's own lines (journal phases, runtime events).</summary>
internal static class StallTrace
{
    /// <summary>
    /// For every sample slower than 3× the median (and 10 ms over it): when serve journaled its
    /// PROVISIONAL entry after it was sent, the batch closes (FINAL entries) that fell inside it,
    /// GC pauses and thread-pool adjustments inside it. Also a count of slow bare-socket samples,
    /// which go through the same Blender main loop.
    /// </summary>
    public static IEnumerable<string> Explain(IReadOnlyList<TimedIntent> samples, IReadOnlyList<JsonElement> serveLines)
    {
        double median = Median(samples.Select(s => s.Ms)), bareMedian = Median(samples.Select(s => s.BareMs));
        var provisional = new Dictionary<ulong, long>();
        var finals = new List<long>();
        var rolledBack = new List<string>();
        int ahead = 0;
        var gc = new List<(long T, double Ms)>();
        var pool = new List<(long T, double Count, string Reason)>();
        foreach (var line in serveLines)
        {
            if (line.TryGetProperty("phase", out var phase) && line.TryGetProperty("timestamp", out var ts))
            {
                if (phase.GetString() == "PROVISIONAL" && line.TryGetProperty("intent_id", out var id)) provisional.TryAdd(id.GetUInt64(), ts.GetInt64());
                else if (phase.GetString() == "FINAL") finals.Add(ts.GetInt64());
                else if (phase.GetString() == "ROLLED_BACK") rolledBack.Add(line.TryGetProperty("outcome", out var why) ? why.GetString() ?? "" : "");
                else if (phase.GetString() == "AHEAD") ahead++;
            }
            else if (line.TryGetProperty("event", out var ev) && ev.GetString() == "runtime")
            {
                long t = line.GetProperty("t").GetInt64();
                if (line.GetProperty("kind").GetString() == "gc_pause") gc.Add((t, line.GetProperty("value").GetDouble()));
                else pool.Add((t, line.GetProperty("value").GetDouble(), line.GetProperty("reason").GetString() ?? ""));
            }
        }
        var slow = samples.Where(s => s.Ms > 3 * median && s.Ms > median + 10).ToList();
        int bareSlow = samples.Count(s => s.BareMs > 3 * bareMedian && s.BareMs > bareMedian + 10);
        yield return string.Create(CultureInfo.InvariantCulture,
            $"stalls: {slow.Count} of {samples.Count} intents over 3× the median ({median:F1} ms); bare socket {bareSlow} over 3× its median ({bareMedian:F1} ms); "
            + $"GC pauses in the whole phase: {gc.Count(g => g.T >= samples[0].SentAt && g.T <= samples[^1].SentAt + samples[^1].Ms)}, max {(gc.Count == 0 ? 0 : gc.Max(g => g.Ms)):F1} ms; "
            + $"thread-pool starvation injections: {pool.Count(p => p.Reason == "starvation")}; ROLLED_BACK entries: {rolledBack.Count}; "
            + $"reads that raced a human's edit (engine caught up with, AHEAD, not judged): {ahead}");
        foreach (var why in rolledBack.Take(3)) yield return "  rolled back: " + why;
        foreach (var s in slow)
        {
            double end = s.SentAt + s.Ms;
            string admitted = !provisional.TryGetValue(s.Intent, out long at) ? "?"
                : at < s.SentAt - 1 ? "earlier (it was coalesced into that intent)" : $"{at - s.SentAt:F0} ms";
            var closes = finals.Where(f => f >= s.SentAt - 1 && f <= end + 1).Distinct().Select(f => $"+{f - s.SentAt:F0}").ToList();
            var pauses = gc.Where(g => g.T >= s.SentAt - 1 && g.T <= end + 1).ToList();
            var adjust = pool.Where(p => p.T >= s.SentAt - 1 && p.T <= end + 1).ToList();
            yield return string.Create(CultureInfo.InvariantCulture,
                $"  intent {s.Intent}: {s.Ms:F1} ms (bare {s.BareMs:F1} ms); PROVISIONAL journaled {admitted} after sending; "
                + $"FINAL entries at [{string.Join(", ", closes)}] ms; GC {pauses.Count} pause(s) {pauses.Sum(p => p.Ms):F1} ms; "
                + $"thread pool [{string.Join(", ", adjust.Select(a => $"{a.Reason}→{a.Count}"))}]");
        }
    }

    private static double Median(IEnumerable<double> values) => Percentiles.Of(values.ToArray(), 0.5);
}
