using System.CommandLine;
using System.Text.Json;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync status</c>: asks the running orchestrator over its control API.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var data = DataDirectory.Option();
        var json = new Option<bool>("--json") { Description = "Print the status as JSON." };
        var command = new Command("status", "Show the running orchestrator: sessions, engine states, trust, PANIC and quarantine, Reality, each engine's sync phase, pending intents, safe mode and locks (exit 3 when none is running; 4 when one is but keys/control.token is missing or unusable; 5 when it gave no answer in time).")
        {
            data, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var dir = parse.GetValue(data)!.FullName;
            var control = new TerminalControl(dir);
            var (reply, exit) = await control.SendAsync(HttpMethod.Get, "/v1/status", cancel);
            if (reply == null) return exit;
            var body = reply.Body;
            if (!reply.IsSuccess) { Console.Error.WriteLine($"error: {control.Describe(reply)}"); return 1; }
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
