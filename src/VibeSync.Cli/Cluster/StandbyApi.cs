using NATS.Client.Core;
using VibeSync.Cluster;
using VibeSync.Cluster.ApiRelay;
using VibeSync.Orchestrator;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Cli.Cluster;

/// <summary>
/// A standby's control API: the relay front on loopback, announced in <c>DIR/serve.json</c> where
/// the CLI, <c>vibesync mcp</c> and <c>vibesync console</c> look, so the tools work on any node.
/// serve.json's <c>link_port</c> is 0: a standby takes no adapter on this port.
/// </summary>
internal sealed class StandbyApi : IAsyncDisposable
{
    private readonly ApiRelayFront _front;
    private readonly string _dir;

    private StandbyApi(ApiRelayFront front, string dir)
    {
        _front = front;
        _dir = dir;
    }

    public int Port => _front.Port;

    public static async Task<StandbyApi> StartAsync(INatsConnection nats, ClusterNames names, ServeOptions options, LeaderLease lease)
    {
        var front = await ApiRelayFront.StartAsync(nats, names, options.ApiPort, lease.NotLeaderMessage).ConfigureAwait(false);
        new ServerInfo(Environment.ProcessId, 0, front.Port, DateTimeOffset.UtcNow, VibeSync.Protocol.Link.ProtocolVersion.Current).Write(options.DataDirectory);
        return new StandbyApi(front, options.DataDirectory);
    }

    /// <summary>Stops relaying and removes serve.json (the orchestrator writes its own when it leads).</summary>
    public async ValueTask DisposeAsync()
    {
        await _front.DisposeAsync().ConfigureAwait(false);
        File.Delete(ServerInfo.PathIn(_dir));
    }
}
