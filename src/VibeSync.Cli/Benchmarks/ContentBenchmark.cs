// Issue #17's performance goals, measured in one run with every part a real process: serve, headless
// Blender with the add-on on a .blend that samples/heavy_mesh.py builds (a big smooth grid with one
// UV map, and a cube), and the Unity simulator. Times across processes are wall-clock milliseconds
// stamped by each process (one machine, one clock): Blender's "attaching" and "edit_played", the
// simulator's "applied" (--trace-applies: when it answered the APPLY), serve's log lines. Blender's
// own glTF exporter is timed on the same file in the same run, as the yardstick for the attach.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VibeSync.Blobs;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Control;
using VibeSync.Protocol.Blobs;
using static VibeSync.Cli.Benchmarks.EndToEndBenchmark;

namespace VibeSync.Cli.Benchmarks;

internal static partial class ContentBenchmark
{
    /// <summary>One goal of the issue: the figure, its limit, and whether it was met.</summary>
    public sealed record Goal(string Name, double Figure, double Limit, string Unit, bool Met);

    /// <summary>
    /// The attach taken apart by the processes' own stamps (ms after Blender's "attaching"): the last
    /// blob stored, and the last blob sent on to the simulator (forwarded while it arrived, or served
    /// for the adoption's APPLY), beside the scene's admission and the APPLY's answer.
    /// </summary>
    public sealed record AttachPhases(double SessionStartMs, double BlobsAskedMs, double BlobsStoredMs, double SceneAdmittedMs, double BlobsSentToUnityMs, double AppliedInUnityMs, double BothLiveMs);

    /// <summary>
    /// A vertex edit taken apart (medians, ms): Blender's detection, read, hash and EDIT until serve
    /// asks for its blobs; the changed blobs sent and stored durably; the intent until the simulator
    /// answered its APPLY (journal, APPLY, building the mesh; the blobs forwarded meanwhile). Taken
    /// apart further: from stored until the intent is journaled PROVISIONAL (validated, admitted),
    /// and until the last blob went out to the simulator (negative: before the store had them all).
    /// </summary>
    public sealed record VertexEditPhases(int Samples, double BlenderUntilBlobsAskedMs, double BlobsUntilStoredMs, double StoredUntilAppliedInUnityMs,
        double StoredUntilAdmittedMs, double StoredUntilSentToUnityMs);

    /// <summary>
    /// The slowest transform edits of each object (ms, slowest first), which decide the p99s: on a
    /// shared machine they are scheduling stalls that fall on either object, not work the big mesh adds.
    /// </summary>
    public sealed record TransformOutliers(IReadOnlyList<double> HeavyMs, IReadOnlyList<double> CubeMs);

    /// <summary>What moved on the link and in the store while the transform edits ran: all must be 0.</summary>
    public sealed record BlobTraffic(int BlobWants, int BlobsStored, int BlobsServed, int StoreFilesAdded);

    public sealed record Result(
        int Vertices, int Triangles, long PayloadBytes,
        double GltfExportSeconds, long GltfBytes,
        double AttachToLiveSeconds, double AttachToExportRatio, AttachPhases AttachPhases,
        Latency VertexEdit, VertexEditPhases? VertexEditPhases, Latency HeavyTransformEdit, Latency CubeTransformEdit, double TransformP99Ratio, TransformOutliers SlowestTransformEdits, BlobTraffic DuringTransformEdits,
        double ServeIdleRssMib, double ServePeakRssMib, double ServeRssGrowthMib, double RssGrowthToPayload, bool PeakReset,
        double HashMedianMs, double HashMinMs, double Sha256AloneMedianMs, int HashRuns, int HashedBlobs,
        IReadOnlyList<Goal> Goals);

