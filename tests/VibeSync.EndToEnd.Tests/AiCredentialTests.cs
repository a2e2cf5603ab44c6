using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// The agent holds no human credential (issue #16): serve makes <c>keys/ai.token</c> next to
/// <c>keys/control.token</c>; the control API takes it only for AI actors on the routes an agent
/// may use, and answers only its own Host (DNS rebinding), whatever the token. Against a real serve.
/// </summary>
public sealed class AiCredentialTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private ServeProcess _serve = null!;

    public async Task InitializeAsync() => _serve = await ServeProcess.StartAsync();

    public async Task DisposeAsync() => await _serve.DisposeAsync();

    private string Token(string file) => File.ReadAllText(Path.Combine(_serve.DataDirectory, "keys", file)).Trim();

    private async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(string token, HttpMethod method, string path, string? json = null, string? host = null)
    {
        using var request = new HttpRequestMessage(method, $"http://127.0.0.1:{_serve.ApiPort}{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (host != null) request.Headers.Host = host;
        if (json != null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var reply = await Http.SendAsync(request);
        var text = await reply.Content.ReadAsStringAsync();
        return (reply.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public void serve_makes_an_ai_credential_of_its_own_that_only_its_owner_may_read()
    {
        var path = Path.Combine(_serve.DataDirectory, "keys", "ai.token");
        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Matches("^[0-9a-f]{64}$", Token("ai.token"));
        Assert.NotEqual(Token("control.token"), Token("ai.token"));
    }

    [Fact]
    public async Task the_ai_credential_may_not_approve_deny_pause_resume_unlock_restore_or_pair_nor_speak_for_a_human()
    {
        string ai = Token("ai.token");
        const string intent = """{"operations": [{"op": "set_transform", "uuid": "00000000-0000-4000-8000-000000000001", "translation": [1, 0, 0]}], "rationale": "r"}""";
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Post, "/v1/intents/1/approve"), (HttpMethod.Post, "/v1/intents/1/deny"), (HttpMethod.Post, "/v1/pause"), (HttpMethod.Post, "/v1/resume"),
            (HttpMethod.Post, "/v1/emergency-unlock"), (HttpMethod.Post, "/v1/restore?ref=HEAD"), (HttpMethod.Post, "/v1/pair?engine=blender&replace=true"),
            (HttpMethod.Post, "/v1/intents?actor=human:cli"), (HttpMethod.Post, "/v1/intents?actor=emergency:me"), (HttpMethod.Post, "/v1/intents"),
            (HttpMethod.Delete, "/v1/intents/1"), (HttpMethod.Get, "/v1/anything-else"),
        })
        {
            var (status, body) = await CallAsync(ai, method, path, path.StartsWith("/v1/intents?") || path == "/v1/intents" ? intent : null);
            Assert.True(status == HttpStatusCode.Forbidden, $"{method} {path}: {status} {body}");
            Assert.Equal("FORBIDDEN_FOR_AI", body.GetProperty("code").GetString());
        }
        var status0 = (await CallAsync(Token("control.token"), HttpMethod.Get, "/v1/status")).Body;
        Assert.True(status0.GetProperty("sync").GetProperty("safe_mode").ValueKind == JsonValueKind.Null, "an AI's pause took effect");

        // What it may do: submit as ai:NAME, and read.
        var (submitted, answer) = await CallAsync(ai, HttpMethod.Post, "/v1/intents?actor=ai:claude", intent);
        Assert.Equal(HttpStatusCode.OK, submitted);
        Assert.Equal("UNKNOWN_UUID", answer.GetProperty("code").GetString());
        foreach (var path in new[] { "/v1/status", "/v1/state?engine=reality", "/v1/wal?since=0", $"/v1/intents/{answer.GetProperty("intent").GetUInt64()}" })
            Assert.Equal(HttpStatusCode.OK, (await CallAsync(ai, HttpMethod.Get, path)).Status);
        // The human's token still does all of it.
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(Token("control.token"), HttpMethod.Post, "/v1/pause")).Status);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(Token("control.token"), HttpMethod.Post, "/v1/resume")).Status);
    }

    [Fact]
    public async Task an_ai_reads_status_as_an_ai_sees_it()
    {
        var (status, body) = await CallAsync(Token("ai.token"), HttpMethod.Get, "/v1/status");
        Assert.Equal(HttpStatusCode.OK, status);
        var sync = body.GetProperty("sync");
        Assert.Equal(0, sync.GetProperty("objects").GetInt32());
        Assert.True(sync.TryGetProperty("reality_root", out _));
        foreach (var withheld in new[] { "link", "panics", "pid", "data_directory" }) Assert.False(body.TryGetProperty(withheld, out _), withheld);
        foreach (var withheld in new[] { "unreachable", "not_synced", "parity_root", "paired_file" })
            Assert.False(sync.GetProperty("engines")[0].TryGetProperty(withheld, out _), withheld);
    }

    [Fact]
    public async Task the_control_api_answers_only_its_own_host_whatever_the_token()
    {
        foreach (var token in new[] { Token("control.token"), Token("ai.token") })
        {
            foreach (var host in new[] { $"evil.example:{_serve.ApiPort}", $"127.0.0.1.evil.example:{_serve.ApiPort}", "127.0.0.1", $"127.0.0.1:{_serve.ApiPort + 1}" })
            {
                var (status, body) = await CallAsync(token, HttpMethod.Get, "/v1/status", host: host);
                Assert.True(status == HttpStatusCode.Forbidden, $"Host {host}: {status}");
                Assert.Equal("BAD_HOST", body.GetProperty("code").GetString());
            }
            Assert.Equal(HttpStatusCode.OK, (await CallAsync(token, HttpMethod.Get, "/v1/status", host: $"localhost:{_serve.ApiPort}")).Status);
            Assert.Equal(HttpStatusCode.OK, (await CallAsync(token, HttpMethod.Get, "/v1/status")).Status);
        }
        // A rebinding page may not even pause automation with a token it somehow had.
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(Token("control.token"), HttpMethod.Post, "/v1/pause", host: "evil.example")).Status);
    }
}
