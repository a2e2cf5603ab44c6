using System.Net.Http.Headers;
using System.Text.Json;
using VibeSync.Orchestrator.Control;
using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Cli.Hosts;

/// <summary>
/// The control API of the orchestrator serving a data directory, for programs that drive it (the
/// demo, the end-to-end benchmark): an error answer throws, with the orchestrator's code and sentence.
/// The port and token are read afresh on every call, so a restarted orchestrator is found.
/// </summary>
internal sealed class ServeApi
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly string _dir;

    public ServeApi(string dataDirectory) => _dir = dataDirectory;

    public async Task<string> CallTextAsync(HttpMethod method, string path, string? json = null)
    {
        var info = ServerInfo.Read(_dir) ?? throw new ServeApiException($"no orchestrator serves {_dir} (no serve.json)");
        using var request = new HttpRequestMessage(method, $"http://127.0.0.1:{info.ApiPort}{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Hex.Encode(SecretFiles.Load(SecretFiles.ControlTokenPath(_dir))));
        if (json != null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var reply = await Http.SendAsync(request);
        var body = await reply.Content.ReadAsStringAsync();
        if (!reply.IsSuccessStatusCode) throw new ServeApiException($"{path}: {(int)reply.StatusCode} {body}");
        return body;
    }

    public async Task<JsonElement> CallAsync(HttpMethod method, string path, string? json = null) =>
        JsonDocument.Parse(await CallTextAsync(method, path, json)).RootElement.Clone();

    public Task<JsonElement> StatusAsync() => CallAsync(HttpMethod.Get, "/v1/status");

    public Task<JsonElement> PostAsync(string path, string? json = null) => CallAsync(HttpMethod.Post, path, json);

    /// <summary>What an engine holds now, read back through the orchestrator, in canonical values.</summary>
    public async Task<Scene> StateAsync(string engine) =>
        SceneJsonReader.ReadCanonical(await CallTextAsync(HttpMethod.Get, $"/v1/state?engine={engine}"), engine switch
        {
            "blender" => Space.Blender,
            "unity" => Space.Unity,
            _ => Space.Canonical,
        });

    public static string Phase(JsonElement status, string engine) =>
        status.GetProperty("sync").GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("engine").GetString() == engine).GetProperty("phase").GetString()!;

    public static string RealityRoot(JsonElement status) => status.GetProperty("sync").GetProperty("reality_root").GetString()!;
}

/// <summary>The control API answered with an error, or no orchestrator serves the directory.</summary>
internal sealed class ServeApiException : Exception
{
    public ServeApiException(string message) : base(message) { }
}
