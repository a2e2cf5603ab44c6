// Issue #18's performance goals, as cases of `bench content` beside #17's mesh: a 4096² PNG texture
// assigned in Blender until the simulator applied it, and re-attaching on the same file; 100 materials
// sharing 10 textures attached; light and camera parameter edits. Every part a real process (serve,
// headless Blender on a .blend that samples/textured_scenes.py builds, sim-unity --trace-applies),
// times from the processes' own wall-clock stamps, image transfers counted from serve's per-blob log
// lines ("blob": received from an adapter and stored; "blob_served": sent to one) by the image records'
// blob ids in Reality.
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Control;
using static VibeSync.Cli.Benchmarks.EndToEndBenchmark;

namespace VibeSync.Cli.Benchmarks;

internal static partial class ContentBenchmark
{
    /// <summary>
    /// Where a texture's time went (ms after Blender's "edit_played"): serve asked Blender for the
    /// image's blob, stored it, journaled the intent naming it (PROVISIONAL: validated, admitted), sent
    /// the blob's last chunk to the simulator, and the simulator answered the APPLY.
    /// </summary>
    public sealed record TexturePhases(double BlobAskedMs, double StoredMs, double AdmittedMs, double ServedToUnityMs, double AppliedInUnityMs);

    /// <summary>Image blobs that crossed each leg (count and bytes), serve's BLOB_WANTs to Blender, and files added to the store.</summary>
    public sealed record ImageTraffic(int FromBlender, long BytesFromBlender, int ToUnity, long BytesToUnity, int BlobWantsToBlender, int StoreFilesAdded)
    {
        /// <summary>What moved between two readings.</summary>
        public static ImageTraffic operator -(ImageTraffic after, ImageTraffic before) => new(
            after.FromBlender - before.FromBlender, after.BytesFromBlender - before.BytesFromBlender, after.ToUnity - before.ToUnity,
            after.BytesToUnity - before.BytesToUnity, after.BlobWantsToBlender - before.BlobWantsToBlender, after.StoreFilesAdded - before.StoreFilesAdded);
    }

    /// <summary>The 4096² texture case: assigned → applied, then Blender re-attaching to the same file.</summary>
    public sealed record TextureResult(int Width, int Height, long PngBytes, double TextureToUnitySeconds, TexturePhases Phases,
        double ReattachToLiveSeconds, ImageTraffic DuringReattach, IReadOnlyList<Goal> Goals);

    /// <summary>The shared textures case: a scene of <paramref name="Materials"/> materials over <paramref name="Textures"/> images attached.</summary>
    public sealed record MaterialsResult(int Materials, int Textures, int TextureSize, long ImageBytes, int ImagesInReality, double AttachToLiveSeconds,
        ImageTraffic DuringAttach, IReadOnlyList<Goal> Goals);

    /// <summary>The light and camera case: parameter edits in Blender → applied in the simulator, by kind and all together.</summary>
    /// <remarks><paramref name="ParityLost"/>: serve's PARITY_LOST lines by 2.5 s after the last edit (each a resync of an engine).</remarks>
    /// <remarks><paramref name="CubeTransformEdit"/>: the yardstick, a cube's location edits interleaved with them (the same path as issue #8's goal).</remarks>
    public sealed record LightsResult(Latency LightEnergyEdit, Latency LightColorEdit, Latency CameraLensEdit, Latency AllEdits,
        IReadOnlyList<double> SlowestMs, Latency CubeTransformEdit, IReadOnlyList<double> SlowestCubeMs, int ParityLost, IReadOnlyList<Goal> Goals);

