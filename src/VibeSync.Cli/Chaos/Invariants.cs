using System.Collections.Concurrent;
using System.Text.Json;
using VibeSync.Orchestrator.Control;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Cli.Chaos;

/// <summary>An intent the soak was told is FINAL (by submit --wait, an approval or MCP's wait_intent).</summary>
internal sealed record AckedFinal(ulong Intent, string Actor, int Step, TimeSpan At, string How);

/// <summary>
/// The invariants, checked from outside serve: through its control API (status, state) and its
/// files (the WAL, read the way <c>vibesync wal show</c> and <c>wal verify</c> read it). Never by
/// looking into serve's memory.
/// </summary>
internal sealed class Invariants
{
    private readonly ChaosStage _stage;
    private readonly ChaosScene _scene;
    private readonly ChaosReport _report;
    private readonly ConcurrentDictionary<ulong, AckedFinal> _acked = new();
    private readonly ConcurrentQueue<DateTimeOffset> _blenderRebinds = new();
    private readonly object _journalGate = new();
    private (ulong Sequence, byte[] Hash)? _durableAnchor;
    private ulong _echoScanned;
    private int _memoryReportedFor;
    private readonly HashSet<ulong> _humanIntents = new();

    public Invariants(ChaosStage stage, ChaosScene scene, ChaosReport report, long rssLimitBytes)
    {
        _stage = stage;
        _scene = scene;
        _report = report;
        RssLimitBytes = rssLimitBytes;
    }

    public long RssLimitBytes { get; }

    public long PeakRssBytes { get; private set; }

    public int AckedCount => _acked.Count;

    private string WalDirectory => Path.Combine(_stage.Data, "wal");

    /// <summary>The driver was told intent <paramref name="intent"/> of <paramref name="actor"/> is FINAL.</summary>
    public void Acknowledged(ulong intent, string actor, string how)
    {
        if (intent == 0) return;
        _acked.TryAdd(intent, new AckedFinal(intent, actor, _report.CurrentStep, _report.Elapsed, how));
        _report.Count("FINAL acknowledged to the driver (" + how + ")");
    }

    /// <summary>Blender undid, redid or reopened its file: what it then reports may touch anything it holds.</summary>
    public void BlenderRebound() => _blenderRebinds.Enqueue(DateTimeOffset.UtcNow);

    // ---- the journal: no acknowledged FINAL lost, the durable prefix never rewritten, no echo, the chain verifies ----

    /// <summary>Reads the WAL files once and checks everything that lives in them.</summary>
    public async Task CheckJournalAsync(string when)
    {
        // What serve calls durable before the read: that much of the log must never change afterwards.
        ulong durable = 0;
        try { durable = (await _stage.Api.StatusAsync()).GetProperty("sync").GetProperty("wal_sequence").GetUInt64(); }
        catch (Exception e) when (e is ControlApiException or HttpRequestException or IOException or TaskCanceledException or InvalidDataException) { }
        lock (_journalGate)
        {
            if (!Directory.Exists(WalDirectory)) return;
            var records = WriteAheadLog.ReadAll(WalDirectory, out var scan);
            _report.Checked("journal read (WAL files)");
            if (scan.Corruption is { } corrupt)
                _report.Violated("WAL chain broken", $"{when}: reading {WalDirectory}: {corrupt}");
            var bySequence = records.ToDictionary(r => r.Sequence);
            CheckAnchor(bySequence, when);
            CheckAcknowledged(records, when);
            ScanForEchoes(records);
            if (durable > 0 && bySequence.TryGetValue(durable, out var anchor) && (_durableAnchor == null || durable > _durableAnchor.Value.Sequence))
                _durableAnchor = (durable, anchor.EntryHash);
            var verify = WriteAheadLog.Verify(WalDirectory);
            _report.Checked("wal verify");
            if (verify.Corruption is { } c) _report.Violated("WAL chain broken", $"{when}: wal verify: {c}");
        }
    }

    private void CheckAnchor(Dictionary<ulong, WalRecord> bySequence, string when)
    {
        if (_durableAnchor is not { } anchor) return;
        _report.Checked("durable journal prefix unchanged");
        if (!bySequence.TryGetValue(anchor.Sequence, out var now))
            _report.Violated("acknowledged journal lost", $"{when}: record #{anchor.Sequence} was durable (status wal_sequence) and is gone; the log now ends at #{bySequence.Keys.DefaultIfEmpty().Max()}");
        else if (!now.EntryHash.AsSpan().SequenceEqual(anchor.Hash))
            _report.Violated("acknowledged journal rewritten", $"{when}: record #{anchor.Sequence} had entry hash {Hex.Encode(anchor.Hash)[..16]}…, now {Hex.Encode(now.EntryHash)[..16]}… ({PhaseNames.Name(now.Entry.Phase)} of intent {now.Entry.IntentId})");
    }

