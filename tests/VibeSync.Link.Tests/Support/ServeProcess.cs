using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Link.Tests.Support;

/// <summary>
/// A real <c>vibesync serve</c> in its own process on a fresh data directory: its link port and
/// keys as an adapter would find them, its status through the control API, its log lines.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _log = new();
    private int _disposed;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private ServeProcess(Process process, string dir)
    {
        _process = process;
        DataDirectory = dir;
    }

    public string DataDirectory { get; }
    public int LinkPort { get; private set; }
    public int ApiPort { get; private set; }
    public byte[] BlenderKey { get; private set; } = Array.Empty<byte>();
    public byte[] UnityKey { get; private set; } = Array.Empty<byte>();
    /// <summary>An engine instance's bootstrap key (a named instance's is read from its key file).</summary>
    public byte[] KeyOf(string engine) => engine == Engines.Blender ? BlenderKey : engine == Engines.Unity ? UnityKey
        : Hex.Decode(File.ReadAllLines(Path.Combine(DataDirectory, "keys", EngineInstance.Parse(engine).KeyFileName))[0].Trim());
    public bool HasExited => _process.HasExited;
    public int Pid => _process.Id;

    /// <summary>serve's resident memory now, from /proc (Linux).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        throw new InvalidOperationException("no VmRSS line");
    }

    public static Task<ServeProcess> StartAsync(params string[] extra) =>
        StartInAsync(Path.Combine(Path.GetTempPath(), "vibesync-serve-" + Guid.NewGuid().ToString("N")), extra);

    /// <summary>Starts serve on <paramref name="dir"/>, which may hold an earlier run's data (a restart).</summary>
    public static Task<ServeProcess> StartInAsync(string dir, params string[] extra) => StartInAsync(TimeSpan.FromSeconds(60), dir, extra);

    /// <summary>As <see cref="StartInAsync(string, string[])"/>, waiting up to <paramref name="ready"/> for the ready line (a standby prints it only once it leads).</summary>
    /// <remarks>A serve that does not get ready in time is killed (its process group) before this throws: no test leaves one behind.</remarks>
    public static async Task<ServeProcess> StartInAsync(TimeSpan ready, string dir, params string[] extra)
    {
        var serve = Launch(dir, extra);
        try { return await serve.ReadyAsync(ready); }
        catch
        {
            serve.KillGroup();
            serve._process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts serve on <paramref name="dir"/> in a process group of its own (setsid: what it starts
    /// goes with it, <see cref="KillGroup"/>) and returns at once; <see cref="ReadyAsync"/> waits for
    /// its ready line. The caller owns it from here, ready or not (a standby may never lead).
    /// </summary>
    public static ServeProcess Launch(string dir, params string[] extra)
    {
        var info = ProcessGroup.StartInfo("dotnet", new[] { Path.Combine(AppContext.BaseDirectory, "vibesync.dll"), "serve", "--data", dir }.Concat(extra));
        var serve = new ServeProcess(Process.Start(info)!, dir); // setsid execs dotnet in place: the pid is serve's and its group's
        serve._process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (serve._log) serve._log.Add(e.Data); };
        serve._process.BeginErrorReadLine();
        return serve;
    }

    /// <summary>Waits up to <paramref name="ready"/> for serve's ready line (once per process), then reads its ports and keys.</summary>
    public async Task<ServeProcess> ReadyAsync(TimeSpan ready)
    {
        string dir = DataDirectory;
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(ready);
        if (line == null || !line.StartsWith("vibesync serve:", StringComparison.Ordinal))
            throw new InvalidOperationException($"serve did not start: {line}\n{string.Join('\n', Log)}");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "serve.json")));
        LinkPort = json.RootElement.GetProperty("link_port").GetInt32();
        ApiPort = json.RootElement.GetProperty("api_port").GetInt32();
        BlenderKey = VibeSync.Protocol.Link.KeyFile.Read(Path.Combine(dir, "keys", "blender.key")).Key;
        UnityKey = VibeSync.Protocol.Link.KeyFile.Read(Path.Combine(dir, "keys", "unity.key")).Key;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(dir, "keys", "control.token")).Trim());
        return this;
    }

    public IReadOnlyList<string> Log { get { lock (_log) return _log.ToArray(); } }

    /// <summary>Waits until a log line with this event code appears (the server logs asynchronously).</summary>
    public async Task<JsonElement> LoggedAsync(string code, string? engine = null, int timeoutMs = 10_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            foreach (var line in Log)
            {
                if (!line.StartsWith('{')) continue;
                var e = JsonDocument.Parse(line).RootElement;
                if (e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() == code
                    && (engine == null || e.GetProperty("engine").GetString() == engine)) return e;
            }
            await Task.Delay(20);
        }
        throw new Xunit.Sdk.XunitException($"no log line with code {code}{(engine != null ? " for " + engine : "")}; the log:\n{string.Join('\n', Log)}");
    }

    /// <summary>How many events of this kind were logged: lines of their own and those counted in <c>junk_summary</c> lines.</summary>
    public long CountLogged(string @event, string code)
    {
        long n = 0;
        foreach (var line in Log)
        {
            if (!line.StartsWith('{')) continue;
            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("event").GetString() == @event && e.GetProperty("code").ValueKind == JsonValueKind.String && e.GetProperty("code").GetString() == code) n++;
            else if (e.GetProperty("event").GetString() == "junk_summary" && e.GetProperty("counts").TryGetProperty($"{@event} {code}", out var c)) n += c.GetInt64();
        }
        return n;
    }

    public async Task<JsonElement> StatusAsync()
    {
        var body = await _http.GetStringAsync($"http://127.0.0.1:{ApiPort}/v1/status");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task<HttpResponseMessage> PostAsync(string path) => await _http.PostAsync($"http://127.0.0.1:{ApiPort}{path}", null);

    public static JsonElement EngineIn(JsonElement status, string engine) =>
        status.GetProperty("link").GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("engine").GetString() == engine);

    /// <summary>An engine's sync phase: detached, syncing, live, blocked or refused.</summary>
    public static string PhaseOf(JsonElement status, string engine) =>
        status.GetProperty("sync").GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("engine").GetString() == engine).GetProperty("phase").GetString()!;

    /// <summary>One object as <paramref name="which"/> (reality, blender, unity) holds it, in Unity space (localPosition, …), or null when absent.</summary>
    public async Task<JsonElement?> UnityObjectAsync(string which, string uuid)
    {
        var scene = JsonDocument.Parse(await GetStringAsync($"/v1/state?engine={which}&space=unity")).RootElement;
        foreach (var o in scene.GetProperty("objects").EnumerateArray())
            if (o.GetProperty("uuid").GetString() == uuid) return o.Clone();
        return null;
    }

    /// <summary>Submits an intent through the control API (as <paramref name="actor"/>) and returns the answer once it settled.</summary>
    public async Task<JsonElement> SubmitAsync(string intentJson, string actor = "human:cli")
    {
        using var reply = await PostJsonAsync($"/v1/intents?actor={Uri.EscapeDataString(actor)}&wait=settled", intentJson);
        return JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public static string[] Panicked(JsonElement status) =>
        status.GetProperty("panics").EnumerateArray().Select(p => p.GetProperty("engine").GetString()!).ToArray();

    /// <summary>A HELLO frame as an adapter would send it, with a fresh nonce unless one is given.</summary>
    public static byte[] HelloFrame(byte[] key, string engine, string protocol = ProtocolVersion.Current, byte[]? nonce = null, long? time = null, string adapter = "test") =>
        VibeSync.Protocol.Framing.FrameCodec.Encode(key, new VibeSync.Protocol.Framing.Frame(MessageType.Hello, 1, time ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            System.Text.Encoding.UTF8.GetBytes(new Hello(engine, protocol, adapter, "", 1, nonce ?? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), 1, "").ToJson())));

    /// <summary>Sends raw bytes on a new link connection and returns whatever comes back until serve closes it.</summary>
    public async Task<byte[]> SendRawAndWaitCloseAsync(byte[] bytes)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", LinkPort);
        var stream = tcp.GetStream();
        await stream.WriteAsync(bytes);
        var buffer = new byte[4096];
        var got = new MemoryStream();
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10))) > 0) got.Write(buffer, 0, n);
        }
        catch (IOException) { } // reset by the server: also a close
        return got.ToArray();
    }

    public Task<LinkClient> ConnectAsync(string engine, long generation = 1, string protocol = ProtocolVersion.Current) =>
        LinkClient.ConnectAsync(LinkPort, engine, KeyOf(engine), "", generation, protocol);

    /// <summary>kill -9: no shutdown, no flush, serve.json left behind (a crash).</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>kill -9 of serve's whole process group (serve and whatever it started); nothing if it is gone.</summary>
    public void KillGroup() => ProcessGroup.Kill(_process);

    /// <summary>Sends SIGTERM and returns the exit code (killed after 15 s).</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", new[] { "-TERM", _process.Id.ToString() })!) await kill.WaitForExitAsync();
            if (!_process.WaitForExit(15_000)) _process.Kill(entireProcessTree: true);
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        await _http.PostAsync($"http://127.0.0.1:{ApiPort}{path}", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public Task<string> GetStringAsync(string path) => _http.GetStringAsync($"http://127.0.0.1:{ApiPort}{path}");

    /// <summary>Keep the data directory on dispose (a restart reuses it).</summary>
    public bool KeepData { get; set; }

    /// <summary>Stops it and removes its data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return; // a test and its fixture may both dispose it
        await StopAsync();
        KillGroup(); // anything serve started that outlived it
        _http.Dispose();
        _process.Dispose();
        if (!KeepData)
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}
