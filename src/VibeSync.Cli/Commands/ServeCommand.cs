using System.CommandLine;
using System.Runtime.InteropServices;
using VibeSync.Intents.Authority;
using VibeSync.Intents.Pipeline;
using VibeSync.Link;
using VibeSync.Protocol.Intents;
using VibeSync.Orchestrator;
using VibeSync.Orchestrator.Config;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync serve</c>: runs the orchestrator in the foreground until SIGINT or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var data = DataDirectory.Option();
        var port = new Option<int>("--port") { Description = "Loopback port of the adapter link (0: a free one; see DIR/serve.json).", DefaultValueFactory = _ => 0 };
        var apiPort = new Option<int>("--api-port") { Description = "Loopback port of the control API (0: a free one; see DIR/serve.json).", DefaultValueFactory = _ => 0 };
        var heartbeat = new Option<double?>("--heartbeat-timeout") { Description = "Seconds of adapter silence before its engine is put in PANIC (config: limits.heartbeat_timeout_s; default 10)." };
        var frameTimeout = new Option<double>("--frame-timeout") { Description = "Seconds a started frame (or a HELLO) may take to arrive whole.", DefaultValueFactory = _ => 5 };
        var rekey = new Option<double>("--rekey-interval") { Description = "Seconds between session key re-derivations (0: never).", DefaultValueFactory = _ => 600 };
        var coolOff = new Option<double>("--quarantine-cool-off") { Description = "Seconds a quarantined engine stays read-only.", DefaultValueFactory = _ => 30 };
        var vertices = new Option<int?>("--max-mesh-vertices") { Description = "Vertices a mesh sent by an adapter may have (config: limits.max_mesh_vertices; default 1000000)." };
        var trust = new Option<string?>("--trust") { Description = "AI intents admitted without a human's approval: supervised (none), cosmetic, structural, destructive (config: trust; default cosmetic)." };
        trust.AcceptOnlyFromAmong("supervised", "cosmetic", "structural", "destructive");
        var source = new Option<string?>("--source-of-truth") { Description = "At an engine's first pairing, whose state wins where both have an object with different state (config: source_of_truth; default blender)." };
        source.AcceptOnlyFromAmong("blender", "unity");
        var window = new Option<double?>("--cosmetic-window-ms") { Description = "How long cosmetic intents are batched before one verification; provisional application is never held by it (config: windows_ms.cosmetic; default 250)." };
        var cluster = new Option<string?>("--cluster") { Description = "Team mode: nats://H1,nats://H2,nats://H3, a NATS JetStream cluster holding the journal (3 replicas) and the leader's lease; this node is a standby until it leads (docs/team.md)." };
        var node = new Option<string?>("--node") { Description = "This orchestrator's name in the cluster (with --cluster)." };
        var prefix = new Option<string?>("--cluster-prefix") { Description = "The deployment's name in JetStream (with --cluster; default VIBESYNC): a second deployment, or a benchmark, on the same NATS cluster uses another." };
        var listen = new Option<string?>("--listen") { Description = "Also take adapters from other machines at ADDR:PORT (e.g. 0.0.0.0:7420), over TLS 1.3 only, with a self-signed certificate kept in DIR/keys/tls.pfx whose SHA-256 and this endpoint are written into every engine key file for the adapter to pin. Loopback without TLS stays open." };
        var config = new Option<FileInfo?>("--config") { Description = "The policies file (default: DIR/config.json, written with the defaults on first start). Flags override it." };
        var command = new Command("serve",
            "Run the orchestrator: creates the data directory and its 0600 keys (keys/blender.key, keys/unity.key, keys/control.token for the CLI and the console, keys/ai.token for `vibesync mcp`) on first start, " +
            "listens on loopback for the adapters (signed sessions; with --listen also across the LAN over TLS 1.3) and on loopback only for the CLI (control API), writes DIR/serve.json, and logs JSON lines to stderr. " +
            "Policies come from DIR/config.json (trust mode, batch windows, limits, pairing, safe-mode thresholds); flags override it. " +
            "Stops cleanly on Ctrl-C or SIGTERM.")
        {
            data, config, port, apiPort, listen, heartbeat, frameTimeout, rekey, coolOff, vertices, trust, source, window, cluster, node, prefix,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var dir = parse.GetValue(data)!.FullName;
            var configPath = parse.GetValue(config)?.FullName ?? Path.Combine(dir, ServeConfig.FileName);
            ServeConfig file;
            try
            {
                file = ServeConfig.Read(configPath);
                if (parse.GetValue(config) == null && !File.Exists(configPath))
                    file.WriteIfMissing(configPath); // the defaults, where a user will look for them
            }
            catch (ConfigException e) { Console.Error.WriteLine($"error: {e.Message}"); return Program.InputError; }
            int p = parse.GetValue(port), a = parse.GetValue(apiPort);
            double hb = parse.GetValue(heartbeat) ?? file.HeartbeatTimeoutSeconds, ft = parse.GetValue(frameTimeout), rk = parse.GetValue(rekey), co = parse.GetValue(coolOff);
            if (p is < 0 or > 65535 || a is < 0 or > 65535) { Console.Error.WriteLine("error: ports are 0…65535"); return Program.InputError; }
            int mv = parse.GetValue(vertices) ?? file.MaxMeshVertices;
            string trustMode = parse.GetValue(trust) ?? file.Trust, sourceOfTruth = parse.GetValue(source) ?? file.SourceOfTruth;
            double cosmeticMs = parse.GetValue(window) ?? file.CosmeticWindowMs;
            if (hb <= 0 || ft <= 0 || rk < 0 || co < 0 || mv < 3) { Console.Error.WriteLine("error: timeouts must be positive (intervals ≥ 0)"); return Program.InputError; }
            System.Net.IPEndPoint? listenAt = null;
            if (parse.GetValue(listen) is { } at)
                try { listenAt = VibeSync.Link.Transport.TlsListen.ParseAddress(at); }
                catch (FormatException e) { Console.Error.WriteLine($"error: {e.Message}"); return Program.InputError; }
            var options = new ServeOptions
            {
                DataDirectory = dir,
                LinkPort = p,
                Listen = listenAt,
                SourceOfTruth = sourceOfTruth,
                Pipeline = new PipelineOptions
                {
                    Trust = trustMode switch
                    {
                        "supervised" => TrustMode.Supervised,
                        "structural" => new TrustMode(IntentClass.Structural),
                        "destructive" => new TrustMode(IntentClass.Destructive),
                        _ => TrustMode.Default,
                    },
                    CosmeticWindow = TimeSpan.FromMilliseconds(Math.Max(0, cosmeticMs)),
                    StructuralWindow = TimeSpan.FromMilliseconds(file.StructuralWindowMs),
                    EngineTimeout = TimeSpan.FromSeconds(file.EngineTimeoutSeconds),
                    UuidFailureThreshold = file.RollbacksPerObject,
                    OperationFailureThreshold = file.RollbacksPerOperation,
                    Limits = file.Admission with { MaxMeshVertices = mv },
                },
                ApiPort = a,
                Log = Console.Error,
                Link = new LinkOptions
                {
                    HeartbeatTimeout = TimeSpan.FromSeconds(hb),
                    HeartbeatInterval = TimeSpan.FromSeconds(Math.Min(5, hb / 2)),
                    FrameTimeout = TimeSpan.FromSeconds(ft),
                    HandshakeTimeout = TimeSpan.FromSeconds(ft),
                    RekeyInterval = TimeSpan.FromSeconds(rk),
                    QuarantineCoolOff = TimeSpan.FromSeconds(co),
                    MaxMeshVertices = mv,
                    MaxBlobBytes = file.Admission.MaxBlobBytes,
                    Tangents = file.Tangents,
                    SceneTime = file.SceneTime,
                },
            };
            if (parse.GetValue(cluster) is null && parse.GetValue(node) is not null) { Console.Error.WriteLine("error: --node needs --cluster"); return Program.InputError; }
            if (parse.GetValue(cluster) is { } urls)
            {
                if (Cluster.ClusterServe.Invalid(urls, parse.GetValue(node), parse.GetValue(prefix)) is { } invalid) { Console.Error.WriteLine($"error: {invalid}"); return Program.InputError; }
                return await Cluster.ClusterServe.RunAsync(options, urls, parse.GetValue(node)!, cancel, parse.GetValue(prefix));
            }
            using var runtimeTrace = Benchmarks.RuntimeTrace.StartIfAsked();
            OrchestratorService service;
            try { service = await OrchestratorService.StartAsync(options); }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            var stopped = new TaskCompletionSource();
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stopped.TrySetResult(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stopped.TrySetResult(); });
            Console.Out.WriteLine($"vibesync serve: link 127.0.0.1:{service.LinkPort}{(service.TlsEndpoint is { } tlsAt ? $" and {tlsAt} (TLS 1.3)" : "")}, control API 127.0.0.1:{service.ApiPort}, data {options.DataDirectory} (Ctrl-C stops)");
            Console.Out.Flush();
            await Task.WhenAny(stopped.Task, Task.Delay(Timeout.Infinite, cancel));
            await service.DisposeAsync();
            return 0;
        });
        return command;
    }
}