    /// <summary>
    /// A <paramref name="size"/>² PNG linked to a material's Base Color in Blender → the simulator
    /// answered the APPLY that carried it (goal ≤ 1 s); then Blender saves, stops, and opens the same
    /// file again: no image byte may cross (goal 0).
    /// </summary>
    public static async Task<TextureResult> TextureAsync(int size, Action<string> progress)
    {
        await using var run = await LooksRun.StartAsync("texture", progress, $"a cube with an untextured material and a {size}² PNG beside the file", size.ToString(CultureInfo.InvariantCulture));
        string png = run.Built.GetProperty("images")[0].GetProperty("file").GetString()!;
        long pngBytes = run.Built.GetProperty("images")[0].GetProperty("bytes").GetInt64();
        await run.AttachBlenderAsync(objects: 1);

        progress("the PNG loaded and linked to the material's Base Color in Blender → applied in the simulator");
        int appliedBefore = Events(run.Unity, "applied").Count();
        var (played, _) = await PlayAsync(run.Blender, new Dictionary<string, object> { ["material"] = "Textured", ["base_color_texture"] = png });
        await UntilAsync(async () => InParity(await run.Api.StatusAsync(), 1) && (await run.Api.StateAsync("reality")).Images.Count == 1,
            "the texture in Reality and both engines at parity", TimeSpan.FromMinutes(2));
        var reality = await run.Api.StateAsync("reality");
        var image = reality.Images.Single();
        var textured = reality.Materials.Single(m => m.Name == "Textured");
        if (textured.Texture(VibeSync.Protocol.State.TextureSlot.BaseColor)?.Image != image.Uuid) throw new InvalidOperationException("the material's base colour texture did not reach Reality");
        double applied = Events(run.Unity, "applied").Skip(appliedBefore).Last().GetProperty("t").GetDouble();
        var lines = run.BlobLines().Where(l => l.Ts >= played - 1 && l.Blob == image.Blob).ToList();
        var phases = new TexturePhases(
            Round(ServeTimes(run.Serve, "blob_want", "blender").First(t => t >= played - 1) - played),
            Round(lines.First(l => l.Event == "blob" && l.Engine == "blender").Ts - played),
            Round(run.Serve.Json().First(e => e.TryGetProperty("phase", out var ph) && ph.GetString() == "PROVISIONAL" && e.GetProperty("timestamp").GetInt64() >= played - 1
                && e.GetProperty("operations").EnumerateArray().Any(o => o.GetString() == "create_image")).GetProperty("timestamp").GetInt64() - played),
            Round(lines.First(l => l.Event == "blob_served" && l.Engine == "unity").Ts - played),
            Round(applied - played));
        double toUnity = (applied - played) / 1000.0;

        progress("Blender saves, stops and opens the same file again: no image byte may cross");
        await PlayAsync(run.Blender, new Dictionary<string, object> { ["save"] = run.Blend });
        var before = run.Traffic(new HashSet<string> { image.Blob });
        await run.Blender.DisposeAsync();
        await UntilAsync(async () => ControlApiClient.Phase(await run.Api.StatusAsync(), "blender") != "live", "Blender to leave", TimeSpan.FromMinutes(1));
        double reattach = await run.AttachBlenderAsync(objects: 1);
        await Task.Delay(600); // the attach's verification reads
        var during = run.Traffic(new HashSet<string> { image.Blob }) - before;
        long moved = during.BytesFromBlender + during.BytesToUnity;
        var goals = new[]
        {
            new Goal("texture_to_unity", Math.Round(toUnity, 3), 1, "s", toUnity <= 1),
            new Goal("reattach_image_bytes", moved, 0, "bytes", moved == 0),
        };
        return new TextureResult(image.Width, image.Height, pngBytes, Math.Round(toUnity, 3), phases, Math.Round(reattach, 3), during, goals);
    }

    /// <summary><paramref name="materials"/> materials sharing <paramref name="textures"/> images attach: each image crosses each leg once (goal: exactly <paramref name="textures"/>).</summary>
    public static async Task<MaterialsResult> MaterialsAsync(int materials, int textures, int size, Action<string> progress)
    {
        await using var run = await LooksRun.StartAsync("materials", progress, $"{materials} materials sharing {textures} textures of {size}², one quad each",
            size.ToString(CultureInfo.InvariantCulture), textures.ToString(CultureInfo.InvariantCulture), materials.ToString(CultureInfo.InvariantCulture));
        long imageBytes = run.Built.GetProperty("images").EnumerateArray().Sum(i => i.GetProperty("bytes").GetInt64());
        var before = run.Traffic(new HashSet<string>());
        double attach = await run.AttachBlenderAsync(objects: materials);
        await Task.Delay(600); // the attach's verification reads
        var reality = await run.Api.StateAsync("reality");
        var blobs = reality.Images.Select(i => i.Blob).ToHashSet(StringComparer.Ordinal);
        var during = run.Traffic(blobs) - before;
        var goals = new[]
        {
            new Goal("image_transfers_blender_to_serve", during.FromBlender, textures, "transfers (exactly)", during.FromBlender == textures),
            new Goal("image_transfers_serve_to_unity", during.ToUnity, textures, "transfers (exactly)", during.ToUnity == textures),
        };
        return new MaterialsResult(materials, textures, size, imageBytes, reality.Images.Count, Math.Round(attach, 3), during, goals);
    }

