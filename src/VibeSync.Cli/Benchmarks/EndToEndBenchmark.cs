// Measures the product end to end, every part a real process on this machine: serve, headless
// Blender with the add-on, and the Unity simulator. Times across processes are wall-clock
// milliseconds stamped by each process (one machine, one clock). The baseline is the same edit sent
// to the same Blender over a bare, unsigned, unjournaled socket (the way blender-mcp works),
// interleaved with ours in one run so machine noise hits both alike.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Control;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;

namespace VibeSync.Cli.Benchmarks;

internal static partial class EndToEndBenchmark
{
    public sealed record Latency(int Samples, double P50Ms, double P99Ms, double MeanMs);

    public sealed record Result(
        Latency BlenderEditToUnityApplied, Latency BlenderEditToFinal,
        Latency IntentToAppliedInBlender, Latency BareSocketToAppliedInBlender, double OverheadP50, double OverheadP99,
        Latency ColdIntentToAppliedInBlender, Latency ColdBareSocketToAppliedInBlender,
        int Objects, double BlenderAttachToLiveSeconds, double UnityAttachToLiveSeconds, double AttachAndParitySeconds, bool Parity);

    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";

    public static async Task<Result> RunAsync(string sampleBlenderJson, int edits, int objects, Action<string> progress)
    {
        var work = Path.Combine(Path.GetTempPath(), "vibesync-bench-e2e-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            progress("building the sample scene in Blender");
            var sampleBlobs = new BlobMemory(); // the sample's inline meshes become blobs, written beside the simulator's scene
            var (blend, unityJson) = await ScenesAsync(work, "sample", sampleBlenderJson, SceneJsonReader.ReadCanonical(sampleBlenderJson, Space.Blender, sampleBlobs), sampleBlobs);
            var (toUnity, toFinal, ours, bare, coldOurs, coldBare) = await EditsAsync(Path.Combine(work, "edits"), blend, unityJson, edits, progress);

            progress($"building a {objects:N0}-object scene in Blender");
            var big = SyntheticScene.Objects(objects, seed: 20261123);
            var (bigBlend, bigUnity) = await ScenesAsync(work, "big", SceneJsonWriter.Write(big, Space.Blender), big, new BlobMemory());
            var (blenderLive, unityLive, parity) = await AttachAsync(Path.Combine(work, "attach"), bigBlend, bigUnity, progress);
            return new Result(toUnity, toFinal, ours, bare, Math.Round(ours.P50Ms / bare.P50Ms, 2), Math.Round(ours.P99Ms / bare.P99Ms, 2), coldOurs, coldBare,
                objects, blenderLive, unityLive, blenderLive + unityLive, parity);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    internal static async Task<(string Blend, string UnityJson)> ScenesAsync(string work, string name, string blenderJson, Protocol.State.Scene canonical, BlobMemory blobs)
    {
        var json = Path.Combine(work, name + ".blender.json");
        var blend = Path.Combine(work, name + ".blend");
        var unity = Path.Combine(work, name + ".unity.json");
        await File.WriteAllTextAsync(json, blenderJson);
        BlobFolder.WriteScene(unity, canonical, Space.Unity, blobs); // a scene's meshes name blobs: the simulator loads them from beside the file
        await BlenderInstall.BuildSceneAsync(json, blend);
        return (blend, unity);
    }

    private static async Task<(Latency ToUnity, Latency ToFinal, Latency Ours, Latency Bare, Latency ColdOurs, Latency ColdBare)> EditsAsync(string dir, string blend, string unityJson, int edits, Action<string> progress)
    {
        Directory.CreateDirectory(dir);
        var api = new ControlApiClient(dir);
        await using var serve = await StartServeAsync(dir);
        int barePort = FreePort();
        await using var blender = BlenderInstall.Headless(blend, "--data", dir, "--steps-from-stdin", "--bare-port", barePort.ToString());
        await UntilAsync(async () => ControlApiClient.Phase(await api.StatusAsync(), "blender") == "live", "Blender live");

        progress($"ours vs a bare socket into the same Blender: {edits} edits each, interleaved, cold and after 5 s");
        using var tcp = new TcpClient { NoDelay = true };
        await ConnectWithRetryAsync(tcp, barePort);
        var stream = tcp.GetStream();
        var reader = new StreamReader(stream);
        // A fresh orchestrator's first seconds are not its steady state (tiered JIT on 2 cores, the
        // snapshot repository's first commits): the first samples are reported apart, as "cold".
        var (coldOurs, coldBare) = (new List<double>(), new List<double>());
        var (ours, bare) = (new List<double>(), new List<double>());
        var timed = new List<TimedIntent>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; ours.Count < edits; i++)
        {
            double x = 1 + i * 0.001;
            var sw = Stopwatch.StartNew();
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"object\": \"Cube\", \"location\": [{x.ToString(System.Globalization.CultureInfo.InvariantCulture)}, 2.0, 0.5]}}\n"));
            if (await reader.ReadLineAsync() != "ok") throw new InvalidOperationException("the bare socket did not answer ok");
            double bareMs = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            double sentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var answer = await api.PostAsync("/v1/intents?actor=human:bench",
                $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [{(x + 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture)}, 0.5, -2]}}]}}");
            double oursMs = sw.Elapsed.TotalMilliseconds;
            if (answer.GetProperty("phase").GetString() is not ("PROVISIONAL" or "FINAL")) throw new InvalidOperationException("an intent was not applied: " + answer);
            if (coldOurs.Count < edits) { coldOurs.Add(oursMs); coldBare.Add(bareMs); }
            else if (clock.Elapsed > TimeSpan.FromSeconds(5))
            {
                ours.Add(oursMs);
                bare.Add(bareMs);
                timed.Add(new TimedIntent(sentAt, oursMs, bareMs, answer.GetProperty("intent").GetUInt64()));
            }
        }
        foreach (var line in StallTrace.Explain(timed, serve.Json().ToList())) progress(line);
        await Task.Delay(600); // let the last batch settle

        progress("the Unity simulator attaches");
        await using var unity = ChildProcess.Self("unity", "sim-unity", "--data", dir, "--scene", unityJson, "--steps-from-stdin", "--trace-applies");
        try { await UntilAsync(async () => ControlApiClient.Phase(await api.StatusAsync(), "unity") == "live", "Unity live"); }
        catch (TimeoutException)
        {
            // Say why (the status, the simulator's and serve's last words), not only that it timed out.
            progress("Unity did not become live; status: " + await api.StatusAsync());
            foreach (var line in unity.Lines.TakeLast(15).Concat(serve.Lines.TakeLast(25))) progress("  " + line);
            throw;
        }

        progress($"Blender edit → applied in Unity and → FINAL: {edits} edits");
        var toUnity = new List<double>();
        var toFinal = new List<double>();
        for (int i = 0; i < edits; i++)
        {
            var (unityMs, finalMs) = await EditToAppliedAsync(serve, blender, unity, 3 + i * 0.01, final: true);
            toUnity.Add(unityMs);
            toFinal.Add(finalMs);
            await Task.Delay(100); // separate edits, not a drag
        }
        return (Stats(toUnity), Stats(toFinal), Stats(ours), Stats(bare), Stats(coldOurs), Stats(coldBare));
    }

    /// <summary>
    /// One Cube move in <paramref name="blender"/> → applied in <paramref name="unity"/> (ms, both
    /// stamped by the processes), and with <paramref name="final"/> → FINAL in serve's journal (else 0).
    /// </summary>
    internal static async Task<(double ToUnity, double ToFinal)> EditToAppliedAsync(ChildProcess serve, ChildProcess blender, ChildProcess unity, double x, bool final)
    {
        int played = Events(blender, "edit_played").Count(), applied = Events(unity, "applied").Count();
        blender.Step(new Dictionary<string, object> { ["object"] = "Cube", ["location"] = new[] { x, 2.0, 0.5 } });
        JsonElement playedEvent = default, appliedEvent = default;
        await UntilAsync(() =>
        {
            playedEvent = Events(blender, "edit_played").Skip(played).FirstOrDefault();
            appliedEvent = Events(unity, "applied").Skip(applied).FirstOrDefault();
            return Task.FromResult(playedEvent.ValueKind == JsonValueKind.Object && appliedEvent.ValueKind == JsonValueKind.Object);
        }, "the edit to be applied in Unity");
        double t0 = playedEvent.GetProperty("t").GetDouble();
        double toUnity = appliedEvent.GetProperty("t").GetDouble() - t0;
        if (!final) return (toUnity, 0);
        ulong intent = ulong.Parse(IntentOf().Match(appliedEvent.GetProperty("body").GetString()!).Groups[1].Value);
        JsonElement done = default;
        await UntilAsync(() =>
        {
            done = serve.Json().FirstOrDefault(e => e.TryGetProperty("phase", out var ph) && ph.GetString() == "FINAL"
                && e.TryGetProperty("intent_id", out var id) && id.GetUInt64() == intent);
            return Task.FromResult(done.ValueKind == JsonValueKind.Object);
        }, $"intent {intent} to be FINAL");
        return (toUnity, done.GetProperty("timestamp").GetInt64() - t0);
    }

    private static async Task<(double Blender, double Unity, bool Parity)> AttachAsync(string dir, string blend, string unityJson, Action<string> progress)
    {
        Directory.CreateDirectory(dir);
        var api = new ControlApiClient(dir);
        await using var serve = await StartServeAsync(dir);
        progress("attach + parity: Blender opens the scene and seeds Reality");
        var sw = Stopwatch.StartNew();
        await using var blender = BlenderInstall.Headless(blend, "--data", dir);
        await UntilAsync(async () => ControlApiClient.Phase(await api.StatusAsync(), "blender") == "live", "Blender live", TimeSpan.FromMinutes(3));
        double blenderSeconds = sw.Elapsed.TotalSeconds;
        progress("attach + parity: the Unity simulator pairs with Reality");
        sw.Restart();
        await using var unity = ChildProcess.Self("unity", "sim-unity", "--data", dir, "--scene", unityJson);
        string phase = "";
        await UntilAsync(async () => (phase = ControlApiClient.Phase(await api.StatusAsync(), "unity")) is "live" or "blocked", "Unity live or blocked", TimeSpan.FromMinutes(3));
        return (blenderSeconds, sw.Elapsed.TotalSeconds, phase == "live");
    }

    internal static async Task<ChildProcess> StartServeAsync(string dir, params string[] options)
    {
        Environment.SetEnvironmentVariable(RuntimeTrace.Variable, "1"); // its GC pauses and thread-pool adjustments, for StallTrace
        var serve = ChildProcess.Self("serve", ["serve", "--data", dir, .. options]);
        await UntilAsync(() => Task.FromResult(Orchestrator.Control.ServerInfo.Read(dir) != null), "serve to start");
        return serve;
    }

    internal static IEnumerable<JsonElement> Events(ChildProcess p, string name) =>
        p.Json().Where(e => e.TryGetProperty("event", out var ev) && ev.GetString() == name);

    internal static async Task UntilAsync(Func<Task<bool>> done, string what, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try { if (await done()) return; }
            catch (Exception e) when (e is ControlApiException or HttpRequestException or IOException) { }
            if (sw.Elapsed > (timeout ?? TimeSpan.FromSeconds(60))) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(2);
        }
    }

    private static async Task ConnectWithRetryAsync(TcpClient tcp, int port)
    {
        for (int i = 0; ; i++)
        {
            try { await tcp.ConnectAsync(IPAddress.Loopback, port); return; }
            catch (SocketException) when (i < 100) { await Task.Delay(50); }
        }
    }

    internal static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    internal static Latency Stats(List<double> samples)
    {
        var a = samples.ToArray();
        return new Latency(a.Length, Math.Round(Percentiles.Of(a, 0.5), 2), Math.Round(Percentiles.Of(a, 0.99), 2), Math.Round(a.Average(), 2));
    }

    [GeneratedRegex("\"intent\": (\\d+)")]
    internal static partial Regex IntentOf();
}
