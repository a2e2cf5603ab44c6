using System.Net.Http.Headers;
using System.Text.Json;
using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Orchestrator.Control;

/// <summary>
/// The control API of the orchestrator serving a data directory, for programs that drive it (the
/// demo, the end-to-end benchmark, the MCP server): an error answer throws, with the orchestrator's
/// code and sentence. The port and token are read once and kept (reading <c>serve.json</c> and the
/// token on every call cost about a third of a request's median); a call that finds no orchestrator at the kept port,
/// or is refused as unauthorized, reads them again and, if they changed (serve restarted), is sent
/// once more, so a restarted orchestrator is found. Such a call never reached a handler, so sending it
/// again cannot do anything twice.
/// </summary>
public sealed class ControlApiClient
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly string _dir;
    private readonly string _token;
    private volatile Endpoint? _endpoint;

    /// <summary>For the orchestrator serving <paramref name="dataDirectory"/>, as the human who runs it (<c>keys/control.token</c>).</summary>
    public ControlApiClient(string dataDirectory) : this(dataDirectory, SecretFiles.ControlTokenPath(dataDirectory)) { }

    private ControlApiClient(string dataDirectory, string tokenPath)
    {
        _dir = dataDirectory;
        _token = tokenPath;
    }

    /// <summary>
    /// For an AI agent (<c>vibesync mcp</c>): holds only <c>keys/ai.token</c>, never the human's
    /// token, so it can submit only as ai:NAME and read only what an AI may see.
    /// </summary>
    public static ControlApiClient ForAi(string dataDirectory) => new(dataDirectory, SecretFiles.AiTokenPath(dataDirectory));

    /// <summary>Calls the API; returns the answer's body.</summary>
    public async Task<string> CallTextAsync(HttpMethod method, string path, string? json = null)
    {
        var endpoint = _endpoint ?? Reread();
        HttpResponseMessage reply;
        try
        {
            reply = await SendAsync(endpoint, method, path, json).ConfigureAwait(false);
            if (reply.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                Endpoint fresh;
                try { fresh = Reread(); }
                catch { reply.Dispose(); throw; }
                if (fresh != endpoint)
                {
                    reply.Dispose();
                    reply = await SendAsync(fresh, method, path, json).ConfigureAwait(false);
                }
            }
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            var fresh = Reread(); // no serve.json now: "no orchestrator serves", as before the port was kept
            if (fresh == endpoint) throw;
            reply = await SendAsync(fresh, method, path, json).ConfigureAwait(false);
        }
        using (reply)
        {
            var body = await reply.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!reply.IsSuccessStatusCode) throw new ControlApiException($"{path}: {(int)reply.StatusCode} {body}", (int)reply.StatusCode, body);
            return body;
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(Endpoint endpoint, HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, endpoint.Origin + path);
        request.Headers.Authorization = endpoint.Authorization;
        if (json != null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return await Http.SendAsync(request).ConfigureAwait(false);
    }

    /// <summary>Reads serve.json and the token afresh and keeps them.</summary>
    private Endpoint Reread()
    {
        var info = ServerInfo.Read(_dir) ?? throw new ControlApiException($"no orchestrator serves {_dir} (no serve.json)");
        var endpoint = new Endpoint($"http://127.0.0.1:{info.ApiPort}", Hex.Encode(SecretFiles.Load(_token)));
        _endpoint = endpoint;
        return endpoint;
    }

    /// <summary>Where the orchestrator answers and the secret it wants (equal when both are).</summary>
    private sealed record Endpoint(string Origin, string Token)
    {
        public AuthenticationHeaderValue Authorization { get; } = new("Bearer", Token);
    }

    /// <summary>Calls the API; returns the answer as JSON.</summary>
    public async Task<JsonElement> CallAsync(HttpMethod method, string path, string? json = null) =>
        JsonDocument.Parse(await CallTextAsync(method, path, json)).RootElement.Clone();

    /// <summary>GET /v1/status.</summary>
    public Task<JsonElement> StatusAsync() => CallAsync(HttpMethod.Get, "/v1/status");

    /// <summary>POST with an optional JSON body.</summary>
    public Task<JsonElement> PostAsync(string path, string? json = null) => CallAsync(HttpMethod.Post, path, json);

    /// <summary>What an engine holds now, read back through the orchestrator, in canonical values.</summary>
    public async Task<Scene> StateAsync(string engine) =>
        SceneJsonReader.ReadCanonical(await CallTextAsync(HttpMethod.Get, $"/v1/state?engine={engine}"),
            EngineInstance.TryParse(engine, out var instance, out _) ? instance!.Space : Space.Canonical);

    /// <summary>An engine's sync phase in a status answer.</summary>
    public static string Phase(JsonElement status, string engine) =>
        status.GetProperty("sync").GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("engine").GetString() == engine).GetProperty("phase").GetString()!;

    /// <summary>Reality's root in a status answer.</summary>
    public static string RealityRoot(JsonElement status) => status.GetProperty("sync").GetProperty("reality_root").GetString()!;
}

/// <summary>The control API answered with an error, or no orchestrator serves the directory.</summary>
public sealed class ControlApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ControlApiException(string message, int status = 0, string? body = null) : base(message) { Status = status; Body = body; }

    /// <summary>The HTTP status of the answer (0: no orchestrator answered).</summary>
    public int Status { get; }

    /// <summary>The answer's body (the orchestrator's code and sentence as JSON), if any.</summary>
    public string? Body { get; }
}
