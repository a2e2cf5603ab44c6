using System.Text.Json;
using VibeSync.Cluster;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// The <c>serve --cluster</c> nodes one test starts on one NATS cluster, leader and standbys alike.
/// Disposing it stops every node it started, whether or not a standby ever led and whatever the
/// test threw: SIGTERM, then its whole process group killed (a standby that never leads never
/// prints its ready line, so nothing else would own it).
/// </summary>
public sealed class ClusterNodes(NatsCluster cluster) : IAsyncDisposable
{
    private readonly List<ServeProcess> _started = new();

    /// <summary>Starts node <paramref name="node"/> on <paramref name="dir"/> and waits for it to serve (the first node leads).</summary>
    public async Task<ServeProcess> LeaderAsync(string dir, string node, params string[] extra)
    {
        var serve = Launch(dir, node, extra);
        return await serve.ReadyAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Starts node <paramref name="node"/> on <paramref name="dir"/> while another leads, and waits
    /// until its <c>cluster.json</c> names the node that leads (up to 30 s); <see cref="Standby.Leads"/> completes once it leads.
    /// </summary>
    public async Task<Standby> StandbyAsync(string dir, string node, params string[] extra)
    {
        var standby = new Standby(Launch(dir, node, extra));
        var status = Path.Combine(dir, "cluster.json");
        for (int i = 0; i < 300 && !(File.Exists(status) && File.ReadAllText(status).Contains(" leads (term")); i++) await Task.Delay(100);
        return standby;
    }

    private ServeProcess Launch(string dir, string node, string[] extra)
    {
        var serve = ServeProcess.Launch(dir, new[] { "--cluster", cluster.Urls, "--node", node }.Concat(extra).ToArray());
        lock (_started) _started.Add(serve);
        return serve;
    }

    /// <summary>A node started while another leads.</summary>
    public sealed class Standby
    {
        internal Standby(ServeProcess process)
        {
            Process = process;
            Leads = process.ReadyAsync(TimeSpan.FromMinutes(10)); // its ready line comes only once it leads
        }

        /// <summary>The process, from its start (its pid, its log); its ports are known once it leads.</summary>
        public ServeProcess Process { get; }

        /// <summary>Completes when it leads and serves.</summary>
        public Task<ServeProcess> Leads { get; }

        /// <summary>Its <c>cluster.json</c>.</summary>
        public string Status => Path.Combine(Process.DataDirectory, "cluster.json");

        /// <summary>Waits up to <paramref name="timeout"/> for it to lead.</summary>
        public Task<ServeProcess> LeadsAsync(TimeSpan timeout) => Leads.WaitAsync(timeout);
    }

    /// <summary>Nodes share the keys (docs/team.md): the standby's data directory gets the leader's before it starts.</summary>
    public static void CopyKeys(string leaderDir, string standbyDir)
    {
        var to = Path.Combine(standbyDir, "keys");
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(Path.Combine(leaderDir, "keys"))) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>The standby's control-API port (its relay), once its serve.json names one.</summary>
    public static async Task<int> RelayPortAsync(string dir)
    {
        var file = Path.Combine(dir, "serve.json");
        for (int i = 0; i < 600; i++, await Task.Delay(100))
        {
            if (!File.Exists(file)) continue;
            try { return JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("api_port").GetInt32(); }
            catch (Exception e) when (e is JsonException or IOException) { }
        }
        throw new Xunit.Sdk.XunitException($"the standby wrote no {file}");
    }

    /// <summary>Stops every node it started (data directories are the test's to remove).</summary>
    public async ValueTask DisposeAsync()
    {
        ServeProcess[] started;
        lock (_started) started = _started.ToArray();
        foreach (var serve in started)
        {
            serve.KeepData = true;
            await serve.DisposeAsync(); // SIGTERM, then the process group killed
        }
    }
}
