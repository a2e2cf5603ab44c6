using System.CommandLine;
using System.Text.Json;
using VibeSync.Cli.Benchmarks;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync bench …</c>: the figures BENCHMARKS.md records, measured on this machine.</summary>
internal static class BenchCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var bench = new Command("bench", "Run a benchmark and print its figures (see BENCHMARKS.md).");
        bench.Subcommands.Add(Hash());
        bench.Subcommands.Add(Wal());
        bench.Subcommands.Add(Pipeline());
        bench.Subcommands.Add(Link());
        bench.Subcommands.Add(Blender());
        bench.Subcommands.Add(Unity());
        bench.Subcommands.Add(EndToEnd());
        bench.Subcommands.Add(Content());
        bench.Subcommands.Add(Journal());
        bench.Subcommands.Add(Cluster());
        return bench;
    }

    private static Command Cluster()
    {
        var data = DataDirectory.Option();
        var urls = new Option<string>("--cluster") { Description = "nats://H1,nats://H2,nats://H3: a JetStream cluster for the append figures (a scratch stream is made and deleted); without it, the three nats-server processes the bench starts." };
        var appends = new Option<int>("--appends") { Description = "Serial appends measured on each journal.", DefaultValueFactory = _ => 2_000 };
        var edits = new Option<int>("--edits") { Description = "Blender edit → applied in the simulator samples on each journal (0: appends only, no Blender).", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var failover = new Option<int>("--failover") { Description = "Also kill the leading orchestrator this many times (two serve --cluster --listen nodes, two simulators; NATS intact) and time until edits flow again (ClusterFailoverBenchmark)." };
        var command = new Command("cluster",
            "Team mode's cost, JetStream journal (3 replicas) beside the local WAL in one run: serial 256-byte appends p50/p99, and edit → applied in the other engine p50/p99 " +
            "(serve and serve --cluster on three nats-server processes the bench starts, each with real headless Blender and the Unity simulator, edits alternating; goal p99 ≤ 2×).")
        {
            data, urls, appends, edits, json, failover,
        };
        command.SetAction(async (parse, cancel) =>
        {
            int n = parse.GetValue(appends), e = parse.GetValue(edits);
            if (n < 10) { Console.Error.WriteLine("error: --appends must be at least 10"); return Program.InputError; }
            if (e != 0 && e < 10) { Console.Error.WriteLine("error: --edits must be 0 or at least 10"); return Program.InputError; }
            if (e > 0 && Hosts.BlenderInstall.Missing() is { } missing) { Console.Error.WriteLine("error: " + missing + " (or --edits 0)"); return Program.InputError; }
            string? given = parse.GetValue(urls);
            Action<string> progress = line => Console.Error.WriteLine("bench cluster: " + line);
            // The bench's own NATS cluster: always for the edits (serve --cluster writes its real journal
            // there), and for the appends when no cluster was given.
            int kills = parse.GetValue(failover);
            await using var nats = given is null || e > 0 || kills > 0 ? await VibeSync.Cluster.NatsCluster.StartAsync() : null;
            var (wal, jetStream) = await ClusterBenchmark.RunAsync(given ?? nats!.Urls, parse.GetValue(data)!.FullName, n);
            var edit = e > 0 ? await ClusterBenchmark.EditToAppliedAsync(nats!, Demo.Sample.BlenderJson(), e, progress) : null;
            // Failover (ClusterFailoverBenchmark): on the given cluster under a scratch deployment prefix, else on the bench's own.
            var failed = kills > 0
                ? await ClusterFailoverBenchmark.RunAsync(given ?? nats!.Urls, Path.Combine(parse.GetValue(data)!.FullName, "failover-" + Guid.NewGuid().ToString("N")[..8]), kills, progress)
                : null;
            var machine = MachineInfo.Current();
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    benchmark = "cluster", record_bytes = WalBenchmark.RecordBytes, wal, jetstream = jetStream, p99_ratio = jetStream.P99Ms / wal.P99Ms,
                    appends_on = given is null ? "three nats-server processes started by the bench on loopback" : given,
                    edit_to_applied = edit, failover = failed, machine,
                }, Indented));
            else
            {
                foreach (var f in new[] { wal, jetStream })
                    Console.WriteLine($"{f.Journal,-36} {f.Appends} appends   p50 {f.P50Ms:F3} ms   p99 {f.P99Ms:F3} ms   {f.PerSecond:N0}/s");
                Console.WriteLine($"JetStream/WAL append p99: {jetStream.P99Ms / wal.P99Ms:F2}");
                if (edit is not null)
                {
                    Console.WriteLine($"edit → applied ({edit.Engines}), {edit.WalEditToApplied.Samples} edits each after {edit.Warmup} warm-up:");
                    Console.WriteLine($"  local WAL  p50 {edit.WalEditToApplied.P50Ms} ms, p99 {edit.WalEditToApplied.P99Ms} ms; → FINAL p50 {edit.WalEditToFinal.P50Ms} ms, p99 {edit.WalEditToFinal.P99Ms} ms");
                    Console.WriteLine($"  JetStream  p50 {edit.JetstreamEditToApplied.P50Ms} ms, p99 {edit.JetstreamEditToApplied.P99Ms} ms; → FINAL p50 {edit.JetstreamEditToFinal.P50Ms} ms, p99 {edit.JetstreamEditToFinal.P99Ms} ms");
                    Console.WriteLine($"  JetStream/WAL edit → applied p99: {edit.P99Ratio:F2} (goal ≤ 2)");
                }
                if (failed != null) Console.WriteLine($"failover: leader killed {failed.Kills}× → edits flowing again p50 {failed.P50Ms / 1000:F2} s, p99 {failed.P99Ms / 1000:F2} s, max {failed.MaxMs / 1000:F2} s");
                Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}");
            }
            return 0;
        });
        return command;
    }

    private static Command Journal()
    {
        var data = DataDirectory.Option();
        var entries = new Option<long>("--entries") { Description = "Journal entries written before serve starts (two per intent).", DefaultValueFactory = _ => 1_000_000 };
        var reads = new Option<int>("--reads") { Description = "Timed reads of random intents.", DefaultValueFactory = _ => 5_000 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var compare = new Option<string[]>("--compare-env")
        {
            Description = "NAME=VALUE (repeatable): start a second serve B on a copy of the journal with this environment (an empty VALUE unsets NAME), read A (as shipped) and B alternately, and report B ÷ A: a candidate setting judged by a ratio in one run.",
        };
        var warmUp = new Option<double>("--warm-up")
        {
            Description = "Seconds of untimed reads (get_intent and status, alternately) before the timed ones, after the first 200: a serve that has run a while has finished compiling its hot paths (0: measure right after start, as an agent's first reads meet it).",
            DefaultValueFactory = _ => 0,
        };
        var schedTrace = new Option<bool>("--sched-trace") { Description = "Record the kernel scheduler (perf record of sched_switch/sched_wakeup, every CPU) over the timed reads and attribute each get_intent over 1 ms to the client's and serve's CPU waits, either running, or both asleep (the network stack, loopback), and what ran instead. Needs perf and root (or kernel.perf_event_paranoid -1)." };
        var command = new Command("journal",
            "get_intent on a big journal: serve started over a WAL of --entries entries, GET /v1/intents/{id} of random intents over loopback p50/p99 (goal p99 ≤ 1 ms at 1,000,000 entries) beside GET /v1/status, and serve's start-up on that journal. Runs in DATA/bench-journal.")
        {
            data, entries, reads, json, compare, schedTrace, warmUp,
        };
        command.SetAction(async (parse, cancel) =>
        {
            long n = parse.GetValue(entries);
            int r = parse.GetValue(reads);
            if (n < 2 || r < 1) { Console.Error.WriteLine("error: --entries must be at least 2 and --reads positive"); return Program.InputError; }
            double w = parse.GetValue(warmUp);
            if (!(w >= 0 && w <= 3600)) { Console.Error.WriteLine("error: --warm-up must be between 0 and 3600 seconds"); return Program.InputError; }
            var dir = Path.Combine(parse.GetValue(data)!.FullName, "bench-journal");
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            Directory.CreateDirectory(dir);
            try
            {
                if (parse.GetValue(compare) is { Length: > 0 } environment)
                {
                    if (!Settings(environment)) return Program.InputError;
                    var ab = await JournalFloorComparison.RunAsync(dir, n, r, environment, line => Console.Error.WriteLine(line));
                    Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "journal-compare", result = ab, machine = MachineInfo.Current() }, Indented));
                    return 0;
                }
                JournalBenchmark.Result result;
                try { result = await JournalBenchmark.RunAsync(dir, n, r, parse.GetValue(schedTrace), line => Console.Error.WriteLine(line), TimeSpan.FromSeconds(w)); }
                catch (SchedTraceUnavailableException e)
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    return Program.InputError;
                }
                var machine = MachineInfo.Current();
                if (parse.GetValue(json))
                    Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "journal", result, machine }, Indented));
                else
                {
                    Console.WriteLine($"journal of {result.Entries:N0} entries ({result.Intents:N0} intents): written in {result.WriteSeconds:F1} s, serve started on it in {result.StartSeconds:F1} s");
                    Console.WriteLine($"GET /v1/intents/{{id}} ({result.Reads:N0} random{(result.WarmUpSeconds > 0 ? $", after {result.WarmUpSeconds:0.#} s of warm-up reads" : "")}): p50 {result.GetIntentP50Ms:F3} ms, p99 {result.GetIntentP99Ms:F3} ms (goal p99 ≤ 1 ms: {(result.GoalMet ? "met" : "missed")})");
                    Console.WriteLine($"GET /v1/status beside it: p50 {result.StatusP50Ms:F3} ms, p99 {result.StatusP99Ms:F3} ms");
                    if (result.Sched is { } sched) foreach (var line in sched.Lines("get_intent reads")) Console.WriteLine(line);
                    Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
                }
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
            return 0;
        });
        return command;
    }

    /// <summary>The cases of <c>bench content</c>: issue #17's mesh, issue #18's texture, shared textures, lights and cameras.</summary>
    private static readonly string[] ContentCases = { "mesh", "textures", "materials", "lights", "rig", "rig-edits" };

    private static Command Content()
    {
        var cases = new Option<string>("--case") { Description = "Cases to run, comma-separated: mesh (issue #17), textures, materials, lights (issue #18), rig, rig-edits (issue #19), or all.", DefaultValueFactory = _ => "all" };
        var vertices = new Option<int>("--vertices") { Description = "mesh: vertices of the big mesh (the nearest square grid).", DefaultValueFactory = _ => 1_000_000 };
        var edits = new Option<int>("--edits") { Description = "mesh: vertex edits measured (transform edits: ten times as many, of each object).", DefaultValueFactory = _ => 10 };
        var textureSize = new Option<int>("--texture-size") { Description = "textures: width and height of the PNG.", DefaultValueFactory = _ => 4096 };
        var materials = new Option<int>("--materials") { Description = "materials: materials (one quad each).", DefaultValueFactory = _ => 100 };
        var textures = new Option<int>("--textures") { Description = "materials: the images they share (material i uses image i mod N).", DefaultValueFactory = _ => 10 };
        var sharedSize = new Option<int>("--shared-texture-size") { Description = "materials: width and height of each shared PNG.", DefaultValueFactory = _ => 1024 };
        var lightEdits = new Option<int>("--light-edits") { Description = "lights: parameter edits measured (a light's energy, its colour, a camera's lens, in turn).", DefaultValueFactory = _ => 100 };
        var rigBones = new Option<int>("--rig-bones") { Description = "rig: bones of the chain.", DefaultValueFactory = _ => 60 };
        var rigVertices = new Option<int>("--rig-vertices") { Description = "rig: vertices of the skinned cylinder (100 around).", DefaultValueFactory = _ => 20_000 };
        var rigEdits = new Option<int>("--rig-edits") { Description = "rig-edits: keyframe edits measured, and as many slider moves.", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print one machine-readable JSON object: every figure, every goal, met or not." };
        var command = new Command("content",
            "Content end to end with serve, real headless Blender and the Unity simulator. mesh (issue #17), on a big mesh (normals, one UV map) and a cube: " +
            "Blender attach → simulator live (goal ≤ 2 s, and ≤ 0.5× Blender's own glTF export of the same file in the same run), every vertex moved → applied in the simulator " +
            "(goal p50 ≤ 1 s), the big mesh's object moved vs the cube (goal p99 ≤ 1.2×, no blob sent or stored), serve's peak RSS over idle during the attach " +
            "(goal ≤ 3× the mesh's payload bytes), and C# hashing of the mesh's blobs (goal ≤ 100 ms). textures (issue #18): a 4096² PNG linked to a material in Blender → applied in the simulator " +
            "(goal ≤ 1 s), and Blender re-attaching to the same file (goal 0 image bytes sent); materials: 100 materials sharing 10 textures attach (goal exactly 10 image transfers each way); " +
            "lights: light and camera parameter edits → applied in the simulator (goal p99 ≤ 50 ms). rig (issue #19): a 60-bone rig skinning 20,000 vertices, Blender attach → simulator live (goal ≤ 2 s); " +
            "rig-edits: samples/rigged_character.py's benchmark character, a keyframe edit → applied in the simulator (goal p99 ≤ 100 ms) and a shape-key slider move → applied (goal p99 ≤ 50 ms).")
        {
            cases, vertices, edits, textureSize, materials, textures, sharedSize, lightEdits, rigBones, rigVertices, rigEdits, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            int n = parse.GetValue(vertices), e = parse.GetValue(edits), size = parse.GetValue(textureSize), m = parse.GetValue(materials),
                t = parse.GetValue(textures), shared = parse.GetValue(sharedSize), le = parse.GetValue(lightEdits);
            var selected = parse.GetValue(cases)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (selected.Contains("all")) selected = ContentCases;
            if (selected.Length == 0 || selected.FirstOrDefault(c => !ContentCases.Contains(c)) is { } unknown)
            {
                Console.Error.WriteLine($"error: --case takes {string.Join(", ", ContentCases)} or all, comma-separated");
                return Program.InputError;
            }
            if (n < 100 || n > 2_000_000 || e < 1) { Console.Error.WriteLine("error: --vertices must be 100…2,000,000 and --edits at least 1"); return Program.InputError; }
            if (size < 1 || size > 8192 || shared < 1 || shared > 8192 || t < 1 || m < t || m > 1000 || le < 3)
            {
                Console.Error.WriteLine("error: --texture-size and --shared-texture-size must be 1…8192, --textures at least 1, --materials from --textures to 1000, --light-edits at least 3");
                return Program.InputError;
            }
            if (Hosts.BlenderInstall.Missing() is { } missing) { Console.Error.WriteLine("error: " + missing); return Program.InputError; }
            Action<string> progress = line => Console.Error.WriteLine("bench content: " + line);
            var mesh = selected.Contains("mesh") ? await ContentBenchmark.RunAsync(n, e, progress) : null;
            var texture = selected.Contains("textures") ? await ContentBenchmark.TextureAsync(size, progress) : null;
            var shares = selected.Contains("materials") ? await ContentBenchmark.MaterialsAsync(m, t, shared, progress) : null;
            var lights = selected.Contains("lights") ? await ContentBenchmark.LightsAsync(le, progress) : null;
            int rb = parse.GetValue(rigBones), rv = parse.GetValue(rigVertices);
            if (selected.Contains("rig") && (rb < 1 || rb > 1000 || rv < 200 || rv > 2_000_000)) { Console.Error.WriteLine("error: --rig-bones must be 1…1000 and --rig-vertices 200…2,000,000"); return Program.InputError; }
            var rig = selected.Contains("rig") ? await ContentBenchmark.RigAsync(rb, rv, progress) : null;
            int re = parse.GetValue(rigEdits);
            if (selected.Contains("rig-edits") && re < 1) { Console.Error.WriteLine("error: --rig-edits must be at least 1"); return Program.InputError; }
            var rigEditsResult = selected.Contains("rig-edits") ? await ContentBenchmark.RigEditsAsync(re, progress) : null;
            var machine = MachineInfo.Current();
            if (parse.GetValue(json))
            {
                // The mesh case's figures stay under "result", as before issue #18; a case not run is absent.
                var output = new Dictionary<string, object?> { ["benchmark"] = "content" };
                if (mesh != null) output["result"] = mesh;
                if (texture != null) output["textures"] = texture;
                if (shares != null) output["materials"] = shares;
                if (lights != null) output["lights"] = lights;
                if (rig != null) output["rig"] = rig;
                if (rigEditsResult != null) output["rig_edits"] = rigEditsResult;
                output["machine"] = machine;
                output["load_average"] = MachineInfo.LoadAverage();
                Console.WriteLine(JsonSerializer.Serialize(output, Indented));
                return 0;
            }
            if (mesh != null) PrintMesh(mesh);
            if (texture != null)
            {
                var p = texture.Phases;
                Console.WriteLine($"texture {texture.Width}×{texture.Height} PNG, {texture.PngBytes:N0} bytes: linked in Blender → applied in Unity {texture.TextureToUnitySeconds:F3} s " +
                    $"(blob asked {p.BlobAskedMs} ms, stored {p.StoredMs} ms, admitted {p.AdmittedMs} ms, sent to Unity {p.ServedToUnityMs} ms, applied {p.AppliedInUnityMs} ms)");
                Console.WriteLine($"  Blender re-attached to the same file in {texture.ReattachToLiveSeconds:F2} s: {texture.DuringReattach}");
            }
            if (shares != null)
                Console.WriteLine($"{shares.Materials} materials sharing {shares.Textures} textures of {shares.TextureSize}² ({shares.ImageBytes:N0} bytes of PNG) attached in {shares.AttachToLiveSeconds:F2} s: {shares.DuringAttach}");
            if (lights != null)
                Console.WriteLine($"light/camera edit → applied in Unity: p50 {lights.AllEdits.P50Ms} ms, p99 {lights.AllEdits.P99Ms} ms ({lights.AllEdits.Samples} edits; energy p99 {lights.LightEnergyEdit.P99Ms}, colour p99 {lights.LightColorEdit.P99Ms}, lens p99 {lights.CameraLensEdit.P99Ms} ms); slowest {string.Join(", ", lights.SlowestMs)} ms; PARITY_LOST after them {lights.ParityLost}");
            if (lights != null)
                Console.WriteLine($"  beside them, a cube's transform edit → applied in Unity: p50 {lights.CubeTransformEdit.P50Ms} ms, p99 {lights.CubeTransformEdit.P99Ms} ms; slowest {string.Join(", ", lights.SlowestCubeMs)} ms");
            if (rig != null)
                Console.WriteLine($"rig of {rig.Bones} bones skinning {rig.Vertices:N0} vertices: Blender attach → both live {rig.AttachToLiveSeconds:F3} s (last APPLY answered by the simulator at {rig.AppliedInUnityMs} ms)");
            if (rigEditsResult is { } re2)
                Console.WriteLine($"rig-edits, {re2.Bones} bones skinning {re2.Vertices:N0} vertices (attach → both live {re2.AttachToLiveSeconds:F3} s): keyframe edit → applied in Unity p50 {re2.KeyframeToUnity.P50Ms} / p99 {re2.KeyframeToUnity.P99Ms} ms, " +
                    $"slider → applied p50 {re2.SliderToUnity.P50Ms} / p99 {re2.SliderToUnity.P99Ms} ms ({re2.KeyframeToUnity.Samples} each)");
            foreach (var g in new[] { mesh?.Goals, texture?.Goals, shares?.Goals, lights?.Goals, rig?.Goals, rigEditsResult?.Goals }.Where(g => g != null).SelectMany(g => g!))
                Console.WriteLine($"  {(g.Met ? "met   " : "MISSED")} {g.Name}: {g.Figure} {g.Unit} (goal {(g.Unit.EndsWith("(exactly)", StringComparison.Ordinal) ? "=" : "≤")} {g.Limit})");
            Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
            return 0;
        });
        return command;
    }

    private static void PrintMesh(ContentBenchmark.Result result)
    {
        Console.WriteLine($"mesh: {result.Vertices:N0} vertices, {result.Triangles:N0} triangles, {result.PayloadBytes:N0} payload bytes; Blender's glTF export {result.GltfExportSeconds:F2} s");
        var p = result.AttachPhases;
        Console.WriteLine($"attach → live {result.AttachToLiveSeconds:F2} s (session {p.SessionStartMs} ms, blobs asked {p.BlobsAskedMs} ms, stored {p.BlobsStoredMs} ms, scene admitted {p.SceneAdmittedMs} ms, blobs sent to Unity {p.BlobsSentToUnityMs} ms, applied in Unity {p.AppliedInUnityMs} ms)");
        Console.WriteLine($"every vertex moved → applied in Unity: p50 {result.VertexEdit.P50Ms} ms, p99 {result.VertexEdit.P99Ms} ms ({result.VertexEdit.Samples} edits)");
        if (result.VertexEditPhases is { } v)
            Console.WriteLine($"  medians: in Blender until blobs asked {v.BlenderUntilBlobsAskedMs} ms, stored {v.BlobsUntilStoredMs} ms later; from stored: admitted {v.StoredUntilAdmittedMs} ms, blobs sent to Unity {v.StoredUntilSentToUnityMs} ms, applied in Unity {v.StoredUntilAppliedInUnityMs} ms");
        Console.WriteLine($"transform edit → applied in Unity: big mesh's object p50 {result.HeavyTransformEdit.P50Ms} / p99 {result.HeavyTransformEdit.P99Ms} ms, cube p50 {result.CubeTransformEdit.P50Ms} / p99 {result.CubeTransformEdit.P99Ms} ms; blob traffic {result.DuringTransformEdits}");
        Console.WriteLine($"  slowest transform edits: big mesh's object {string.Join(", ", result.SlowestTransformEdits.HeavyMs)} ms, cube {string.Join(", ", result.SlowestTransformEdits.CubeMs)} ms");
        Console.WriteLine($"serve RSS: idle {result.ServeIdleRssMib} MiB, peak during the attach {result.ServePeakRssMib} MiB (growth {result.ServeRssGrowthMib} MiB)");
        Console.WriteLine($"C# hashing of the mesh's {result.HashedBlobs} blobs: median {result.HashMedianMs} ms, min {result.HashMinMs} ms ({result.HashRuns} runs)");
    }

    private static Command EndToEnd()
    {
        var edits = new Option<int>("--edits") { Description = "Samples per latency figure.", DefaultValueFactory = _ => 100 };
        var objects = new Option<int>("--objects") { Description = "Objects in the attach + parity scene.", DefaultValueFactory = _ => 10_000 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var command = new Command("e2e",
            "The product end to end with serve, real headless Blender and the Unity simulator: Blender edit → applied in Unity p50/p99 (goal p99 ≤ 20 ms, issue #20; #6 asked ≤ 50 ms), " +
            "edit → FINAL p50/p99, attach + parity of N objects (goal ≤ 10 s for 10,000), and an intent into Blender against the same edit over a bare unsigned socket (goal ≤ 1.5×).")
        {
            edits, objects, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            int e = parse.GetValue(edits), n = parse.GetValue(objects);
            if (e < 10 || n < 10) { Console.Error.WriteLine("error: --edits and --objects must be at least 10"); return Program.InputError; }
            if (Hosts.BlenderInstall.Missing() is { } missing) { Console.Error.WriteLine("error: " + missing); return Program.InputError; }
            var result = await EndToEndBenchmark.RunAsync(Demo.Sample.BlenderJson(), e, n, line => Console.Error.WriteLine("bench e2e: " + line));
            var machine = MachineInfo.Current();
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "e2e", result, machine }, Indented));
            else
            {
                Console.WriteLine($"Blender edit → applied in Unity: p50 {result.BlenderEditToUnityApplied.P50Ms} ms, p99 {result.BlenderEditToUnityApplied.P99Ms} ms (goal p99 ≤ 20 ms)");
                Console.WriteLine($"Blender edit → FINAL: p50 {result.BlenderEditToFinal.P50Ms} ms, p99 {result.BlenderEditToFinal.P99Ms} ms");
                Console.WriteLine($"intent → applied in Blender: p50 {result.IntentToAppliedInBlender.P50Ms} ms, p99 {result.IntentToAppliedInBlender.P99Ms} ms; bare socket p50 {result.BareSocketToAppliedInBlender.P50Ms} ms, p99 {result.BareSocketToAppliedInBlender.P99Ms} ms; overhead {result.OverheadP50:F2}× p50, {result.OverheadP99:F2}× p99 (goal ≤ 1.5×)");
                Console.WriteLine($"  cold (a fresh orchestrator's first {result.ColdIntentToAppliedInBlender.Samples}): p50 {result.ColdIntentToAppliedInBlender.P50Ms} ms, p99 {result.ColdIntentToAppliedInBlender.P99Ms} ms; bare p50 {result.ColdBareSocketToAppliedInBlender.P50Ms} ms, p99 {result.ColdBareSocketToAppliedInBlender.P99Ms} ms");
                Console.WriteLine($"attach + parity of {result.Objects:N0} objects: {result.AttachAndParitySeconds:F2} s (Blender {result.BlenderAttachToLiveSeconds:F2} s, Unity {result.UnityAttachToLiveSeconds:F2} s; parity {(result.Parity ? "reached" : "NOT reached")}; goal ≤ 10 s)");
                Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
            }
            return 0;
        });
        return command;
    }

    private static Command Unity()
    {
        var objects = new Option<int>("--objects") { Description = "GameObjects in the simulated scene.", DefaultValueFactory = _ => 100_000 };
        var applies = new Option<int>("--applies") { Description = "Provisional set_transform intents applied.", DefaultValueFactory = _ => 100_000 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var scale = new Option<string>("--scale") { Description = "Scene sizes for edit → event, comma-separated (issue #20).", DefaultValueFactory = _ => "1000,10000,100000" };
        var edits = new Option<int>("--edits") { Description = "Edit → event samples per size.", DefaultValueFactory = _ => 200 };
        var command = new Command("unity",
            "The Unity package's core in the simulator: attach + hash of N GameObjects (goal ≤ 1 s for 100,000), provisional applies/s (goal ≥ 20,000/s), and edit → event at 1,000, 10,000 and 100,000 GameObjects (the adapter's work at the largest ≤ 1.5× the smallest).")
        {
            objects, applies, scale, edits, json,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(objects), a = parse.GetValue(applies), e = parse.GetValue(edits);
            if (n < 10 || a < 10 || e < 5) { Console.Error.WriteLine("error: --objects and --applies must be at least 10, --edits at least 5"); return Program.InputError; }
            if (!Sizes(parse.GetValue(scale), out var sizes)) { Console.Error.WriteLine("error: --scale takes sizes of at least 10, comma-separated (e.g. 1000,10000,100000)"); return Program.InputError; }
            var result = UnityBenchmark.Run(n, a, line => Console.Error.WriteLine(line));
            if (sizes.Count > 0)
            {
                var (cases, ratio) = UnityBenchmark.Edits(sizes, e, line => Console.Error.WriteLine(line));
                result = result with { EditToEvent = cases, AddonP50RatioLargestToSmallest = Math.Round(ratio, 2) };
            }
            var machine = MachineInfo.Current();
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "unity", result, machine }, Indented));
            else
            {
                Console.WriteLine($"attach {result.Objects:N0} GameObjects: median {result.AttachMedianSeconds:F3} s, min {result.AttachMinSeconds:F3} s (goal ≤ 1 s); provisional applies {result.AppliesPerSecond:N0}/s (goal ≥ 20,000/s)");
                foreach (var c in result.EditToEvent)
                    Console.WriteLine($"edit → event at {c.Objects:N0} GameObjects: p50 {c.P50Ms:F3} ms, p99 {c.P99Ms:F3} ms (the reported tick; the whole diff it replaced: p50 {c.WholeDiffP50Ms:F1} ms, p99 {c.WholeDiffP99Ms:F1} ms)");
                if (result.AddonP50RatioLargestToSmallest is { } r) Console.WriteLine($"adapter work, largest over smallest size: {r:F2}× (goal ≤ 1.5×)");
                Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Whether --compare-env's settings are all NAME=VALUE (says which is not, on stderr).</summary>
    private static bool Settings(IEnumerable<string> environment)
    {
        try { _ = Hosts.ChildProcess.Settings(environment); return true; }
        catch (ArgumentException e) { Console.Error.WriteLine($"error: --compare-env {e.Message}"); return false; }
    }

    /// <summary>"1000,10000,100000" → the sizes (each at least 10); empty → none.</summary>
    private static bool Sizes(string? text, out List<int> sizes)
    {
        sizes = new List<int>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, out var n) || n < 10) return false;
            sizes.Add(n);
        }
        return true;
    }

    private static Command Blender()
    {
        var objects = new Option<int>("--objects") { Description = "Objects in the generated scene.", DefaultValueFactory = _ => 10_000 };
        var applies = new Option<int>("--applies") { Description = "Provisional set_transform intents applied.", DefaultValueFactory = _ => 5_000 };
        var edits = new Option<int>("--edits") { Description = "Edit → event samples per case.", DefaultValueFactory = _ => 100 };
        var scale = new Option<string>("--scale") { Description = "Also attach and edit → event at these sizes in the same run, comma-separated (issue #20: 1000,10000,100000; several minutes: about 7 for 1000,100000 with --objects 1000 --applies 100 --edits 20 on a quiet 2-core machine).", DefaultValueFactory = _ => "" };
        var addDelete = new Option<int?>("--add-delete-edits") { Description = "Add/delete samples per size in the --scale run (default: --edits, at most 5 at 50,000 objects or more); each is a depsgraph rebuild, tens of seconds at 100,000 objects." };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var command = new Command("blender",
            "The Blender add-on inside real headless Blender: attach (scan, stamp, read, hash) of N objects (goal ≤ 2 s for 10,000), provisional applies/s (goal ≥ 2,000/s), and edit → event latency p50/p99 with the add-on's own work and Blender's evaluation beside it; --scale repeats attach and edit → event at several sizes (goals: the add-on's work at 100,000 objects ≤ 1.5× at 1,000; attach of 100,000 ≤ 10 s).")
        {
            objects, applies, edits, scale, addDelete, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            int n = parse.GetValue(objects), a = parse.GetValue(applies), e = parse.GetValue(edits);
            if (n < 10 || a < 10 || e < 5) { Console.Error.WriteLine("error: --objects and --applies must be at least 10, --edits at least 5"); return Program.InputError; }
            if (!Sizes(parse.GetValue(scale), out var sizes)) { Console.Error.WriteLine("error: --scale takes sizes of at least 10, comma-separated (e.g. 1000,10000,100000)"); return Program.InputError; }
            if (Hosts.BlenderInstall.Missing() is { } missing) { Console.Error.WriteLine("error: " + missing); return Program.InputError; }
            Console.Error.WriteLine($"bench blender: {n:N0} objects, {a:N0} applies, {e} edit samples × 4 cases (about 2 minutes for the defaults)…");
            var arguments = new List<string> { "--objects", n.ToString(), "--applies", a.ToString(), "--edits", e.ToString() };
            if (sizes.Count > 0) arguments.AddRange(new[] { "--scale", string.Join(",", sizes) });
            if (parse.GetValue(addDelete) is int samples)
            {
                if (samples < 1) { Console.Error.WriteLine("error: --add-delete-edits must be at least 1"); return Program.InputError; }
                arguments.AddRange(new[] { "--add-delete-edits", samples.ToString() });
            }
            using var blender = Hosts.BlenderInstall.Start("bench.py", arguments.ToArray());
            var stderr = ForwardProgressAsync(blender.StandardError, cancel);
            string? result = null;
            while (await blender.StandardOutput.ReadLineAsync(cancel) is { } line)
                if (line.StartsWith("BENCH-RESULT ", StringComparison.Ordinal)) result = line["BENCH-RESULT ".Length..];
            await blender.WaitForExitAsync(cancel);
            if (result == null)
            {
                Console.Error.WriteLine("error: the benchmark inside Blender did not finish:\n" + await stderr);
                return 1;
            }
            var figures = JsonDocument.Parse(result).RootElement;
            var machine = MachineInfo.Current();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "blender", figures, machine }, Indented));
                return 0;
            }
            var at = figures.GetProperty("attach");
            var ap = figures.GetProperty("applies");
            Console.WriteLine($"Blender {figures.GetProperty("blender").GetString()}: attach {at.GetProperty("objects").GetInt32():N0} objects {at.GetProperty("attach_s").GetDouble():F2} s (first, stamping every ID: {at.GetProperty("first_attach_s").GetDouble():F2} s) (goal ≤ 2 s)");
            Console.WriteLine($"provisional applies: {ap.GetProperty("per_second").GetInt32():N0}/s (goal ≥ 2,000/s)");
            void Edits(JsonElement cases)
            {
                foreach (var c in cases.EnumerateArray())
                    Console.WriteLine($"edit → event, {c.GetProperty("object").GetString()} object ({c.GetProperty("descendants").GetInt32():N0} descendants), quiet window {c.GetProperty("quiet_ms").GetDouble():F0} ms: p50 {c.GetProperty("p50_ms").GetDouble():F1} ms, p99 {c.GetProperty("p99_ms").GetDouble():F1} ms; " +
                                      $"add-on p50 {c.GetProperty("addon_p50_ms").GetDouble():F2} ms, p99 {c.GetProperty("addon_p99_ms").GetDouble():F2} ms" +
                                      (c.TryGetProperty("walk_p50_ms", out var walk) ? $" (Blender's walk for depsgraph.updates p50 {walk.GetDouble():F2} ms; the add-on's own p50 {c.GetProperty("addon_own_p50_ms").GetDouble():F2} ms)" : "") +
                                      $"; Blender's evaluation p50 {c.GetProperty("eval_p50_ms").GetDouble():F1} ms, p99 {c.GetProperty("eval_p99_ms").GetDouble():F1} ms");
            }
            Edits(figures.GetProperty("edit_to_event"));
            if (figures.TryGetProperty("scale", out var scaled))
            {
                foreach (var size in scaled.GetProperty("sizes").EnumerateArray())
                {
                    var sa = size.GetProperty("attach");
                    Console.WriteLine($"at {size.GetProperty("objects").GetInt32():N0} objects: attach {sa.GetProperty("attach_s").GetDouble():F2} s (first {sa.GetProperty("first_attach_s").GetDouble():F2} s, goal ≤ {sa.GetProperty("goal_s").GetDouble():F0} s)");
                    Edits(size.GetProperty("edit_to_event"));
                }
                foreach (var ratio in scaled.GetProperty("addon_p50_ratio_largest_to_smallest").EnumerateObject())
                    Console.WriteLine($"add-on work p50, largest over smallest size, {ratio.Name}: {ratio.Value.GetDouble():F2}× (goal ≤ 1.5×)" +
                        (scaled.TryGetProperty("addon_own_p50_ratio_largest_to_smallest", out var own) && own.TryGetProperty(ratio.Name, out var o)
                            ? $"; without Blender's walk for depsgraph.updates {o.GetDouble():F2}×" : "") +
                        (scaled.TryGetProperty("addon_own_cpu_p50_ratio_largest_to_smallest", out var cpu50) && cpu50.TryGetProperty(ratio.Name, out var c50) &&
                         scaled.TryGetProperty("addon_own_cpu_p99_ratio_largest_to_smallest", out var cpu99) && cpu99.TryGetProperty(ratio.Name, out var c99)
                            ? $"; in the main thread's CPU time p50 {c50.GetDouble():F2}×, p99 {c99.GetDouble():F2}×" : ""));
            }
            Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Shows bench.py's progress lines ("bench.py: …") on stderr as they come (a scale run takes minutes)
    /// and keeps all of stderr for the error message if the run does not finish.
    /// </summary>
    private static async Task<string> ForwardProgressAsync(StreamReader stderr, CancellationToken cancel)
    {
        var all = new System.Text.StringBuilder();
        while (await stderr.ReadLineAsync(cancel) is { } line)
        {
            all.AppendLine(line);
            if (line.StartsWith("bench.py: ", StringComparison.Ordinal)) Console.Error.WriteLine("  " + line["bench.py: ".Length..]);
        }
        return all.ToString();
    }

    private static Command Link()
    {
        var samples = new Option<int>("--samples") { Description = "Round trips measured (each way).", DefaultValueFactory = _ => 20_000 };
        var frames = new Option<int>("--frames") { Description = "Signed frames sent in the throughput run.", DefaultValueFactory = _ => 200_000 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var tls = new Option<bool>("--tls") { Description = "Also: the same signed round trip inside TLS 1.3 (serve --listen) beside loopback plaintext, alternately in one run (the ratio)." };
        var command = new Command("link",
            "The adapter link on loopback: signed HEARTBEAT → ACK round trip p50/p99 (goal p99 ≤ 500 µs) beside an unsigned echo of the same bytes over a bare socket (the ratio), and small signed frames/s on one connection (goal ≥ 50,000/s).")
        {
            samples, frames, json, tls,
        };
        command.SetAction(async (parse, cancel) =>
        {
            int n = parse.GetValue(samples), f = parse.GetValue(frames);
            if (parse.GetValue(tls) && n >= 100)
            {
                var overTls = await LinkTlsBenchmark.RunAsync(n, line => Console.Error.WriteLine(line));
                Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(new { benchmark = "link-tls", round_trips = overTls, machine = MachineInfo.Current() }, Indented)
                    : $"signed round trip over TLS 1.3 p50 {overTls.TlsP50Us:F1} µs, p99 {overTls.TlsP99Us:F1} µs; on loopback plaintext p50 {overTls.LoopbackP50Us:F1} µs, p99 {overTls.LoopbackP99Us:F1} µs; ratio {overTls.RatioP50:F2} (p50), {overTls.RatioP99:F2} (p99)");
            }
            if (n < 100 || f < 100) { Console.Error.WriteLine("error: --samples and --frames must be at least 100"); return Program.InputError; }
            bool asJson = parse.GetValue(json);
            var (roundTrip, throughput) = await LinkBenchmark.RunAsync(n, f, line => Console.Error.WriteLine(line));
            var machine = MachineInfo.Current();
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "link", round_trip = roundTrip, throughput, machine }, Indented));
            }
            else
            {
                Console.WriteLine($"signed round trip p50 {roundTrip.SignedP50Us:F1} µs, p99 {roundTrip.SignedP99Us:F1} µs; unsigned echo p50 {roundTrip.UnsignedP50Us:F1} µs, p99 {roundTrip.UnsignedP99Us:F1} µs; ratio {roundTrip.RatioP50:F2} (p50), {roundTrip.RatioP99:F2} (p99) (goal p99 ≤ 500 µs)");
                Console.WriteLine($"throughput: {throughput.Frames:N0} signed {throughput.FrameBytes}-byte frames in {throughput.Seconds:F2} s = {throughput.FramesPerSecond:N0}/s (goal ≥ 50,000/s)");
                Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
            }
            return 0;
        });
        return command;
    }

    private static Command Pipeline()
    {
        var data = DataDirectory.Option();
        var rate = new Option<double>("--rate") { Description = "Cosmetic intents per second in the paced run.", DefaultValueFactory = _ => 5_000 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds of the paced run.", DefaultValueFactory = _ => 3 };
        var warmUp = new Option<double>("--warm-up") { Description = "Seconds of the paced run before the measured ones, left out of the figures.", DefaultValueFactory = _ => 1 };
        var intents = new Option<int>("--intents") { Description = "Micro-intents in the peak run.", DefaultValueFactory = _ => 200_000 };
        var objects = new Option<int>("--objects") { Description = "Objects the peak run's micro-intents move (round robin).", DefaultValueFactory = _ => 64 };
        var finalChunk = new Option<int>("--final-chunk") { Description = "FINAL entries journaled at a time between admissions; 0 journals a batch's all at its close (the old way, for comparison).", DefaultValueFactory = _ => new VibeSync.Intents.Pipeline.PipelineOptions().FinalChunk };
        var allocations = new Option<bool>("--allocations") { Description = "Sample the paced run's allocations by type (the runtime's allocation tick) and print the top 15." };
        var schedTrace = new Option<bool>("--sched-trace") { Description = "Record the kernel scheduler (perf record of sched_switch/sched_wakeup, every CPU) over the paced run and attribute each intent over 1 ms: how long this process's threads waited runnable for a CPU, what ran instead, disk sleeps. Needs perf and root (or kernel.perf_event_paranoid -1)." };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var compare = new Option<string[]>("--compare-env")
        {
            Description = "NAME=VALUE (repeatable): run the whole benchmark --rounds times as shipped (A) and as many with this environment (B; an empty VALUE unsets NAME), each in a fresh child process, alternately, and report the medians and B ÷ A: a runtime setting judged by a ratio in one run.",
        };
        var rounds = new Option<int>("--rounds") { Description = "With --compare-env: runs on each side.", DefaultValueFactory = _ => 3 };
        var command = new Command("pipeline",
            "The intent pipeline with the real WAL and two in-memory engines: submit → PROVISIONAL_OK p50/p99 at a paced cosmetic rate (goal p99 ≤ 1 ms at 5,000/s), the peak rate of micro-intents coalesced and finalized (goal ≥ 50,000/s), and one lone fsync'd WAL append beside them. Runs in DATA/bench-pipeline.")
        {
            data, rate, seconds, warmUp, intents, objects, finalChunk, allocations, schedTrace, json, compare, rounds,
        };
        command.SetAction(async (parse, cancel) =>
        {
            double r = parse.GetValue(rate), s = parse.GetValue(seconds), w = parse.GetValue(warmUp);
            int n = parse.GetValue(intents), k = parse.GetValue(objects), chunk = parse.GetValue(finalChunk);
            if (r <= 0 || s <= 0 || w <= 0 || n < 1 || k < 1 || k > 1_000 || chunk < 0) { Console.Error.WriteLine("error: --rate, --seconds, --warm-up and --intents must be positive, --objects 1…1000, --final-chunk ≥ 0"); return Program.InputError; }
            if (parse.GetValue(compare) is { Length: > 0 } environment)
            {
                if (!Settings(environment)) return Program.InputError;
                if (parse.GetValue(rounds) < 1) { Console.Error.WriteLine("error: --rounds must be at least 1"); return Program.InputError; }
                // The children measure; this process only starts them, one at a time, and compares.
                var invariant = System.Globalization.CultureInfo.InvariantCulture;
                var arguments = new List<string>
                {
                    "--data", parse.GetValue(data)!.FullName, "--rate", r.ToString(invariant), "--seconds", s.ToString(invariant), "--warm-up", w.ToString(invariant),
                    "--intents", n.ToString(invariant), "--objects", k.ToString(invariant), "--final-chunk", chunk.ToString(invariant),
                };
                if (parse.GetValue(schedTrace)) arguments.Add("--sched-trace");
                var ab = await PipelineComparison.RunAsync(arguments, environment, parse.GetValue(rounds), line => Console.Error.WriteLine("bench pipeline: " + line), cancel);
                Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "pipeline-compare", result = ab, machine = MachineInfo.Current() }, Indented));
                return 0;
            }
            bool asJson = parse.GetValue(json);
            var dir = Path.Combine(parse.GetValue(data)!.FullName, "bench-pipeline");
            Directory.CreateDirectory(dir);
            try
            {
                Action<string> progress = line => Console.Error.WriteLine(line);
                progress("one durable WAL append at a time, 1 s: the fsync every answer waits behind");
                var fsync = await WalBenchmark.SingleAppendAsync(dir, TimeSpan.FromSeconds(1));
                PipelineBenchmark.Latency paced;
                try { paced = await PipelineBenchmark.PacedAsync(dir, r, TimeSpan.FromSeconds(w), TimeSpan.FromSeconds(s), chunk, parse.GetValue(allocations), parse.GetValue(schedTrace), progress); }
                catch (SchedTraceUnavailableException e)
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    return Program.InputError;
                }
                var peak = await PipelineBenchmark.PeakAsync(dir, n, k, chunk, progress);
                var machine = MachineInfo.Current();
                if (asJson)
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        benchmark = "pipeline",
                        paced,
                        peak,
                        wal_single_append = new { p50_ms = fsync.WalP50Ms, p99_ms = fsync.WalP99Ms, per_second = fsync.WalPerSecond },
                        machine,
                    }, Indented));
                }
                else
                {
                    Console.WriteLine($"paced {paced.Rate:N0}/s for {paced.Seconds:F1} s ({paced.Intents:N0} intents): submit → PROVISIONAL_OK p50 {paced.P50Ms:F3} ms, p99 {paced.P99Ms:F3} ms, max {paced.MaxMs:F1} ms; {paced.Final:N0} FINAL in {paced.Verifications} verifications (goal p99 ≤ 1 ms)");
                    Console.WriteLine($"  tail: {paced.Tail.Slow} intents over 1 ms, {paced.Tail.SlowDuringGc} of them during a GC pause; {paced.Tail.GcPauses} GC pauses in the measured run, {paced.Tail.GcPauseMsTotal} ms in all, max {paced.Tail.GcPauseMaxMs} ms; {paced.Tail.StarvationInjections} thread-pool starvation injections");
                    if (paced.Tail.GcByGeneration.Count > 0)
                        Console.WriteLine("  GC pauses by generation: " + string.Join(", ", paced.Tail.GcByGeneration.Select(g => $"{g.Generation} {g.Count} ({g.TotalMs} ms, max {g.MaxMs} ms)")));
                    Console.WriteLine($"  spine: {paced.Tail.SlowDuringClose} of them during a batch's close ({paced.Tail.Closes} closes on the spine, min {paced.Tail.CloseMinMs} ms, p50 {paced.Tail.CloseP50Ms} ms, max {paced.Tail.CloseMaxMs} ms), {paced.Tail.SlowDuringFinals} during a chunk of FINAL entries (max {paced.Tail.FinalsMaxMs} ms; {paced.Tail.FinalsMeanEntries} entries a chunk on average, at most {paced.Tail.FinalsMaxEntries}); {paced.Tail.SlowUnexplained} during none of these nor a GC pause");
                    Console.WriteLine($"  new members: {paced.Tail.SlowNewMembers} of the slow intents were the first on their object since a close began ({paced.Tail.NewMembers} such of {paced.Intents:N0}: each waits for its own PROVISIONAL entry's fsync)");
                    Console.WriteLine($"  allocated: {paced.AllocatedBytesPerIntent:N0} bytes per intent (whole process, measured part)");
                    Console.WriteLine($"  CPU while measured: {paced.Cpu.ProcessMs:N0} ms, of it the tiered JIT's thread {paced.Cpu.TieredJitMs:N0} ms");
                    foreach (var a in paced.TopAllocations) Console.WriteLine($"    {a.BytesPerIntent,7:N0} B/intent  {a.Type}");
                    if (paced.Sched is { } sched) foreach (var line in sched.Lines()) Console.WriteLine(line);
                    Console.WriteLine($"peak: {peak.Final:N0} of {peak.Intents:N0} micro-intents on {peak.Objects} objects FINAL in {peak.Seconds:F2} s = {peak.PerSecond:N0}/s, {peak.Verifications} verifications, {peak.WalEntries:N0} WAL entries (goal ≥ 50,000/s)");
                    Console.WriteLine($"one lone WAL append (fsync): p50 {fsync.WalP50Ms:F3} ms, p99 {fsync.WalP99Ms:F3} ms, {fsync.WalPerSecond:N0}/s");
                    Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
                }
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
            return 0;
        });
        return command;
    }

    private static Command Wal()
    {
        var data = DataDirectory.Option();
        var seconds = new Option<double>("--seconds") { Description = "Seconds per measurement.", DefaultValueFactory = _ => 3 };
        var records = new Option<long>("--replay-records") { Description = "Records in the replay test.", DefaultValueFactory = _ => 1_000_000 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var command = new Command("wal",
            "Durable 256-byte appends/s and p50/p99 commit latency at concurrency 1, 8 and 64, each beside a raw FileStream write + Flush(true) baseline with the same batching; then replay of 1M records with full chain verification. Runs in DATA/bench-wal on the data directory's disk.")
        {
            data, seconds, records, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            double s = parse.GetValue(seconds);
            long n = parse.GetValue(records);
            if (s <= 0 || n < 1) { Console.Error.WriteLine("error: --seconds and --replay-records must be positive"); return Program.InputError; }
            bool asJson = parse.GetValue(json);
            var dir = Path.Combine(parse.GetValue(data)!.FullName, "bench-wal");
            Directory.CreateDirectory(dir);
            try
            {
                Action<string> progress = line => Console.Error.WriteLine(line);
                var levels = await WalBenchmark.AppendsAsync(dir, new[] { 1, 8, 64 }, TimeSpan.FromSeconds(s), progress);
                var replay = await WalBenchmark.ReplayAsync(dir, n, progress);
                var machine = MachineInfo.Current();
                if (asJson)
                {
                    Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "wal", record_bytes = WalBenchmark.RecordBytes, levels, replay, machine, directory = dir }, Indented));
                }
                else
                {
                    Console.WriteLine($"WAL, {WalBenchmark.RecordBytes}-byte records, {s:F0} s per measurement, in {dir}");
                    Console.WriteLine("concurrency   raw appends/s   WAL appends/s   WAL/raw   raw p50/p99 ms   WAL p50/p99 ms");
                    foreach (var l in levels)
                        Console.WriteLine($"{l.Concurrency,11}   {l.RawPerSecond,13:N0}   {l.WalPerSecond,13:N0}   {l.Ratio,7:F2}   {l.RawP50Ms,6:F3}/{l.RawP99Ms,-7:F3}   {l.WalP50Ms,6:F3}/{l.WalP99Ms:F3}");
                    Console.WriteLine($"replay with full chain verification: {replay.Records:N0} records ({replay.Bytes / 1048576.0:F0} MiB) in {replay.Seconds:F2} s = {replay.RecordsPerSecond:N0} records/s");
                    Console.WriteLine($"goals: ≥ 50,000/s and ≥ 0.8 × raw at concurrency 64, p99 ≤ 10 ms; replay ≥ 500,000 records/s");
                    Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
                }
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
            return 0;
        });
        return command;
    }

    private static Command Hash()
    {
        var objects = new Option<int>("--objects") { Description = "Objects in the synthetic scene.", DefaultValueFactory = _ => 100_000 };
        var rounds = new Option<int>("--rounds") { Description = "Timed from-scratch rounds (median reported).", DefaultValueFactory = _ => 9 };
        var updates = new Option<int>("--updates") { Description = "Timed single-object updates.", DefaultValueFactory = _ => 20_000 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var command = new Command("hash", "Scene root from scratch and after one object changes (goals: ≤ 150 ms for 100k objects, ≤ 10 µs per update).")
        {
            objects, rounds, updates, json,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(objects), r = parse.GetValue(rounds), u = parse.GetValue(updates);
            if (n < 1 || r < 1 || u < 1)
            {
                Console.Error.WriteLine("error: --objects, --rounds and --updates must be at least 1");
                return Program.InputError;
            }
            bool asJson = parse.GetValue(json);
            var result = HashBenchmark.Run(n, r, u, line => { if (!asJson) Console.Error.WriteLine(line); });
            var machine = MachineInfo.Current();
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "hash", result, machine }, Indented));
            }
            else
            {
                Console.WriteLine($"scene root, {result.Objects:N0} objects, from scratch: median {result.FromScratchMedianMs:F1} ms, min {result.FromScratchMinMs:F1} ms ({result.Rounds} rounds; goal ≤ 150 ms)");
                Console.WriteLine($"one object changed, incremental: p50 {result.UpdateP50Us:F2} µs, p99 {result.UpdateP99Us:F2} µs, mean {result.UpdateMeanUs:F2} µs ({result.Updates:N0} updates; goal ≤ 10 µs)");
                Console.WriteLine($"pinned to one core: {(result.PinnedToOneCore ? "yes" : "no")}; SHA-256: {result.Sha256}; machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
            }
            return 0;
        });
        return command;
    }
}
