using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace VibeSync.Cluster.ApiRelay;

/// <summary>
/// A standby's control-API port: HTTP on 127.0.0.1 only, where the CLI, <c>vibesync mcp</c> and
/// the console find it (the standby's <c>DIR/serve.json</c>). It judges nothing and adds nothing:
/// every request goes as it came (hop-by-hop headers aside) over NATS to whichever node leads,
/// whose own API decides (<see cref="ApiRelayResponder"/>), and the answer streams back. While no
/// node leads, or the leader stops answering, it answers 503 with a JSON error saying so.
/// </summary>
public sealed class ApiRelayFront : IAsyncDisposable
{
    /// <summary>How long a request waits for any leader to take it before the answer is "no leader".</summary>
    public static readonly TimeSpan LeaderAnswersWithin = TimeSpan.FromSeconds(5); // the leader says "alive" on receipt; 5 s allows a loaded machine

    private readonly WebApplication _app;
    private readonly INatsConnection _nats;
    private readonly string _subject;
    private readonly Func<string> _whoLeads;

    private ApiRelayFront(WebApplication app, INatsConnection nats, string subject, Func<string> whoLeads)
    {
        _app = app;
        _nats = nats;
        _subject = subject;
        _whoLeads = whoLeads;
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Starts it on loopback <paramref name="port"/> (0: a free one).</summary>
    /// <param name="nats">This node's connection to the cluster.</param>
    /// <param name="names">The deployment's names (the relay's subject).</param>
    /// <param name="port">The loopback port.</param>
    /// <param name="whoLeads">What this node knows of the lease, for the 503's message ("not the leader: alpha leads (term 1)").</param>
    public static async Task<ApiRelayFront> StartAsync(INatsConnection nats, ClusterNames names, int port, Func<string> whoLeads)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var front = new ApiRelayFront(app, nats, names.ApiSubject, whoLeads);
        app.Run(front.RelayAsync);
        await app.StartAsync().ConfigureAwait(false);
        front.Port = new Uri(app.Urls.First()).Port;
        return front;
    }

    private long MostBodyBytes => Math.Max(0, (_nats.ServerInfo?.MaxPayload ?? 1024 * 1024) - RelayWire.HeadRoom);

