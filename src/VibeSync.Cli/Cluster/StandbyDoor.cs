// Design rationale (issue #22 §3): adapters know every node's endpoint, so they may knock on a
// standby. A closed port would only say "no orchestrator here"; the standby instead runs the link's
// real front door — the same TLS 1.3 listener, stranger pool and HELLO authentication as the
// leader's — and answers an authenticated HELLO with REFUSED NOT_LEADER naming the leader's
// endpoint from the lease. No session is ever welcomed, so nothing can be applied or journaled here.
using VibeSync.Link;
using VibeSync.Orchestrator;
using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Operations;

namespace VibeSync.Cli.Cluster;

/// <summary>A standby's link listener on its <c>--listen</c> endpoint: every HELLO is refused with <c>NOT_LEADER</c>.</summary>
internal sealed class StandbyDoor : ILinkHost, IAsyncDisposable
{
    private readonly LinkServer _link;
    private readonly Func<string> _why;
    private readonly Func<string?> _leader;

    private StandbyDoor(ServeOptions options, System.Net.IPEndPoint listen, Func<string> why, Func<string?> leader)
    {
        _why = why;
        _leader = leader;
        // The same keys and certificate the node serves with once it leads, so one key file's pin and key serve every node.
        _link = new LinkServer(options.Link with { Port = 0, Tls = TlsCertificate.Listen(options.DataDirectory, listen) },
            EngineKeys.LoadAll(options.DataDirectory), this, new LinkLog(options.Log));
    }

    /// <summary>Opens the door on <paramref name="listen"/>; <paramref name="why"/> and <paramref name="leader"/> are read at each HELLO.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The address cannot be bound.</exception>
    /// <exception cref="InvalidDataException">The certificate or a key file is not usable.</exception>
    public static StandbyDoor Open(ServeOptions options, System.Net.IPEndPoint listen, Func<string> why, Func<string?> leader)
    {
        var door = new StandbyDoor(options, listen, why, leader);
        door._link.Start();
        return door;
    }

    /// <summary>Where it listens over TLS.</summary>
    public System.Net.IPEndPoint Endpoint => _link.TlsEndpoint!;

    public (string Code, string Message)? AdmitHello(Hello hello) =>
        (LeaderHint.NotLeader, _leader() is null ? $"{_why()}; try the key file's other endpoints" : _why()); // the lease's sentence names the endpoint when known

    public string? LeaderEndpoint => _leader();

    // Never reached: no HELLO is welcomed, so no session exists to send these.
    public void Panic(string engine, string code, string reason) { }

    public Task<(string Code, string Message)?> EditAsync(string engine, IntentRequest edit) =>
        Task.FromResult<(string Code, string Message)?>((LeaderHint.NotLeader, _why()));

    public ValueTask DisposeAsync() => _link.DisposeAsync();
}