    private void CheckAcknowledged(IReadOnlyList<WalRecord> records, string when)
    {
        if (_acked.IsEmpty) return;
        var finals = new Dictionary<ulong, WalEntry>();
        var later = new Dictionary<ulong, WalEntry>();
        foreach (var r in records)
        {
            if (r.Entry.Phase == IntentPhase.Final) finals[r.Entry.IntentId] = r.Entry;
            else if (finals.ContainsKey(r.Entry.IntentId)) later[r.Entry.IntentId] = r.Entry;
        }
        foreach (var acked in _acked.Values)
        {
            _report.Checked("acknowledged FINAL still FINAL");
            if (!finals.TryGetValue(acked.Intent, out var final))
            {
                var seen = records.Where(r => r.Entry.IntentId == acked.Intent).Select(r => $"#{r.Sequence} {PhaseNames.Name(r.Entry.Phase)} {r.Entry.Actor}").ToList();
                _report.Violated("acknowledged FINAL lost",
                    $"{when}: intent {acked.Intent} of {acked.Actor} was acknowledged FINAL ({acked.How}) at {acked.At.TotalSeconds:F1}s (step #{acked.Step}); the journal has {(seen.Count == 0 ? "no entry for it" : string.Join(", ", seen))}");
                _acked.TryRemove(acked.Intent, out _); // reported once
            }
            else if (final.Actor != acked.Actor)
            {
                _report.Violated("acknowledged FINAL lost", $"{when}: intent {acked.Intent} was acknowledged FINAL for {acked.Actor}; the journal's FINAL {acked.Intent} is {final.Actor}'s (numbering reused)");
                _acked.TryRemove(acked.Intent, out _);
            }
            else if (later.TryGetValue(acked.Intent, out var after))
            {
                _report.Violated("acknowledged FINAL undone", $"{when}: intent {acked.Intent} of {acked.Actor} is FINAL and then {PhaseNames.Name(after.Phase)} ({after.Rollback?.Reason})");
                _acked.TryRemove(acked.Intent, out _);
            }
        }
    }

