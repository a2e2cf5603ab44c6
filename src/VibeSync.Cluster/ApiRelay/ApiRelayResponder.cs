using System.Net.Http.Headers;
using System.Text.Json;
using NATS.Client.Core;

namespace VibeSync.Cluster.ApiRelay;

/// <summary>
/// The leader's end of the relay: takes each request a standby publishes on
/// <see cref="ClusterNames.ApiSubject"/> and makes it, as an ordinary HTTP request, to the
/// leader's own control API on loopback — so the API's own checks (Host, token, console cookie,
/// Origin, anti-forgery token) judge it exactly as they judge a local client — and streams the
/// answer back. Adds no credential of its own. Runs only while this node leads.
/// </summary>
public sealed class ApiRelayResponder : IAsyncDisposable
{
    private readonly INatsConnection _nats;
    private readonly int _apiPort;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly Action<string> _log;

    private ApiRelayResponder(INatsConnection nats, string subject, int apiPort, Action<string> log)
    {
        _nats = nats;
        _apiPort = apiPort;
        _log = log;
        // No cookies kept, no redirect followed, nothing decompressed: the answer goes back as the API gave it.
        _http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, AutomaticDecompression = System.Net.DecompressionMethods.None, UseProxy = false })
            { Timeout = Timeout.InfiniteTimeSpan };
        _serving = ServeAsync(subject);
    }

    /// <summary>Serves the deployment's relay subject for the API on <paramref name="apiPort"/> until disposed.</summary>
    public static ApiRelayResponder Start(INatsConnection nats, ClusterNames names, int apiPort, Action<string> log) =>
        new(nats, names.ApiSubject, apiPort, log);

    private async Task ServeAsync(string subject)
    {
        try
        {
            // A queue group: were two nodes briefly subscribed across a handover, each request is still answered once.
            await foreach (var msg in _nats.SubscribeAsync<byte[]>(subject, queueGroup: "leader", cancellationToken: _stop.Token).ConfigureAwait(false))
                _ = Task.Run(() => AnswerAsync(msg));
        }
        catch (OperationCanceledException) { }
    }

    private async Task AnswerAsync(NatsMsg<byte[]> msg)
    {
        if (msg.ReplyTo is not { } inbox) return;
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var send = new ReplySender(_nats, inbox);
        Task? watching = null, alive = null;
        try
        {
            var head = msg.Headers is { } h && h.TryGetValue(RelayWire.Head, out var v) ? JsonSerializer.Deserialize<RelayedRequest>(v.ToString(), RelayWire.Json) : null;
            if (head is null || !head.Target.StartsWith('/'))
            {
                await send.ErrorAsync("BAD_RELAY", "not a relayed request").ConfigureAwait(false);
                return;
            }
            // Said at once and every AliveEvery until the end: a slow answer (wait=settled) is not mistaken for a dead leader.
            alive = send.AliveAsync(gone.Token);
            if (msg.Headers!.TryGetValue(RelayWire.Control, out var control)) watching = WatchStandbyAsync(control.ToString(), gone);
            using var request = ToHttp(head, msg.Data ?? Array.Empty<byte>());
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, gone.Token).ConfigureAwait(false);
            var headers = new List<string[]>();
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
                if (!HopByHop.Is(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    foreach (var value in values)
                        headers.Add(new[] { name, name.Equals("Location", StringComparison.OrdinalIgnoreCase) ? RelayedAuthority.Location(value, head.StandbyPort, _apiPort) : value });
            await send.SendAsync("head", JsonSerializer.SerializeToUtf8Bytes(new RelayedHead((int)response.StatusCode, headers), RelayWire.Json), gone.Token).ConfigureAwait(false);

            await using var body = await response.Content.ReadAsStreamAsync(gone.Token).ConfigureAwait(false);
            var buffer = new byte[RelayWire.ChunkBytes];
            int n;
            while ((n = await body.ReadAsync(buffer, gone.Token).ConfigureAwait(false)) > 0)
                await send.SendAsync("body", buffer[..n], gone.Token).ConfigureAwait(false);
            await send.SendAsync("end", Array.Empty<byte>(), gone.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { } // the standby went away or this node stopped leading
        catch (Exception e) // anything else (a method HttpClient will not send, a header it rejects): answered, never left to time out
        {
            _log($"relayed request failed at the leader: {e.Message}");
            try { await send.ErrorAsync("RELAY_FAILED", $"the leader could not answer the relayed request: {e.Message}").ConfigureAwait(false); }
            catch (Exception) { /* the standby times out on its own */ }
        }
        finally
        {
            await gone.CancelAsync().ConfigureAwait(false);
            foreach (var task in new[] { watching, alive })
                if (task != null) try { await task.ConfigureAwait(false); } catch (Exception) { }
        }
    }

    /// <summary>The numbered replies of one request, one at a time so their numbers arrive in order.</summary>
    private sealed class ReplySender(INatsConnection nats, string inbox)
    {
        private readonly SemaphoreSlim _one = new(1, 1);
        private long _seq;

        public async Task SendAsync(string kind, byte[] data, CancellationToken cancellationToken)
        {
            await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
            try { await nats.PublishAsync(inbox, data, RelayWire.Headers(kind, _seq++), cancellationToken: cancellationToken).ConfigureAwait(false); }
            finally { _one.Release(); }
        }

        public Task ErrorAsync(string code, string message) =>
            SendAsync("error", JsonSerializer.SerializeToUtf8Bytes(new RelayError(code, message), RelayWire.Json), CancellationToken.None);

        public async Task AliveAsync(CancellationToken cancellationToken)
        {
            try
            {
                while (true)
                {
                    await SendAsync("alive", Array.Empty<byte>(), cancellationToken).ConfigureAwait(false);
                    await Task.Delay(RelayWire.AliveEvery, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>Cancels <paramref name="gone"/> when the standby cancels or falls silent (it died: stop streaming to nobody).</summary>
    private async Task WatchStandbyAsync(string control, CancellationTokenSource gone)
    {
        await using var sub = await _nats.SubscribeCoreAsync<byte[]>(control, cancellationToken: gone.Token).ConfigureAwait(false);
        while (!gone.IsCancellationRequested)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(gone.Token);
            wait.CancelAfter(RelayWire.GoneAfter);
            try
            {
                var msg = await sub.Msgs.ReadAsync(wait.Token).ConfigureAwait(false);
                if (RelayWire.KindOf(msg) == "cancel") break;
            }
            catch (OperationCanceledException) when (!gone.IsCancellationRequested) { break; } // silent: gone
        }
        await gone.CancelAsync().ConfigureAwait(false);
    }

    private HttpRequestMessage ToHttp(RelayedRequest head, byte[] body)
    {
        var request = new HttpRequestMessage(new HttpMethod(head.Method), $"http://127.0.0.1:{_apiPort}{head.Target}");
        if (body.Length > 0 || head.Method is not ("GET" or "HEAD")) request.Content = new ByteArrayContent(body);
        bool hostSeen = false;
        foreach (var pair in head.Headers)
        {
            if (pair is not [var name, var value] || HopByHop.Is(name)) continue;
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = RelayedAuthority.Host(value, head.StandbyPort, _apiPort);
                hostSeen = true;
                continue;
            }
            if (name.Equals("Origin", StringComparison.OrdinalIgnoreCase)) value = RelayedAuthority.Origin(value, head.StandbyPort, _apiPort);
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        if (!hostSeen) request.Headers.Host = RelayedAuthority.Foreign; // HTTP/1.1 needs one; the standby always sends it
        return request;
    }

    /// <summary>Stops serving; requests in flight are cut (their standbys answer 503).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _serving.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _http.Dispose();
        _stop.Dispose();
    }
}
