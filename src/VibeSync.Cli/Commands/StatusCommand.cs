using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using VibeSync.Orchestrator.Control;
using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync status</c>: asks the running orchestrator over its control API.</summary>
internal static class StatusCommand
{
    /// <summary>Exit status when no orchestrator serves the data directory.</summary>
    public const int NotRunning = 3;

    public static Command Create()
    {
        var data = DataDirectory.Option();
        var json = new Option<bool>("--json") { Description = "Print the status as JSON." };
        var command = new Command("status", "Show the running orchestrator: sessions, engine states, trust, PANIC and quarantine, Reality, each engine's sync phase, pending intents, safe mode and locks (exit 3 when none is running).")
        {
            data, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var dir = parse.GetValue(data)!.FullName;
            using var reply = await ControlClient.SendAsync(dir, HttpMethod.Get, "/v1/status", cancel);
            if (reply == null) return NotRunning;
            var body = await reply.Content.ReadAsStringAsync(cancel);
            if (!reply.IsSuccessStatusCode) { Console.Error.WriteLine($"error: {ControlClient.Describe(dir, reply, body)}"); return 1; }
            if (parse.GetValue(json)) { Console.WriteLine(body); return 0; }
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var link = root.GetProperty("link");
            Console.WriteLine($"orchestrator pid {root.GetProperty("pid")}, protocol {root.GetProperty("protocol").GetString()}, link port {link.GetProperty("port")}, data {root.GetProperty("data_directory").GetString()}");
            if (link.TryGetProperty("listen", out var listen) && listen.ValueKind == JsonValueKind.String)
                Console.WriteLine($"  across the LAN: {listen.GetString()} over TLS 1.3, certificate SHA-256 {link.GetProperty("tls_sha256").GetString()} (in every engine key file)");
            foreach (var e in link.GetProperty("engines").EnumerateArray())
            {
                string engine = e.GetProperty("engine").GetString()!;
                string session = e.GetProperty("connected").GetBoolean()
                    ? $"connected, session {e.GetProperty("session").GetProperty("session_id").GetString()![..8]}…, {e.GetProperty("session").GetProperty("state").GetString()}, generation {e.GetProperty("session").GetProperty("generation")}{(e.GetProperty("session").TryGetProperty("transport", out var t) && t.GetString() == "tls" ? ", over TLS" : "")}, last heartbeat {e.GetProperty("session").GetProperty("last_heartbeat_ms_ago")} ms ago"
                    : "not connected";
                string quarantine = e.GetProperty("quarantined").GetBoolean() ? $", QUARANTINED ({e.GetProperty("quarantine_reason").GetString()})" : "";
                Console.WriteLine($"  {engine,-8} {session}; trust {e.GetProperty("trust")}{quarantine}");
            }
            foreach (var p in root.GetProperty("panics").EnumerateArray())
                Console.WriteLine($"  PANIC {p.GetProperty("engine").GetString()}: {p.GetProperty("code").GetString()}: {p.GetProperty("reason").GetString()}");
            Console.WriteLine($"  junk connections dropped {link.GetProperty("junk_dropped")}, contract violations {link.GetProperty("violations")}, connections refused {link.GetProperty("connections_refused")}, edits accepted {link.GetProperty("edits_accepted")}");
            if (root.TryGetProperty("sync", out var sync))
            {
                Console.WriteLine($"Reality (project {sync.GetProperty("project_id").GetString()}): {sync.GetProperty("objects")} objects, {sync.GetProperty("materials")} materials, {sync.GetProperty("meshes")} meshes, root {sync.GetProperty("reality_root").GetString()}, WAL at {sync.GetProperty("wal_sequence")}");
                foreach (var e in sync.GetProperty("engines").EnumerateArray())
                {
                    string phase = e.GetProperty("phase").GetString()!;
                    string reason = e.GetProperty("reason").ValueKind == JsonValueKind.String ? ": " + e.GetProperty("reason").GetString() : "";
                    Console.WriteLine($"  {e.GetProperty("engine").GetString(),-8} {phase.ToUpperInvariant()}{reason}{(e.GetProperty("paired").GetBoolean() ? "" : " (never paired)")}");
                    foreach (var u in e.GetProperty("unreachable").EnumerateArray().Take(5)) Console.WriteLine($"           cannot mend: {u.GetString()}");
                    var notSynced = e.GetProperty("not_synced").EnumerateArray().ToArray();
                    foreach (var n in notSynced.Take(5))
                        Console.WriteLine($"           not synced: {n.GetProperty("name").GetString()} ({n.GetProperty("type").GetString()}, {n.GetProperty("code").GetString()}): {n.GetProperty("reason").GetString()}");
                    if (notSynced.Length > 5) Console.WriteLine($"           not synced: … and {notSynced.Length - 5} more (status --json lists them all)");
                    if (phase != "refused" && e.GetProperty("refusal") is { ValueKind: JsonValueKind.Object } refusal)
                        Console.WriteLine($"           last refused file: {refusal.GetProperty("code").GetString()}: {refusal.GetProperty("message").GetString()}");
                }
                if (sync.GetProperty("safe_mode").ValueKind == JsonValueKind.String) Console.WriteLine($"  SAFE MODE: {sync.GetProperty("safe_mode").GetString()} (vibesync resume ends it)");
                var pending = sync.GetProperty("pending").EnumerateArray().Select(p => p.ToString()).ToArray();
                if (pending.Length > 0) Console.WriteLine($"  pending intents (vibesync approve|deny ID): {string.Join(", ", pending)}");
                var locks = sync.GetProperty("locks").EnumerateArray().Select(l => l.GetString()).ToArray();
                if (locks.Length > 0) Console.WriteLine($"  HUMAN_ACTIVE locks: {string.Join(", ", locks)}");
            }
            return 0;
        });
        return command;
    }
}

