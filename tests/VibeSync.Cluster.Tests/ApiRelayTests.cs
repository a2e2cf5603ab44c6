using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VibeSync.Cluster.ApiRelay;

namespace VibeSync.Cluster.Tests;

/// <summary>
/// The relay's transport on three real nats-server processes, against a stand-in for the leader's
/// API (a loopback HTTP server): bodies larger than one NATS message, a server-sent-events stream,
/// no leader, and a leader that stops in the middle of an answer.
/// </summary>
public sealed class ApiRelayTests : IAsyncLifetime
{
    private static readonly byte[] Big = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17); // > max_payload at NATS's default, 12 chunks
    private NatsCluster _cluster = null!;
    private WebApplication _api = null!;
    private int _apiPort;
    private readonly ClusterNames _names = new("RELAYTEST");

    public async Task InitializeAsync()
    {
        _cluster = await NatsCluster.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _api = builder.Build();
        _api.MapGet("/big", () => Results.Bytes(Big, "application/octet-stream"));
        _api.MapPost("/echo", async (HttpRequest r) =>
        {
            var body = new MemoryStream();
            await r.Body.CopyToAsync(body);
            return Results.Json(new { host = r.Headers.Host.ToString(), origin = r.Headers.Origin.ToString(), auth = r.Headers.Authorization.ToString(), bytes = body.Length });
        });
        _api.MapGet("/events", async (HttpContext http) =>
        {
            http.Response.ContentType = "text/event-stream";
            for (int i = 0; !http.RequestAborted.IsCancellationRequested; i++)
            {
                await http.Response.WriteAsync($"data: {i}\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                await Task.Delay(i < 3 ? 100 : 3000, http.RequestAborted); // then quiet longer than a keep-alive period
            }
        });
        await _api.StartAsync();
        _apiPort = new Uri(_api.Urls.First()).Port;
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task a_body_larger_than_a_nats_message_arrives_whole_and_headers_reach_the_leader_as_the_standby_got_them()
    {
        await using var nats = _cluster.Connect();
        await using var responder = ApiRelayResponder.Start(nats, _names, _apiPort, _ => { });
        await using var front = await ApiRelayFront.StartAsync(nats, _names, 0, () => "test");
        using var http = new HttpClient();
        Assert.Equal(Big, await http.GetByteArrayAsync($"http://127.0.0.1:{front.Port}/big"));

        using var post = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{front.Port}/echo") { Content = new ByteArrayContent(new byte[500_000]) };
        post.Headers.Authorization = new("Bearer", "abc");
        post.Headers.Add("Origin", $"http://localhost:{front.Port}");
        var echo = JsonDocument.Parse(await (await http.SendAsync(post)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal($"127.0.0.1:{_apiPort}", echo.GetProperty("host").GetString());
        Assert.Equal($"http://localhost:{_apiPort}", echo.GetProperty("origin").GetString());
        Assert.Equal("Bearer abc", echo.GetProperty("auth").GetString());
        Assert.Equal(500_000, echo.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task server_sent_events_stream_through_the_relay_as_they_come_across_quiet_spells()
    {
        await using var nats = _cluster.Connect();
        await using var responder = ApiRelayResponder.Start(nats, _names, _apiPort, _ => { });
        await using var front = await ApiRelayFront.StartAsync(nats, _names, 0, () => "test");
        using var http = new HttpClient();
        using var answer = await http.GetAsync($"http://127.0.0.1:{front.Port}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", answer.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await answer.Content.ReadAsStreamAsync());
        var seen = new List<string>();
        using var within = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (seen.Count < 5 && await reader.ReadLineAsync(within.Token) is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal)) seen.Add(line);
        Assert.Equal(new[] { "data: 0", "data: 1", "data: 2", "data: 3", "data: 4" }, seen); // 4 and 5 came after 3 s of silence each
    }

    [Fact]
    public async Task with_no_leader_the_standby_answers_503_no_leader_within_seconds()
    {
        await using var nats = _cluster.Connect();
        await using var front = await ApiRelayFront.StartAsync(nats, _names, 0, () => "not the leader: no orchestrator leads yet");
        using var http = new HttpClient();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var answer = await http.GetAsync($"http://127.0.0.1:{front.Port}/v1/status");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        var error = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("NO_LEADER", error.GetProperty("code").GetString());
        Assert.Contains("no orchestrator leads yet", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task a_leader_that_stops_mid_stream_ends_the_answer_instead_of_leaving_it_hanging()
    {
        await using var nats = _cluster.Connect();
        await using var leaderNats = _cluster.Connect(); // the leader's own connection, lost with it
        var responder = ApiRelayResponder.Start(leaderNats, _names, _apiPort, _ => { });
        await using var front = await ApiRelayFront.StartAsync(nats, _names, 0, () => "test");
        using var http = new HttpClient();
        using var answer = await http.GetAsync($"http://127.0.0.1:{front.Port}/events", HttpCompletionOption.ResponseHeadersRead);
        var stream = await answer.Content.ReadAsStreamAsync();
        var buffer = new byte[1024];
        Assert.True(await stream.ReadAsync(buffer) > 0);
        await leaderNats.DisposeAsync(); // the leader's process is gone: nothing more comes, not even a keep-alive
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Cut after the relay's silence limit (RelayWire.GoneAfter), as a proxy cuts an answer whose upstream died.
        try { while (await stream.ReadAsync(buffer) > 0) { } }
        catch (Exception e) when (e is IOException or HttpRequestException) { }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the answer hung {clock.Elapsed}");
        try { await responder.DisposeAsync(); } catch (Exception) { }
    }
}