    private async Task RelayAsync(HttpContext context)
    {
        var cancel = context.RequestAborted;
        var body = await ReadBodyAsync(context.Request, cancel).ConfigureAwait(false);
        if (body is null)
        {
            await AnswerAsync(context, StatusCodes.Status413PayloadTooLarge, "RELAY_BODY_TOO_LARGE",
                $"this node is a standby and relays a request body of at most {MostBodyBytes} bytes to the leader (the NATS cluster's max_payload less {RelayWire.HeadRoom} bytes of headers); send it to the leader's own API, or raise max_payload (docs/team.md)").ConfigureAwait(false);
            return;
        }
        var headers = new List<string[]>();
        foreach (var (name, values) in context.Request.Headers)
            if (!HopByHop.Is(name))
                foreach (var value in values) headers.Add(new[] { name, value ?? "" });
        var head = new RelayedRequest(context.Request.Method, context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent(), context.Connection.LocalPort, headers);

        var inbox = _nats.NewInbox();
        var control = _nats.NewInbox();
        // Room for a 48 MiB GLB in flight at once (256 KiB chunks). Never Wait when full: that would stall this
        // node's whole NATS connection (its journal following) behind one slow browser; a drop shows as a gap in the numbers.
        await using var replies = await _nats.SubscribeCoreAsync<byte[]>(inbox, opts: new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = 1024, FullMode = BoundedChannelFullMode.DropNewest } }, cancellationToken: cancel).ConfigureAwait(false);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var alive = SayAliveAsync(control, done.Token);
        bool started = false;
        try
        {
            await _nats.PublishAsync(_subject, body, new NatsHeaders { [RelayWire.Head] = JsonSerializer.Serialize(head, RelayWire.Json), [RelayWire.Control] = control },
                replyTo: inbox, cancellationToken: cancel).ConfigureAwait(false);
            long expected = 0;
            while (true)
            {
                var msg = await NextAsync(replies, expected == 0 ? LeaderAnswersWithin : RelayWire.GoneAfter, cancel).ConfigureAwait(false);
                if (msg is null || msg.Value.Headers is { Code: 503 }) // silence, or NATS's "no responders": nobody serves the subject
                {
                    if (started) { context.Abort(); return; }
                    await AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, expected == 0 ? "NO_LEADER" : "LEADER_LOST",
                        (expected == 0 ? "no orchestrator leads the cluster right now (an election is under way, or the leader just stopped): this standby relays requests to the leader and had none to relay to"
                                       : "the leader stopped answering in the middle of this request (it may have died; a standby takes over within seconds)")
                        + $"; this node knows: {_whoLeads()}. Try again in a few seconds.").ConfigureAwait(false);
                    return;
                }
                var m = msg.Value;
                if (RelayWire.SeqOf(m) != expected++)
                {
                    if (started) { context.Abort(); return; }
                    await AnswerAsync(context, StatusCodes.Status502BadGateway, "RELAY_FAILED", "part of the leader's answer was lost on the way (NATS dropped a message); try again").ConfigureAwait(false);
                    return;
                }
                switch (RelayWire.KindOf(m))
                {
                    case "alive": continue;
                    case "head" when !started:
                        var answer = JsonSerializer.Deserialize<RelayedHead>(m.Data ?? Array.Empty<byte>(), RelayWire.Json)!;
                        context.Response.StatusCode = answer.Status;
                        foreach (var pair in answer.Headers)
                            if (pair is [var name, var value] && (!HopByHop.Is(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
                                context.Response.Headers.Append(name, value);
                        started = true;
                        await context.Response.StartAsync(cancel).ConfigureAwait(false);
                        continue;
                    case "body" when started:
                        await context.Response.Body.WriteAsync(m.Data, cancel).ConfigureAwait(false);
                        await context.Response.Body.FlushAsync(cancel).ConfigureAwait(false); // server-sent events go out as they come
                        continue;
                    case "end" when started:
                        return;
                    case "error" when !started:
                        var error = JsonSerializer.Deserialize<RelayError>(m.Data ?? Array.Empty<byte>(), RelayWire.Json)!;
                        await AnswerAsync(context, StatusCodes.Status502BadGateway, error.Code, error.Message).ConfigureAwait(false);
                        return;
                    default: // an error mid-body, or out of order: the answer cannot be completed
                        if (started) context.Abort();
                        else await AnswerAsync(context, StatusCodes.Status502BadGateway, "RELAY_FAILED", "the leader's answer was not a relay answer").ConfigureAwait(false);
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested) { } // the client went away
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
            await alive.ConfigureAwait(false);
            try { await _nats.PublishAsync(control, Array.Empty<byte>(), new NatsHeaders { [RelayWire.Kind] = "cancel" }).ConfigureAwait(false); }
            catch (Exception) { } // the leader stops on its own once we fall silent
        }
    }

    private static async Task<NatsMsg<byte[]>?> NextAsync(INatsSub<byte[]> replies, TimeSpan within, CancellationToken cancel)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(within);
        try { return await replies.Msgs.ReadAsync(wait.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested) { return null; }
    }

    /// <summary>Tells the leader, every AliveEvery, that someone still reads this answer.</summary>
    private async Task SayAliveAsync(string control, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RelayWire.AliveEvery, cancellationToken).ConfigureAwait(false);
                await _nats.PublishAsync(control, Array.Empty<byte>(), new NatsHeaders { [RelayWire.Kind] = "alive" }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
        catch (NatsException) { } // the leader stops streaming when we fall silent
    }

    /// <summary>The whole body, or null when it is larger than one NATS message can carry.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancel)
    {
        long most = MostBodyBytes;
        if (request.ContentLength > most) return null;
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, cancel).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > most) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static Task AnswerAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(new RelayError(code, message));
    }

    /// <summary>Stops listening; requests in flight are cut.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