    /// <summary>
    /// <paramref name="edits"/> paced parameter edits in Blender, in turn a spot light's energy, its
    /// colour and a camera's focal length, each from "edit_played" to the simulator's "applied" (goal p99 ≤ 50 ms),
    /// each followed by a cube's location edit timed the same way (on a shared machine, the yardstick).
    /// </summary>
    public static async Task<LightsResult> LightsAsync(int edits, Action<string> progress)
    {
        await using var run = await LooksRun.StartAsync("lights", progress, "a spot light, a camera and a cube");
        await run.AttachBlenderAsync(objects: 3);
        progress($"{edits} light and camera parameter edits in Blender → applied in the simulator, each followed by a cube's transform edit");
        // Energies from 600 W: the sample's lamp has 500 W, and an edit to the same value is no edit.
        var (energy, color, lens, all, cube) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (int i = 0; i < edits; i++)
        {
            var (step, into) = (i % 3) switch
            {
                0 => (new Dictionary<string, object> { ["light"] = "Lamp", ["energy"] = 600.0 + i }, energy),
                1 => (new Dictionary<string, object> { ["light"] = "Lamp", ["color"] = new[] { 1.0, 0.9 - i * 0.001, 0.8 } }, color),
                _ => (new Dictionary<string, object> { ["camera"] = "Camera", ["lens"] = 50.0 + i * 0.1 }, lens),
            };
            double ms = await EditAsync(run.Blender, run.Unity, step);
            into.Add(ms);
            all.Add(ms);
            await Task.Delay(100); // separate edits, not a drag
            cube.Add(await EditAsync(run.Blender, run.Unity, new Dictionary<string, object> { ["object"] = "Cube", ["location"] = new[] { 0.01 * (i + 1), 0.0, 0.0 } }));
            await Task.Delay(100);
        }
        var stats = Stats(all);
        var goals = new[] { new Goal("light_camera_edit_p99", stats.P99Ms, 50, "ms", stats.P99Ms <= 50) };
        await Task.Delay(2500); // serve checks Blender's read once its human's edits went quiet: a lost parity shows after that
        int parityLost = run.Serve.Json().Count(e => e.TryGetProperty("event", out var ev) && ev.GetString() == "parity_lost");
        return new LightsResult(Stats(energy), Stats(color), Stats(lens), stats, Slowest(all), Stats(cube), Slowest(cube), parityLost, goals);
    }

    /// <summary>Plays one step in Blender and waits for its "edit_played": (its stamp, the step's event).</summary>
    private static async Task<(double Played, JsonElement Event)> PlayAsync(ChildProcess blender, Dictionary<string, object> step)
    {
        int played = Events(blender, "edit_played").Count();
        blender.Step(step);
        JsonElement p = default;
        await UntilAsync(() =>
        {
            p = Events(blender, "edit_played").Skip(played).FirstOrDefault();
            if (p.ValueKind != JsonValueKind.Object && Events(blender, "error").Any(e => e.GetProperty("message").GetString()!.Contains("could not be played", StringComparison.Ordinal)))
                throw new InvalidOperationException(Events(blender, "error").Last().GetProperty("message").GetString());
            return Task.FromResult(p.ValueKind == JsonValueKind.Object);
        }, "Blender to play the step", TimeSpan.FromMinutes(1));
        return (p.GetProperty("t").GetDouble(), p);
    }

    /// <summary>One serve log line about one blob: received from an adapter ("blob") or sent to one ("blob_served").</summary>
    private sealed record BlobLine(string Event, string Engine, string Blob, long Bytes, long Ts);

    /// <summary>
    /// One case's processes: serve on a fresh data directory, the simulator attached on an empty
    /// scene, and Blender (started by <see cref="AttachBlenderAsync"/>) on the .blend the sample built.
    /// </summary>
    private sealed class LooksRun : IAsyncDisposable
    {
        private readonly string _work;
        private readonly string _dir;

