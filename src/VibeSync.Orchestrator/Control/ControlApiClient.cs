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
/// The control API of the orchestrator serving a data directory, for everything that calls it (the
/// CLI's commands, the demo, the benchmarks, the MCP server): the one place that finds serve and
/// proves who calls. <see cref="CallAsync"/> throws an error answer with the orchestrator's code and
/// sentence; <see cref="SendAsync(HttpMethod, string, string?, TimeSpan?, CancellationToken)"/> returns
/// it, for the CLI to say in words. The port and token are read once and kept (reading <c>serve.json</c> and the
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

    /// <summary>
    /// Calls the API and returns its answer whatever its status, for a caller that says itself what an
    /// error answer means (the CLI, in words for a person). The one place a call is sent and retried.
    /// It gives up (<see cref="OperationCanceledException"/>) after <paramref name="timeout"/>, at most 60 s.
    /// </summary>
    /// <exception cref="ControlApiException">No orchestrator serves the directory (no <c>serve.json</c>; <see cref="ControlApiException.Status"/> 0).</exception>
    /// <exception cref="InvalidDataException"><c>serve.json</c> is not what a server writes.</exception>
    /// <exception cref="ControlCredentialException"><c>serve.json</c> names an orchestrator but this client's token file is missing or cannot be used.</exception>
    /// <exception cref="HttpRequestException">Nothing answered at the port <c>serve.json</c> names (<see cref="Server"/>).</exception>
    public async Task<ControlApiAnswer> SendAsync(HttpMethod method, string path, string? json = null, TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (timeout is { } t) deadline.CancelAfter(t);
        var endpoint = _endpoint ?? Reread();
        HttpResponseMessage reply;
        try
        {
            reply = await SendAsync(endpoint, method, path, json, deadline.Token).ConfigureAwait(false);
            if (reply.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                Endpoint fresh;
                try { fresh = Reread(); }
                catch { reply.Dispose(); throw; }
                if (fresh != endpoint)
                {
                    reply.Dispose();
                    reply = await SendAsync(fresh, method, path, json, deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            var fresh = Reread(); // no serve.json now: "no orchestrator serves", as before the port was kept
            if (fresh == endpoint) throw;
            reply = await SendAsync(fresh, method, path, json, deadline.Token).ConfigureAwait(false);
        }
        using (reply)
            return new ControlApiAnswer(reply.StatusCode, reply.ReasonPhrase, await reply.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false));
    }

    /// <summary>Calls the API; returns the answer's body, or throws <see cref="ControlApiException"/> with an error answer's status and body.</summary>
    public async Task<string> CallTextAsync(HttpMethod method, string path, string? json = null)
    {
        var answer = await SendAsync(method, path, json).ConfigureAwait(false);
        if (!answer.IsSuccess) throw new ControlApiException($"{path}: {(int)answer.Status} {answer.Body}", (int)answer.Status, answer.Body);
        return answer.Body;
    }

    /// <summary>
    /// The <c>serve.json</c> the kept port and token were read with (which orchestrator, its pid, its
    /// ports), or null before a call found one.
    /// </summary>
    public ServerInfo? Server => _endpoint?.Server;

    /// <summary>
    /// A one-time login link to the web console of the orchestrator the last call reached, signed with
    /// the token this client holds (only the human's, <c>keys/control.token</c>, logs in): the port
    /// and token that call used, not a second read of the files, so the link names the serve that answered.
    /// It works once, for a minute from <paramref name="now"/>, and lands on <paramref name="next"/> (a console path) if given.
    /// </summary>
    /// <exception cref="InvalidOperationException">No call has found an orchestrator yet.</exception>
    public string ConsoleLoginLink(DateTimeOffset now, string? next = null)
    {
        var endpoint = _endpoint ?? throw new InvalidOperationException("no call has found the orchestrator yet: call it first");
        return WebConsole.ConsoleUrls.Login(endpoint.Server.ApiPort, WebConsole.LoginNonces.Issue(Convert.FromHexString(endpoint.Token), now), next);
    }

    private static async Task<HttpResponseMessage> SendAsync(Endpoint endpoint, HttpMethod method, string path, string? json, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, endpoint.Origin + path);
        request.Headers.Authorization = endpoint.Authorization;
        if (json != null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return await Http.SendAsync(request, cancel).ConfigureAwait(false);
    }

    /// <summary>Reads serve.json and the token afresh and keeps them.</summary>
    private Endpoint Reread()
    {
        var info = ServerInfo.Read(_dir) ?? throw new ControlApiException($"no orchestrator serves {_dir} (no serve.json)");
        byte[] token;
        try { token = SecretFiles.Load(_token); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new ControlCredentialException(_token, info, e);
        }
        var endpoint = new Endpoint(info, Hex.Encode(token));
        _endpoint = endpoint;
        return endpoint;
    }

    /// <summary>
    /// Which orchestrator answers where and the secret it wants (equal when all are: a serve restarted
    /// on the same port with the same token file is another serve, so a refused connection is retried).
    /// </summary>
    private sealed record Endpoint(ServerInfo Server, string Token)
    {
        public string Origin { get; } = $"http://127.0.0.1:{Server.ApiPort}";

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

/// <summary>
/// An answer of the control API, success or not: its HTTP status, reason phrase and body (the
/// orchestrator's code and sentence as JSON when it refused).
/// </summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Reason">The reason phrase, if the answer had one.</param>
/// <param name="Body">The body as text ("" when none).</param>
public sealed record ControlApiAnswer(System.Net.HttpStatusCode Status, string? Reason, string Body)
{
    /// <summary>A 2xx answer.</summary>
    public bool IsSuccess => (int)Status is >= 200 and <= 299;
}

/// <summary>
/// <c>serve.json</c> names a running orchestrator, but the token file the client proves itself with is
/// missing or cannot be used (wrong mode or owner, not a key): the orchestrator may well be up. An
/// <see cref="IOException"/>, so callers that wait out an unreadable file keep doing so.
/// </summary>
public sealed class ControlCredentialException : IOException
{
    /// <summary>Creates the exception; its message is <paramref name="inner"/>'s.</summary>
    public ControlCredentialException(string path, ServerInfo server, Exception inner) : base(inner.Message, inner)
    {
        Path = path;
        Server = server;
    }

    /// <summary>The token file.</summary>
    public string Path { get; }

    /// <summary>The orchestrator <c>serve.json</c> names.</summary>
    public ServerInfo Server { get; }

    /// <summary>The file (or its directory) is not there.</summary>
    public bool Missing => InnerException is FileNotFoundException or DirectoryNotFoundException;
}