/// <summary>Finds the orchestrator of a data directory and calls its control API with the token.</summary>
internal static class ControlClient
{
    /// <summary>
    /// The running orchestrator's serve.json and the control token, or false after saying on stderr
    /// what is wrong and what to do (nothing serves the directory; the token file is gone or unreadable).
    /// </summary>
    public static bool TryFind(string dataDir, out ServerInfo info, out byte[] token)
    {
        info = null!;
        token = Array.Empty<byte>();
        string tokenPath = SecretFiles.ControlTokenPath(dataDir);
        try
        {
            var found = ServerInfo.Read(dataDir);
            if (found == null) { Console.Error.WriteLine($"error: no orchestrator is serving {dataDir} (no serve.json); start one with: vibesync serve --data {dataDir}"); return false; }
            info = found;
            token = SecretFiles.Load(tokenPath);
            return true;
        }
        catch (FileNotFoundException)
        {
            // serve holds its token in memory: the file went away after it started.
            Console.Error.WriteLine($"error: {tokenPath} is missing, so this command cannot prove it is you; the orchestrator (pid {info.Pid}) still holds the token it started with. " +
                $"Restore the file, or stop serve and start it again on {dataDir} (a new token is made, and every console session ends)");
            return false;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return false;
        }
    }

    /// <summary>The reply, or null (after saying why on stderr) when no orchestrator serves <paramref name="dataDir"/>.</summary>
    public static async Task<HttpResponseMessage?> SendAsync(string dataDir, HttpMethod method, string path, CancellationToken cancel,
        string? json = null, TimeSpan? timeout = null)
    {
        if (!TryFind(dataDir, out var info, out var token)) return null;
        using var http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(5) };
        var request = new HttpRequestMessage(method, $"http://127.0.0.1:{info.ApiPort}{path}");
        if (json != null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Hex.Encode(token));
        try { return await http.SendAsync(request, cancel); }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"error: no orchestrator answers on 127.0.0.1:{info.ApiPort} (pid {info.Pid} in serve.json; it may have crashed): {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// An error answer as one line for a person: a refused token as what to do about it, else its code
    /// and message, or, when it has none, the HTTP status and whatever body came.
    /// </summary>
    public static string Describe(string dataDir, HttpResponseMessage reply, string body)
    {
        // The API's own 401 text is for programs (which header to send); a person at the CLI needs to
        // know their token file no longer matches the running serve's.
        if (reply.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            return $"the orchestrator refused the token in {SecretFiles.ControlTokenPath(dataDir)}: it is not the one serve started with (was the file replaced while serve ran?). " +
                $"Stop serve and start it again on {dataDir} to have it read the file (every console session ends)";
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                && doc.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                return $"{code.GetString()}: {message.GetString()}";
        }
        catch (JsonException) { }
        string status = $"the orchestrator answered HTTP {(int)reply.StatusCode} {reply.ReasonPhrase}";
        return body.Trim().Length == 0 ? status + " with no explanation (its log, serve's stderr, says why)" : $"{status}: {body.Trim()}";
    }
}
