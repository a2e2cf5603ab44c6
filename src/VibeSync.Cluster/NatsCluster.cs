// Three real nats-server processes (Debian's 2.9.10) clustered on free loopback ports, JetStream
// on, each with its own store directory under a temp folder; killed and deleted on dispose. The
// tests and `vibesync bench cluster` share it, so both measure and check the same cluster.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace VibeSync.Cluster;

/// <summary>A three-node NATS JetStream cluster on this machine, for one test (or test class) or one benchmark run.</summary>
public sealed class NatsCluster : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vibesync-nats-").FullName;
    private readonly int[] _clientPorts;
    private readonly int[] _routePorts;
    private readonly Process?[] _servers = new Process?[3];

    private NatsCluster()
    {
        var ports = FreePorts(6);
        _clientPorts = ports[..3];
        _routePorts = ports[3..];
    }

    /// <summary>Where nats-server is (PATH, else Debian's /usr/sbin).</summary>
    public static string Binary =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "nats-server")).FirstOrDefault(File.Exists)
        ?? "/usr/sbin/nats-server";

    /// <summary>The client URLs, comma-separated (what <c>serve --cluster</c> takes).</summary>
    public string Urls => string.Join(",", _clientPorts.Select(p => $"nats://127.0.0.1:{p}"));

    /// <summary>Starts the three servers and waits until JetStream answers with a meta leader.</summary>
    public static async Task<NatsCluster> StartAsync()
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException("nats-server is not installed (apt-get install nats-server; ./run-tests does it)");
        var cluster = new NatsCluster();
        for (int i = 0; i < 3; i++) cluster.Start(i);
        await cluster.WaitForJetStreamAsync(TimeSpan.FromSeconds(30));
        return cluster;
    }

    /// <summary>Starts (or restarts, on the same store) server <paramref name="i"/>.</summary>
    public void Start(int i)
    {
        var dir = Path.Combine(_root, $"n{i}");
        Directory.CreateDirectory(dir);
        var routes = string.Join(", ", _routePorts.Select(p => $"\"nats-route://127.0.0.1:{p}\""));
        var config = Path.Combine(dir, "nats.conf");
        File.WriteAllText(config, $$"""
            server_name: n{{i}}
            listen: 127.0.0.1:{{_clientPorts[i]}}
            max_payload: 8MB
            jetstream { store_dir: "{{Path.Combine(dir, "js")}}", max_memory_store: 64MB, max_file_store: 1GB }
            cluster { name: vibesync-test, listen: 127.0.0.1:{{_routePorts[i]}}, routes: [{{routes}}] }
            """);
        var start = new ProcessStartInfo(Binary, $"-c {config}") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var process = Process.Start(start)!;
        var log = Path.Combine(dir, "server.log");
        // Drained so the server never blocks on a full pipe; kept for a failing test's post-mortem.
        _ = Task.Run(async () => { using var w = new StreamWriter(log, append: true) { AutoFlush = true }; while (await process.StandardError.ReadLineAsync() is { } line) w.WriteLine(line); });
        _ = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync() is not null) { } });
        _servers[i] = process;
    }

    /// <summary>Kills server <paramref name="i"/> (SIGKILL) and waits for it to exit.</summary>
    public void Kill(int i)
    {
        if (_servers[i] is not { } p) return;
        try { p.Kill(); p.WaitForExit(10_000); } catch (InvalidOperationException) { }
        p.Dispose();
        _servers[i] = null;
    }

    /// <summary>A client connected to every server (it reconnects to a live one).</summary>
    public NatsConnection Connect() => new(new NatsOpts
    {
        Url = Urls,
        Name = "vibesync-test",
        MaxReconnectRetry = -1,
        ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
        ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
    });

    private async Task WaitForJetStreamAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        await using var nats = Connect();
        var js = new NatsJSContext(nats);
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                // A replicated stream can only be made once the meta group has a leader: make and drop one.
                await js.CreateStreamAsync(new NATS.Client.JetStream.Models.StreamConfig("READY", new[] { "ready" }) { NumReplicas = 3 });
                await js.DeleteStreamAsync("READY");
                return;
            }
            catch (Exception e) { last = e; await Task.Delay(250); }
        }
        throw new TimeoutException($"the NATS cluster did not become ready in {timeout.TotalSeconds} s (logs under {_root}): {last?.Message}");
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }

    /// <summary>Kills the three servers and deletes their store directories.</summary>
    public ValueTask DisposeAsync()
    {
        for (int i = 0; i < 3; i++) Kill(i);
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}