    /// <summary>
    /// No echo: an intent of <c>human:E</c> may only touch what the human in E changes (or what
    /// everyone changes). A Blender edit coming back as <c>human:unity</c>, or an AI's intent
    /// coming back as either, is an edit bouncing between engines.
    /// </summary>
    private void ScanForEchoes(IReadOnlyList<WalRecord> records)
    {
        foreach (var r in records)
        {
            if (r.Sequence <= _echoScanned) continue;
            _echoScanned = r.Sequence;
            var e = r.Entry;
            // Each human intent once, by its first entry, whatever became of it (an echo refused or quarantined is an echo too).
            if (e.Actor is not ("human:blender" or "human:unity") || !_humanIntents.Add(e.IntentId)) continue;
            var engine = e.Actor == "human:blender" ? Owner.Blender : Owner.Unity;
            _report.Checked("echo: human intents attributed");
            _report.Count($"intents of {e.Actor}");
            var foreign = e.Scope.Uuids.Select(u => (Uuid: u, Owner: _scene.OwnerOf(u))).Where(x => x.Owner is not (null or Owner.Shared) && x.Owner != engine).ToList();
            if (foreign.Count == 0) continue;
            var at = DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMs);
            if (engine == Owner.Blender && _blenderRebinds.Any(t => at >= t.AddSeconds(-1) && at <= t.AddSeconds(30)))
            {
                // Undo/redo/revert restore older values the user saw: Blender reporting them is the human's own act, not a bounce.
                _report.Observe("Blender reported an edit of records it does not own within 30 s of an undo/redo/revert (the human's own act, not an echo)");
                continue;
            }
            _report.Violated("echo", $"intent {e.IntentId} of {e.Actor} ({PhaseNames.Name(e.Phase)} #{r.Sequence} at {at:HH:mm:ss.fff}) touches {foreign.Count} record(s) only others change " +
                $"({string.Join(", ", foreign.Take(4).Select(f => $"{f.Uuid} of {f.Owner}"))}{(foreign.Count > 4 ? ", …" : "")}): an edit came back from an engine it was applied in; operations {Short(e.OperationJson)}");
        }
    }

    // ---- parity: every LIVE engine holds Reality ----

    /// <summary>
    /// At a quiet moment: each engine status shows LIVE read back through serve (<c>state --engine X</c>)
    /// and hashed, against Reality (<c>state --engine reality</c>). Retried while anything still moves;
    /// <paramref name="requireBoth"/> (at the end) makes an engine that is not LIVE a violation too.
    /// Returns true when the check could be made.
    /// </summary>
    public async Task<bool> CheckParityAsync(string when, bool requireBoth)
    {
        for (int attempt = 0; attempt < 6; attempt++)
        {
            if (attempt > 0) await Task.Delay(TimeSpan.FromSeconds(2));
            JsonElement before, after;
            Scene reality;
            var engines = new Dictionary<string, Scene>();
            try
            {
                before = await _stage.Api.StatusAsync();
                reality = await _stage.Api.StateAsync("reality");
                foreach (var engine in new[] { ChaosStage.Blender, ChaosStage.Unity })
                    if (ControlApiClient.Phase(before, engine) == "live") engines[engine] = await _stage.Api.StateAsync(engine);
                after = await _stage.Api.StatusAsync();
            }
            catch (Exception e) when (e is ControlApiException or HttpRequestException or IOException or TaskCanceledException or InvalidDataException) { continue; }
            if (ControlApiClient.RealityRoot(before) != ControlApiClient.RealityRoot(after) || WalSequence(before) != WalSequence(after)) continue; // not quiet yet
            string realityRoot = SceneHasher.RootHex(reality);
            _report.Checked("parity: quiet moments sampled");
            if (realityRoot != ControlApiClient.RealityRoot(before))
                _report.Violated("status disagrees with state", $"{when}: status says Reality's root is {Short(ControlApiClient.RealityRoot(before))}, state --engine reality hashes to {Short(realityRoot)}");
            foreach (var engine in new[] { ChaosStage.Blender, ChaosStage.Unity })
            {
                bool liveThroughout = engines.ContainsKey(engine) && ControlApiClient.Phase(after, engine) == "live";
                if (!liveThroughout)
                {
                    if (requireBoth)
                        _report.Violated("not in parity at the end", $"{when}: {engine} is {ControlApiClient.Phase(after, engine)} ({Reason(after, engine)}) after the quiet period");
                    continue;
                }
                _report.Checked("parity: LIVE engine root = Reality root");
                string root = SceneHasher.RootHex(engines[engine]);
                if (root != realityRoot && WithinEpsilon(reality, engines[engine]))
                    // The hash quantizes; after an inexact conversion (camera and light frames) a value on a quantization
                    // boundary lands on either side in two engines. DESIGN §3: a root difference counts only once a
                    // field-wise comparison within ε confirms it, and this one does not: parity, noted under its own name.
                    _report.Observe($"LIVE engine root differs only by a quantization tie (equal field by field within {Epsilon}, DESIGN §3): {engine}, {string.Join(",", DifferingUuids(reality, engines[engine]))}");
                else if (root != realityRoot)
                    _report.Violated("LIVE engine differs from Reality", $"{when}: {engine} is LIVE with root {Short(root)}, Reality {Short(realityRoot)}; {Differences(reality, engines[engine])}; status: {Standing(after)}");
            }
            return true;
        }
        _report.Observe("a parity check found no quiet moment in 12 s and was skipped");
        return false;
    }

    // ---- memory ----

    /// <summary>serve's resident memory against the bound (the command's help says why that bound); reported once per serve process.</summary>
    public void SampleMemory()
    {
        if (_stage.PidOf(ChaosStage.Serve) is not { } pid || _stage.RssBytes(ChaosStage.Serve) is not { } rss) return;
        _report.Checked("memory: serve RSS samples");
        PeakRssBytes = Math.Max(PeakRssBytes, rss);
        if (rss > RssLimitBytes && pid != _memoryReportedFor)
        {
            _memoryReportedFor = pid;
            _report.Violated("memory over the bound", $"serve (pid {pid}) resident memory {rss >> 20} MiB exceeds the bound {RssLimitBytes >> 20} MiB", sameAs: "memory");
        }
    }

    // ---- evidence ----

    /// <summary>What else status said then: engines, safe mode, PANIC, pending intents.</summary>
    private static string Standing(JsonElement s) =>
        $"{StatusView.Engines(s)}; safe mode {StatusView.SafeMode(s) ?? "off"}; PANIC {(StatusView.Panics(s) is { Count: > 0 } p ? string.Join(", ", p) : "none")}; {StatusView.Pending(s).Count} pending";

    private static ulong WalSequence(JsonElement status) => status.GetProperty("sync").GetProperty("wal_sequence").GetUInt64();

    private static string Reason(JsonElement status, string engine) =>
        status.GetProperty("sync").GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("engine").GetString() == engine).GetProperty("reason").ToString();

    private const double Epsilon = 1e-5;

    /// <summary>The same records with every real equal within <see cref="Epsilon"/> (float32 noise, not a different value).</summary>
    private static bool WithinEpsilon(Scene a, Scene b)
    {
        if (a.Objects.Count != b.Objects.Count || a.Materials.Count != b.Materials.Count || a.Meshes.Count != b.Meshes.Count) return false;
        static bool Near(double x, double y) => Math.Abs(x - y) <= Epsilon;
        static bool Near3(Vector3d x, Vector3d y) => Near(x.X, y.X) && Near(x.Y, y.Y) && Near(x.Z, y.Z);
        var objects = b.Objects.ToDictionary(o => o.Uuid);
        foreach (var o in a.Objects)
        {
            if (!objects.TryGetValue(o.Uuid, out var t)) return false;
            bool sameRotation = Near(o.Rotation.X, t.Rotation.X) && Near(o.Rotation.Y, t.Rotation.Y) && Near(o.Rotation.Z, t.Rotation.Z) && Near(o.Rotation.W, t.Rotation.W)
                || Near(o.Rotation.X, -t.Rotation.X) && Near(o.Rotation.Y, -t.Rotation.Y) && Near(o.Rotation.Z, -t.Rotation.Z) && Near(o.Rotation.W, -t.Rotation.W);
            if (o.Name != t.Name || o.Kind != t.Kind || o.Parent != t.Parent || o.Visible != t.Visible || o.Mesh != t.Mesh || !o.Materials.SequenceEqual(t.Materials)
                || !Near3(o.Translation, t.Translation) || !Near3(o.Scale, t.Scale) || !sameRotation) return false;
        }
        var materials = b.Materials.ToDictionary(m => m.Uuid);
        foreach (var m in a.Materials)
            if (!materials.TryGetValue(m.Uuid, out var t) || m.Name != t.Name || !Near(m.Metallic, t.Metallic) || !Near(m.Roughness, t.Roughness) || !Near3(m.Emission, t.Emission)
                || !Near(m.BaseColor.X, t.BaseColor.X) || !Near(m.BaseColor.Y, t.BaseColor.Y) || !Near(m.BaseColor.Z, t.BaseColor.Z) || !Near(m.BaseColor.W, t.BaseColor.W)) return false;
        var meshes = b.Meshes.ToDictionary(m => m.Uuid);
        foreach (var m in a.Meshes)
            if (!meshes.TryGetValue(m.Uuid, out var t) || !m.Equals(t)) return false; // blob ids name ε-quantized content
        return true;
    }

    private static IEnumerable<string> DifferingUuids(Scene a, Scene b)
    {
        var theirs = b.Objects.ToDictionary(o => o.Uuid);
        return a.Objects.Where(o => !theirs.TryGetValue(o.Uuid, out var t) || !RecordHash.Of(o).AsSpan().SequenceEqual(RecordHash.Of(t))).Select(o => o.Uuid).Order(StringComparer.Ordinal);
    }

    /// <summary>Up to five records that differ, by uuid, with what differs.</summary>
    private static string Differences(Scene reality, Scene engine)
    {
        var diffs = new List<string>();
        var theirs = engine.Objects.ToDictionary(o => o.Uuid);
        foreach (var o in reality.Objects)
        {
            if (!theirs.TryGetValue(o.Uuid, out var t)) diffs.Add($"object {o.Name} ({o.Uuid}) missing");
            else if (!RecordHash.Of(o).AsSpan().SequenceEqual(RecordHash.Of(t)))
                diffs.Add($"object {o.Name} ({o.Uuid}): Reality {Describe(o)} vs engine {Describe(t)}");
        }
        var ours = reality.Objects.Select(o => o.Uuid).ToHashSet();
        diffs.AddRange(engine.Objects.Where(o => !ours.Contains(o.Uuid)).Select(o => $"object {o.Name} ({o.Uuid}) not in Reality"));
        var mats = engine.Materials.ToDictionary(m => m.Uuid);
        foreach (var m in reality.Materials)
            if (!mats.TryGetValue(m.Uuid, out var t)) diffs.Add($"material {m.Name} missing");
            else if (!RecordHash.Of(m).AsSpan().SequenceEqual(RecordHash.Of(t))) diffs.Add($"material {m.Name}: Reality {m} vs engine {t}");
        if (engine.Materials.Count != reality.Materials.Count) diffs.Add($"materials: Reality {reality.Materials.Count}, engine {engine.Materials.Count}");
        if (engine.Meshes.Count != reality.Meshes.Count) diffs.Add($"meshes: Reality {reality.Meshes.Count}, engine {engine.Meshes.Count}");
        return $"{diffs.Count} record(s) differ: " + string.Join("; ", diffs.Take(5)) + (diffs.Count > 5 ? "; …" : "");
    }

    private static string Describe(SceneObject o) =>
        $"[{o.Name} parent {o.Parent ?? "-"} t {o.Translation} r {o.Rotation} s {o.Scale} visible {o.Visible} materials {string.Join(",", o.Materials)}]";

    private static string Short(string? text) => text == null ? "-" : text.Length <= 200 ? text : text[..200] + "…";
}