    public static async Task<Result> RunAsync(int vertices, int edits, Action<string> progress)
    {
        var work = Path.Combine(Path.GetTempPath(), "vibesync-bench-content-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var blend = Path.Combine(work, "heavy.blend");
            progress($"building the scene in Blender: a {vertices:N0}-vertex mesh with normals and one UV map, and a cube");
            await SampleAsync("heavy_mesh.py", null, "build", blend, vertices.ToString(CultureInfo.InvariantCulture));
            progress("Blender's own glTF exporter on the same file");
            var export = await SampleAsync("heavy_mesh.py", blend, "export", Path.Combine(work, "heavy.glb"));
            double exportSeconds = export.GetProperty("seconds").GetDouble();
            long exportBytes = export.GetProperty("bytes").GetInt64();

            var dir = Path.Combine(work, "data");
            var (started, startedUnity, api) = await ServeWithEmptyUnityAsync(work, dir, progress);
            await using var serve = started;
            await using var unity = startedUnity;
            await Task.Delay(1000); // idle: JIT and start-up settled
            double idleRss = Rss(serve.Pid, "VmRSS");
            bool reset = ResetPeak(serve.Pid);

            progress("Blender attaches: attach → both live with the mesh in the simulator");
            await using var blender = BlenderInstall.Headless(blend, "--data", dir, "--steps-from-stdin");
            await UntilAsync(() => Task.FromResult(Events(blender, "attaching").Any()), "Blender to load the file", TimeSpan.FromMinutes(3));
            double t0 = Events(blender, "attaching").First().GetProperty("t").GetDouble();
            await UntilAsync(async () => InParity(await api.StatusAsync(), objects: 2), "both engines live with the scene", TimeSpan.FromMinutes(3));
            double live = NowMs();
            double peakRss = Rss(serve.Pid, "VmHWM");
            var phases = new AttachPhases(
                Round(ServeEvent(serve, "session_start", "blender") - t0), Round(ServeEvent(serve, "blob_want", "blender") - t0),
                Round(LastServeEvent(serve, "blob", "blender") - t0), Round(ServeEvent(serve, "scene", "blender") - t0),
                Round(LastServeEvent(serve, "blob_served", "unity") - t0), Round(Events(unity, "applied").Last().GetProperty("t").GetDouble() - t0), Round(live - t0));
            double attachSeconds = (live - t0) / 1000.0;

            progress("C# hashing of the mesh's blobs (as read from serve's store)");
            var reality = await api.StateAsync("reality");
            var heavyMesh = reality.Meshes.Single(m => m.Uuid == reality.Objects.Single(o => o.Name == "Heavy").Mesh);
            var store = BlobStore.Open(Path.Combine(dir, "blobs"));
            var blobs = heavyMesh.BlobIds().Distinct().Select(store.Read).ToArray();
            long payload = blobs.Sum(b => (long)b.Payload.Length);
            int triangles = (int)(blobs.Where(b => b.Shape.Element == BlobElement.U32).Sum(b => b.Shape.Count) / 3);
            var hashMs = HashRuns(blobs, heavyMesh.BlobIds().Distinct().ToArray(), runs: 7);
            var shaMs = ShaOnlyRuns(blobs, runs: 7);

            progress($"every vertex moved in Blender → applied in Unity: {edits} edits");
            var vertexEdit = new List<double>();
            var (inBlender, toStore, toUnity) = (new List<double>(), new List<double>(), new List<double>());
            var (toAdmitted, toSent) = (new List<double>(), new List<double>());
            for (int i = 0; i < edits; i++)
            {
                var (played, applied) = await EditTimesAsync(blender, unity, new Dictionary<string, object> { ["mesh"] = "Heavy", ["offset"] = new[] { 0.0, 0.0, 0.01 } });
                vertexEdit.Add(applied - played);
                // Where the time went, by serve's own stamps: the EDIT's blobs asked for, the last of them stored.
                var lines = serve.Json().ToList();
                var between = lines.Where(e => e.TryGetProperty("ts", out var ts) && ts.GetInt64() >= played - 1 && ts.GetInt64() <= applied + 1
                    && e.TryGetProperty("engine", out var en) && en.ValueKind == JsonValueKind.String).ToList();
                bool Is(JsonElement e, string @event, string engine) => e.GetProperty("event").GetString() == @event && e.GetProperty("engine").GetString() == engine;
                var asked = between.FirstOrDefault(e => Is(e, "blob_want", "blender"));
                var stored = between.LastOrDefault(e => Is(e, "blob", "blender"));
                var sent = between.LastOrDefault(e => Is(e, "blob_served", "unity"));
                var admitted = lines.FirstOrDefault(e => e.TryGetProperty("phase", out var ph) && ph.GetString() == "PROVISIONAL"
                    && e.GetProperty("timestamp").GetInt64() >= played - 1 && e.GetProperty("operations").EnumerateArray().Any(o => o.GetString() == "replace_mesh"));
                if (asked.ValueKind == JsonValueKind.Object && stored.ValueKind == JsonValueKind.Object)
                {
                    long storedTs = stored.GetProperty("ts").GetInt64();
                    inBlender.Add(asked.GetProperty("ts").GetInt64() - played);
                    toStore.Add(storedTs - asked.GetProperty("ts").GetInt64());
                    toUnity.Add(applied - storedTs);
                    if (admitted.ValueKind == JsonValueKind.Object) toAdmitted.Add(admitted.GetProperty("timestamp").GetInt64() - storedTs);
                    if (sent.ValueKind == JsonValueKind.Object) toSent.Add(sent.GetProperty("ts").GetInt64() - storedTs);
                }
                await UntilAsync(async () => InParity(await api.StatusAsync(), objects: 2), "both engines live after the edit", TimeSpan.FromMinutes(2));
            }
            var vertexPhases = inBlender.Count == 0 ? null
                : new VertexEditPhases(inBlender.Count, Median(inBlender), Median(toStore), Median(toUnity),
                    toAdmitted.Count == 0 ? double.NaN : Median(toAdmitted), toSent.Count == 0 ? double.NaN : Median(toSent));

            progress($"transform edits of the heavy mesh's object and of the cube, interleaved: {edits * 10} each");
            var before = (Traffic(serve), StoreFiles(dir));
            var heavy = new List<double>();
            var cube = new List<double>();
            for (int i = 0; i < edits * 10; i++)
            {
                double x = 1 + i * 0.01;
                heavy.Add(await EditAsync(blender, unity, new Dictionary<string, object> { ["object"] = "Heavy", ["location"] = new[] { x, 0.0, 0.0 } }));
                await Task.Delay(100); // separate edits, not a drag
                cube.Add(await EditAsync(blender, unity, new Dictionary<string, object> { ["object"] = "Cube", ["location"] = new[] { x, 0.0, 3.0 } }));
                await Task.Delay(100);
            }
            await Task.Delay(600); // the last batch's verification reads
            var after = (Traffic(serve), StoreFiles(dir));
            var traffic = new BlobTraffic(after.Item1.Wants - before.Item1.Wants, after.Item1.Stored - before.Item1.Stored,
                after.Item1.Served - before.Item1.Served, after.Item2 - before.Item2);

            var (v, h, c) = (Stats(vertexEdit), Stats(heavy), Stats(cube));
            double growth = peakRss - idleRss;
            double exportRatio = Math.Round(attachSeconds / exportSeconds, 3);
            double transformRatio = Math.Round(h.P99Ms / c.P99Ms, 3);
            double rssRatio = Math.Round(growth / payload, 3);
            double hashMedian = Math.Round(Percentiles.Of(hashMs, 0.5), 2);
            int moved = traffic.BlobWants + traffic.BlobsStored + traffic.BlobsServed + traffic.StoreFilesAdded;
            var goals = new[]
            {
                new Goal("attach_to_live", Math.Round(attachSeconds, 3), 2, "s", attachSeconds <= 2),
                new Goal("attach_vs_gltf_export", exportRatio, 0.5, "x", exportRatio <= 0.5),
                new Goal("vertex_edit_p50", v.P50Ms, 1000, "ms", v.P50Ms <= 1000),
                new Goal("transform_p99_vs_cube", transformRatio, 1.2, "x", transformRatio <= 1.2),
                new Goal("blob_traffic_during_transform_edits", moved, 0, "frames/writes", moved == 0),
                new Goal("serve_rss_growth_vs_payload", rssRatio, 3, "x", rssRatio <= 3),
                new Goal("hash_mesh_blobs", hashMedian, 100, "ms", hashMedian <= 100),
            };
            return new Result(heavyMesh.VertexCount, triangles, payload, Math.Round(exportSeconds, 3), exportBytes,
                Math.Round(attachSeconds, 3), exportRatio, phases, v, vertexPhases, h, c, transformRatio, new TransformOutliers(Slowest(heavy), Slowest(cube)), traffic,
                MiB(idleRss), MiB(peakRss), MiB(growth), rssRatio, reset,
                hashMedian, Math.Round(hashMs.Min(), 2), Math.Round(Percentiles.Of(shaMs, 0.5), 2), hashMs.Length, blobs.Length, goals);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Plays one step in Blender; ms from its "edit_played" stamp to the simulator's next "applied" stamp.</summary>
    private static async Task<double> EditAsync(ChildProcess blender, ChildProcess unity, Dictionary<string, object> step)
    {
        var (played, applied) = await EditTimesAsync(blender, unity, step);
        return applied - played;
    }

    /// <summary>Plays one step in Blender: its "edit_played" stamp and the simulator's next "applied" stamp (wall-clock ms).</summary>
    private static async Task<(double Played, double Applied)> EditTimesAsync(ChildProcess blender, ChildProcess unity, Dictionary<string, object> step)
    {
        int played = Events(blender, "edit_played").Count(), applied = Events(unity, "applied").Count();
        blender.Step(step);
        JsonElement p = default, a = default;
        await UntilAsync(() =>
        {
            p = Events(blender, "edit_played").Skip(played).FirstOrDefault();
            a = Events(unity, "applied").Skip(applied).FirstOrDefault();
            return Task.FromResult(p.ValueKind == JsonValueKind.Object && a.ValueKind == JsonValueKind.Object);
        }, "the edit to be applied in Unity", TimeSpan.FromMinutes(2));
        return (p.GetProperty("t").GetDouble(), a.GetProperty("t").GetDouble());
    }

    /// <summary>Both engines live at Reality's root, Reality holding <paramref name="objects"/> objects.</summary>
    private static bool InParity(JsonElement status, int objects)
    {
        var sync = status.GetProperty("sync");
        string root = sync.GetProperty("reality_root").GetString()!;
        return sync.GetProperty("objects").GetInt32() == objects && sync.GetProperty("pending").GetArrayLength() == 0
            && sync.GetProperty("engines").EnumerateArray().All(e => e.GetProperty("phase").GetString() == "live" && e.GetProperty("parity_root").GetString() == root);
    }

    /// <summary>Median-able times (ms) of hashing every blob of the mesh from its bytes: the C# BlobId, quantization included.</summary>
    private static double[] HashRuns((BlobShape Shape, byte[] Payload)[] blobs, string[] ids, int runs)
    {
        var times = new double[runs];
        for (int r = -1; r < runs; r++) // one warm-up
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < blobs.Length; i++)
                if (BlobId.Of(blobs[i].Shape, blobs[i].Payload) != ids[i]) throw new InvalidOperationException($"blob {ids[i]} does not hash to its name");
            if (r >= 0) times[r] = sw.Elapsed.TotalMilliseconds;
        }
        return times;
    }