        private LooksRun(string work, string dir, string blend, JsonElement built, ChildProcess serve, ChildProcess unity)
        {
            (_work, _dir, Blend, Built, Serve, Unity) = (work, dir, blend, built, serve, unity);
            Api = new ControlApiClient(dir);
        }

        public string Blend { get; }
        public JsonElement Built { get; }
        public ChildProcess Serve { get; }
        public ChildProcess Unity { get; }
        public ChildProcess Blender { get; private set; } = null!;
        public ControlApiClient Api { get; }

        public static Task<LooksRun> StartAsync(string kind, Action<string> progress, string what, params string[] args) =>
            StartAsync(kind, progress, what, blend => SampleAsync("textured_scenes.py", null, new[] { kind, blend }.Concat(args).ToArray()));

        /// <summary>As above, the .blend built by <paramref name="build"/> (given its path; returns what the build printed).</summary>
        public static async Task<LooksRun> StartAsync(string kind, Action<string> progress, string what, Func<string, Task<JsonElement>> build)
        {
            var work = Path.Combine(Path.GetTempPath(), $"vibesync-bench-{kind}-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(work);
            var blend = Path.Combine(work, kind + ".blend");
            progress($"{kind}: building the scene in Blender: {what}");
            var built = await build(blend);
            var dir = Path.Combine(work, "data");
            var (serve, unity, _) = await ServeWithEmptyUnityAsync(work, dir, progress, $"{kind}: ");
            return new LooksRun(work, dir, blend, built, serve, unity);
        }

        /// <summary>Starts Blender on the file; seconds from its "attaching" until both engines are live at Reality's root with <paramref name="objects"/> objects.</summary>
        public async Task<double> AttachBlenderAsync(int objects)
        {
            Blender = BlenderInstall.Headless(Blend, "--data", _dir, "--steps-from-stdin");
            await UntilAsync(() => Task.FromResult(Events(Blender, "attaching").Any()), "Blender to load the file", TimeSpan.FromMinutes(3));
            double t0 = Events(Blender, "attaching").First().GetProperty("t").GetDouble();
            // Blender live by name: right after it connects, status may not list it yet, and "every engine live" would hold without it.
            await UntilAsync(async () => await Api.StatusAsync() is var status && ControlApiClient.Phase(status, "blender") == "live" && InParity(status, objects),
                "both engines live with the scene", TimeSpan.FromMinutes(3));
            return (NowMs() - t0) / 1000.0;
        }

        /// <summary>Serve's per-blob lines so far.</summary>
        public IEnumerable<BlobLine> BlobLines()
        {
            foreach (var e in Serve.Json())
            {
                if (!e.TryGetProperty("event", out var ev) || ev.GetString() is not ("blob" or "blob_served")) continue;
                var m = BlobMessage().Match(e.GetProperty("message").GetString() ?? "");
                if (!m.Success) continue;
                string engine = e.TryGetProperty("engine", out var en) && en.ValueKind == JsonValueKind.String ? en.GetString()! : "";
                yield return new BlobLine(ev.GetString()!, engine, m.Groups[1].Value, long.Parse(m.Groups[2].Value.Replace(",", "").Replace(".", "").Replace("\u00a0", ""), CultureInfo.InvariantCulture),
                    e.GetProperty("ts").GetInt64());
            }
        }

        /// <summary>The image blobs (of <paramref name="images"/>) that crossed each leg so far, serve's BLOB_WANTs to Blender, and the store's files.</summary>
        public ImageTraffic Traffic(ISet<string> images)
        {
            var lines = BlobLines().Where(l => images.Contains(l.Blob)).ToList();
            var from = lines.Where(l => l.Event == "blob" && l.Engine == "blender").ToList();
            var to = lines.Where(l => l.Event == "blob_served" && l.Engine == "unity").ToList();
            return new ImageTraffic(from.Count, from.Sum(l => l.Bytes), to.Count, to.Sum(l => l.Bytes), ServeTimes(Serve, "blob_want", "blender").Count(), StoreFiles(_dir));
        }

        public async ValueTask DisposeAsync()
        {
            if (Blender != null) await Blender.DisposeAsync();
            await Unity.DisposeAsync();
            await Serve.DisposeAsync();
            try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        }
    }

    [GeneratedRegex(@"^blob ([0-9a-f]{64}) [^:]*: ([\d,.\u00a0]+) bytes")]
    private static partial Regex BlobMessage();
}
