// Parity: which engines are confirmed to hold Reality as it is now, what an origin owes (a read-back
// once its human is quiet), and losing parity when that cannot be confirmed.

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
    /// After a FINAL batch: every live engine confirmed at the version before it, and read back
    /// over the batch (its records matched, or what differed was rolled back), now holds the new
    /// Reality. The origin of a human's edits was not checked against them (it is their source, and
    /// may be ahead mid-drag): it owes a read-back once its human goes quiet. A live engine that
    /// was not confirmed, or could not be read, has lost parity.
    /// </summary>
    private void AdvanceParity(long before, IReadOnlyList<BatchMember> final, IReadOnlyDictionary<string, string> unread)
    {
        long now = RealityVersion;
        foreach (var engine in _engines)
        {
            if (!engine.IsLive) continue;
            if (unread.TryGetValue(engine.Name, out var why)) { LoseParity(engine.Name, $"it did not answer the verification read: {why}"); continue; }
            if (!Volatile.Read(ref _parity).TryGetValue(engine.Name, out long at) || at != before) { LoseParity(engine.Name, "it was live without a confirmed parity"); continue; }
            ImmutableInterlocked.AddOrUpdate(ref _parity, engine.Name, now, (_, _) => now);
            Owe(engine.Name, final.Where(m => m.Origin == engine.Name).SelectMany(m => m.Footprint).ToList());
        }
    }

    /// <summary>
    /// <paramref name="engine"/> holds a human's edit of <paramref name="uuids"/> newer than Reality
    /// (reported after its read): it owes a read-back once its human is quiet, logged as AHEAD with <paramref name="why"/>.
    /// </summary>
    private void OweAhead(string engine, IReadOnlyCollection<string> uuids, string why)
    {
        if (uuids.Count == 0) return;
        Owe(engine, uuids);
        _options.Log.Write(new PipelineLogLine(Now, Environment.ProcessId, 0, Array.Empty<string>(), uuids.ToArray(), "AHEAD",
            $"{engine}: {why}, read back once quiet", null, Engine: engine));
    }

    /// <summary>
    /// <paramref name="engine"/> was not checked against <paramref name="uuids"/> because its human
    /// edited them (their source, or ahead of the batch): it is read back once its human goes quiet.
    /// </summary>
    private void Owe(string engine, IReadOnlyCollection<string> uuids)
    {
        if (uuids.Count == 0) return;
        if (!_owed.TryGetValue(engine, out var debt)) _owed[engine] = debt = new OriginDebt();
        debt.Uuids.UnionWith(uuids);
        debt.Strikes = 0;
        debt.Due = _time.GetUtcNow() + _options.OriginQuiet;
    }

    /// <summary>
    /// Reads back from each origin engine whose human has gone quiet the records of its own edits,
    /// and compares them with Reality (as the engine stores them, with whatever is applied
    /// provisionally on top). A difference seen twice, a quiet period apart, with no new edit in
    /// between, is a lost parity: the engine is resynced from Reality.
    /// </summary>
    private async Task<bool> VerifyOriginsIfDueAsync()
    {
        if (_owed.Count == 0 || _verifying != null) return false; // read back once the batch in verification is settled
        bool did = false;
        foreach (var (name, debt) in _owed.ToList())
        {
            var now = _time.GetUtcNow();
            if (debt.Due > now) continue;
            if (_batch.Members.Any(m => m.Origin == name)) { debt.Due = now + _options.OriginQuiet; continue; } // still flowing
            var engine = _engines.FirstOrDefault(e => e.Name == name);
            if (engine is not { IsLive: true }) { _owed.Remove(name); continue; }
            did = true;
            await DrainAsync().ConfigureAwait(false); // what is admitted is applied in it before it is read
            var uuids = debt.Uuids.ToArray();
            var want = EngineStorage.RoundToFloat32(_speculative.Records(uuids));
            Scene have;
            try { have = await Call(() => engine.ReadAsync(uuids)).ConfigureAwait(false); }
            catch (Exception e) when (e is EngineFaultException or TimeoutException)
            {
                LoseParity(name, $"it did not answer the read-back of its human's edits: {e.Message}");
                continue;
            }
            var diff = FieldComparer.Differences(want, have);
            if (diff.Count == 0) { _owed.Remove(name); continue; }
            if (++debt.Strikes >= 2)
                LoseParity(name, $"after its human's edits went quiet it holds them differently from Reality: {string.Join(", ", diff.Take(3))}");
            else
                debt.Due = _time.GetUtcNow() + _options.OriginQuiet;
        }
        return did;
    }

    /// <summary>The engine no longer holds a confirmed copy of Reality: it leaves live (the host resyncs it).</summary>
    private void LoseParity(string engine, string reason)
    {
        bool had = ImmutableInterlocked.TryRemove(ref _parity, engine, out _);
        _owed.Remove(engine);
        if (!had) return;
        _options.Log.Write(new PipelineLogLine(Now, Environment.ProcessId, 0, Array.Empty<string>(), Array.Empty<string>(), "PARITY_LOST", $"{engine}: {reason}", "PARITY_LOST"));
        _options.OnParityLost?.Invoke(engine, reason);
    }
}
