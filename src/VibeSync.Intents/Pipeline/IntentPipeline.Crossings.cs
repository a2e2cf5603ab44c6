// Design rationale: two editors can write one object at once, and the link delivers an older
// APPLY into an engine after that engine's own human edited the object (the APPLY was sent before
// the edit reached the pipeline). The total order says the human's edit is newer, so the engine is
// not wrong: it is brought back to Reality on those objects (CROSSED) instead of rolling both back.
// A repair never overwrites what the engine's human wrote since the read (the same guard as an
// engine found ahead).

using System.Collections.Immutable;
using VibeSync.Intents.Batching;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Pipeline;

public sealed partial class IntentPipeline
{
    /// <summary>
    /// The objects of <paramref name="component"/> whose newest write in the batch is a human's edit
    /// made in <paramref name="engine"/> while an older member's write of them was applied there too
    /// (and its human has not edited them again since the read: <paramref name="ahead"/>). The total
    /// order puts that human's edit last, but the engine may have applied the older member after it:
    /// the older APPLY was sent before the edit reached the pipeline and crossed it on the link. A
    /// difference there is that crossing, not a failed apply, and rolling back both intents would
    /// lose both humans' edits: the engine is brought to Reality on those objects instead.
    /// </summary>
    private static IReadOnlySet<string> Crossed(List<BatchMember> component, IEnginePort engine, IReadOnlySet<string> ahead)
    {
        HashSet<string>? crossed = null;
        foreach (var (uuid, last) in NewestWriters(component))
            if (last.Origin == engine.Name && !ahead.Contains(uuid)
                && component.Any(m => m != last && m.Origin != engine.Name && m.Footprint.Contains(uuid) && m.Applied.Any(a => a.Engine == engine)))
                (crossed ??= new HashSet<string>(StringComparer.Ordinal)).Add(uuid);
        return crossed ?? (IReadOnlySet<string>)ImmutableHashSet<string>.Empty;
    }

    /// <summary>Each object the members write, with the last of them (in batch, i.e. apply, order) to write it.</summary>
    private static Dictionary<string, BatchMember> NewestWriters(IEnumerable<BatchMember> members)
    {
        var newest = new Dictionary<string, BatchMember>(StringComparer.Ordinal);
        foreach (var member in members)
            foreach (var uuid in member.Footprint) newest[uuid] = member;
        return newest;
    }

    /// <summary>
    /// Adds to <paramref name="crossovers"/> the objects of FINAL human edits that an older intent's
    /// APPLY overwrote in the edit's own engine after the edit was made (<c>EngineReports.Applied</c>):
    /// the crossing <see cref="Crossed"/> finds within a batch, when the two were verified in different
    /// batches (the older one alone, matching, before the edit was admitted). That engine is not
    /// judged on its own edit, so nothing else would bring it back to its human's value but a
    /// lost parity and a resync. Only where the edit is the newest FINAL write of the object.
    /// </summary>
    private void OverwrittenInOrigins(IReadOnlyList<BatchMember> final, Dictionary<IEnginePort, HashSet<string>> crossovers)
    {
        if (!final.Any(m => m.Origin != null && m.Report > 0)) return; // no engine's edit among them
        var newest = NewestWriters(final);
        foreach (var member in final)
        {
            if (member.Origin == null || member.Report <= 0) continue;
            var engine = _engines.FirstOrDefault(e => e.Name == member.Origin);
            if (engine is not { IsLive: true }) continue;
            var overwritten = _reports.OverwrittenAfter(engine.Name, member.Report, member.Id, member.Footprint.Where(u => newest[u] == member));
            if (overwritten.Count == 0) continue;
            if (!crossovers.TryGetValue(engine, out var repair)) crossovers[engine] = repair = new HashSet<string>(StringComparer.Ordinal);
            repair.UnionWith(overwritten);
        }
    }

    /// <summary>
    /// Brings <paramref name="engine"/> to Reality on objects where an older intent's APPLY crossed
    /// its own human's newer edit (<see cref="Crossed"/>): typed operations under intent 0, as a
    /// repair after a mismatch. An engine that still differs afterwards has lost parity. Objects the
    /// engine reported a human's edit of after <paramref name="mark"/> (its verification read) are
    /// not repaired: that edit is newer than Reality and would be overwritten, so the engine is
    /// ahead there and owes a read-back once its human is quiet, as in the verification itself
    /// (<see cref="AheadAsync"/>, which first catches up with it).
    /// </summary>
    private async Task RepairCrossedAsync(IEnginePort engine, long mark, IReadOnlyCollection<string> crossed)
    {
        if (!engine.IsLive) return;
        var ahead = await AheadAsync(engine, mark, crossed).ConfigureAwait(false);
        OweAhead(engine.Name, ahead, "its human edited these after an apply crossed its edit there: not repaired");
        var uuids = crossed.Where(u => !ahead.Contains(u)).ToArray();
        if (uuids.Length == 0) return;
        try
        {
            int left = await RepairAsync(engine, uuids, EngineStorage.RoundToFloat32(Reality.Records(uuids))).ConfigureAwait(false);
            _options.Log.Write(new PipelineLogLine(Now, Environment.ProcessId, 0, Array.Empty<string>(), uuids.ToArray(), "CROSSED",
                left == 0 ? $"{engine.Name}: an older intent's apply crossed its human's newer edit there; brought back to Reality (the human's edit)"
                    : $"{engine.Name}: an older intent's apply crossed its human's newer edit there and a repair left {left} field(s) different",
                null, Engine: engine.Name));
            if (left > 0) LoseParity(engine.Name, $"after an apply crossed its human's edit and a repair it still holds {left} field(s) of [{string.Join(", ", uuids.Take(5))}] differently from Reality");
        }
        catch (Exception e) when (e is EngineFaultException or TimeoutException)
        {
            LoseParity(engine.Name, $"it did not answer the repair read after an apply crossed its human's edit: {e.Message}");
        }
    }

    /// <summary>
    /// Reads <paramref name="uuids"/> from <paramref name="engine"/> and, where it differs from
    /// <paramref name="want"/>, applies the typed operations that bring it there (under intent 0, as
    /// on attach) and reads again. Returns how many fields still differ (0: repaired or equal).
    /// </summary>
    private async Task<int> RepairAsync(IEnginePort engine, IReadOnlyCollection<string> uuids, Scene want)
    {
        var have = await Call(() => engine.ReadAsync(uuids)).ConfigureAwait(false);
        if (FieldComparer.Differences(want, have).Count == 0) return 0;
        var plan = Resync.ResyncPlan.Between(have, want, keepExtras: false);
        if (plan.Operations.Count > 0 && plan.Unreachable.Count == 0)
        {
            await Call(async () => { await plan.ApplyAsync(engine).ConfigureAwait(false); return true; }).ConfigureAwait(false);
            have = await Call(() => engine.ReadAsync(uuids)).ConfigureAwait(false);
        }
        return FieldComparer.Differences(want, have).Count;
    }
}