    /// <summary>
    /// The floor under <see cref="HashRuns"/>: SHA-256 alone over as many bytes as the names hash
    /// (a float is hashed as its quantized i64, 8 bytes; an index as its 4), without quantizing.
    /// </summary>
    private static double[] ShaOnlyRuns((BlobShape Shape, byte[] Payload)[] blobs, int runs)
    {
        var doubled = blobs.Select(b => b.Shape.Element == BlobElement.F32 ? new byte[b.Payload.Length * 2] : b.Payload).ToArray();
        var times = new double[runs];
        for (int r = -1; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var bytes in doubled) System.Security.Cryptography.SHA256.HashData(bytes);
            if (r >= 0) times[r] = sw.Elapsed.TotalMilliseconds;
        }
        return times;
    }

    /// <summary>serve's blob log lines so far: wants sent, blobs received and stored, blobs served (a line per blob, standing for its BLOB_CHUNK frames).</summary>
    /// <summary>
    /// serve on a fresh data directory <paramref name="dir"/> under <paramref name="work"/>, and the
    /// simulator attached to it on an empty scene, live (both stopped again if it does not get there).
    /// </summary>
    private static async Task<(ChildProcess Serve, ChildProcess Unity, ControlApiClient Api)> ServeWithEmptyUnityAsync(string work, string dir, Action<string> progress, string prefix = "")
    {
        Directory.CreateDirectory(dir);
        var empty = Path.Combine(work, "empty.unity.json");
        await File.WriteAllTextAsync(empty, "{\"objects\": [], \"materials\": [], \"meshes\": []}");
        var serve = await StartServeAsync(dir);
        progress(prefix + "the Unity simulator attaches (an empty scene)");
        var unity = ChildProcess.Self("unity", "sim-unity", "--data", dir, "--scene", empty, "--steps-from-stdin", "--trace-applies");
        try
        {
            var api = new ControlApiClient(dir);
            await UntilAsync(async () => ControlApiClient.Phase(await api.StatusAsync(), "unity") == "live", "Unity live", TimeSpan.FromMinutes(1));
            return (serve, unity, api);
        }
        catch
        {
            await unity.DisposeAsync();
            await serve.DisposeAsync();
            throw;
        }
    }

    private static (int Wants, int Stored, int Served) Traffic(ChildProcess serve)
    {
        var names = serve.Json().Where(e => e.TryGetProperty("event", out _)).Select(e => e.GetProperty("event").GetString()).ToList();
        return (names.Count(n => n == "blob_want"), names.Count(n => n == "blob"), names.Count(n => n == "blob_served"));
    }

    private static int StoreFiles(string dir) =>
        Directory.EnumerateFiles(Path.Combine(dir, "blobs"), "*", SearchOption.AllDirectories).Count();

    private static double ServeEvent(ChildProcess serve, string name, string engine) => ServeTimes(serve, name, engine).First();

    /// <summary>The last stamp of one serve log event for one engine so far (NaN: none).</summary>
    private static double LastServeEvent(ChildProcess serve, string name, string engine) => ServeTimes(serve, name, engine).DefaultIfEmpty(double.NaN).Last();

    /// <summary>serve's "ts" stamps of one log event for one engine, in order.</summary>
    private static IEnumerable<double> ServeTimes(ChildProcess serve, string name, string engine) =>
        serve.Json().Where(e => e.TryGetProperty("event", out var ev) && ev.GetString() == name
            && e.TryGetProperty("engine", out var en) && en.ValueKind == JsonValueKind.String && en.GetString() == engine).Select(e => (double)e.GetProperty("ts").GetInt64());

    /// <summary>A /proc/PID/status size in bytes (VmRSS now, VmHWM the peak).</summary>
    private static double Rss(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return double.Parse(Kilobytes().Match(line).Groups[1].Value, CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Resets the process's peak RSS (clear_refs 5), so VmHWM afterwards is the attach's peak; false where the kernel refuses.</summary>
    private static bool ResetPeak(int pid)
    {
        try { File.WriteAllText($"/proc/{pid}/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Runs samples/<paramref name="sample"/> in Blender (on <paramref name="blend"/> when given); its last JSON line.</summary>
    private static async Task<JsonElement> SampleAsync(string sample, string? blend, params string[] args)
    {
        var script = Path.GetFullPath(Path.Combine(BlenderInstall.AdapterDirectory()!, "..", "..", "samples", sample));
        using var p = BlenderInstall.Start(script, args, blend);
        var errors = p.StandardError.ReadToEndAsync();
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        var last = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        if (p.ExitCode != 0 || last == null) throw new InvalidOperationException($"{sample} {string.Join(' ', args)} failed: {(await errors).Trim()}\n{output.Trim()}");
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    private static IReadOnlyList<double> Slowest(List<double> samples) => samples.OrderByDescending(s => s).Take(3).Select(s => Math.Round(s, 1)).ToList();

    private static double Median(List<double> samples) => Math.Round(Percentiles.Of(samples.ToArray(), 0.5), 1);

    private static double NowMs() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    private static double Round(double ms) => Math.Round(ms, 1);

    private static double MiB(double bytes) => Math.Round(bytes / (1024 * 1024), 1);

    [GeneratedRegex(@"(\d+)\s*kB")]
    private static partial Regex Kilobytes();
}
