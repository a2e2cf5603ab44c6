using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #15 §4: state other threads read (status, locks, the journal, the MCP server's reads) is
/// read from snapshots its owner publishes. Hammered while intents flow, locks come and go and an
/// engine reloads and is killed and restarted: no error, and every answer consistent in itself.
/// </summary>
public sealed class ConcurrentReadsTests : EndToEndTest
{
    private static readonly string[] Phases = { "live", "syncing", "detached", "blocked", "refused" };
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";

    /// <summary>`vibesync mcp` spoken to over stdio, one JSON-RPC message per line (the MCP stdio transport).</summary>
    private sealed class McpProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private int _id;

        public McpProcess(string data)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Parts.Cli, "mcp", "--data", data, "--name", "stress" }) info.ArgumentList.Add(a);
            _process = Process.Start(info)!;
            _ = _process.StandardError.ReadToEndAsync();
        }

        public async Task<JsonNode> CallAsync(string method, JsonObject parameters)
        {
            int id = ++_id;
            var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters };
            await _process.StandardInput.WriteLineAsync(request.ToJsonString());
            await _process.StandardInput.FlushAsync();
            while (true)
            {
                var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) ?? throw new IOException("the MCP server closed its output");
                var message = JsonNode.Parse(line)!;
                if (message["id"]?.GetValue<int>() == id) return message;
            }
        }

        public async Task InitializeAsync()
        {
            var init = await CallAsync("initialize", new JsonObject
            {
                ["protocolVersion"] = "2025-06-18", ["capabilities"] = new JsonObject(),
                ["clientInfo"] = new JsonObject { ["name"] = "stress", ["version"] = "1" },
            });
            Assert.NotNull(init["result"]);
            await _process.StandardInput.WriteLineAsync("""{"jsonrpc": "2.0", "method": "notifications/initialized"}""");
        }

        public async ValueTask DisposeAsync()
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }

    [Fact]
    public async Task status_locks_journal_and_mcp_reads_stay_consistent_while_intents_flow_and_engines_come_and_go()
    {
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        Process StartSim()
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Parts.Cli, "sim-unity", "--data", serve.DataDirectory, "--scene", unityScene, "--steps-from-stdin" }) info.ArgumentList.Add(a);
            var p = Process.Start(info)!;
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            return p;
        }
        var sim = StartSim();
        try
        {
            for (int i = 0; i < 300 && !(await serve.GetStringAsync("/v1/status")).Contains("\"phase\": \"live\""); i++) await Task.Delay(100);
            await using var mcp = new McpProcess(serve.DataDirectory);
            await mcp.InitializeAsync();

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var problems = new System.Collections.Concurrent.ConcurrentQueue<string>();
            int reads = 0, intents = 0;
            var submitted = new System.Collections.Concurrent.ConcurrentBag<ulong>();

            async Task Reader(Func<Task> read)
            {
                while (!stop.IsCancellationRequested)
                {
                    try { await read(); Interlocked.Increment(ref reads); }
                    catch (Exception e) when (!stop.IsCancellationRequested) { problems.Enqueue($"{e.GetType().Name}: {e.Message}"); }
                }
            }

            async Task ReadStatus()
            {
                var status = await serve.StatusAsync();
                var sync = status.GetProperty("sync");
                string reality = sync.GetProperty("reality_root").GetString()!;
                foreach (var e in sync.GetProperty("engines").EnumerateArray())
                {
                    string phase = e.GetProperty("phase").GetString()!;
                    if (!Phases.Contains(phase)) problems.Enqueue($"unknown phase {phase}");
                    if (phase == "live" && e.GetProperty("parity_root").GetString() != reality)
                        problems.Enqueue($"{e.GetProperty("engine")} shown live at {e.GetProperty("parity_root")} while Reality is {reality}");
                }
                foreach (var l in sync.GetProperty("locks").EnumerateArray())
                    if (!Guid.TryParse(l.GetString(), out _)) problems.Enqueue($"a lock on '{l}'");
            }

            async Task ReadJournal()
            {
                using var doc = JsonDocument.Parse(await serve.GetStringAsync("/v1/wal?since=0&limit=1000"));
                ulong last = 0;
                foreach (var entry in doc.RootElement.EnumerateArray())
                {
                    ulong seq = entry.GetProperty("sequence").GetUInt64();
                    if (seq <= last) problems.Enqueue($"journal sequence {seq} after {last}");
                    last = seq;
                }
                if (submitted.TryPeek(out var id))
                {
                    using var one = JsonDocument.Parse(await serve.GetStringAsync($"/v1/intents/{id}"));
                    if (one.RootElement.GetProperty("history").GetArrayLength() == 0) problems.Enqueue($"intent {id} has no history");
                }
            }

            async Task ReadMcp()
            {
                foreach (var tool in new[] { "status", "list_objects", "read_wal", "list_locks" })
                {
                    var answer = await mcp.CallAsync("tools/call", new JsonObject { ["name"] = tool, ["arguments"] = new JsonObject() });
                    if (answer["error"] != null || answer["result"]?["isError"]?.GetValue<bool>() == true)
                        problems.Enqueue($"MCP {tool}: {answer.ToJsonString()[..Math.Min(300, answer.ToJsonString().Length)]}");
                }
            }

            async Task Write()
            {
                var r = new Random(7);
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli",
                            $$"""{"operations": [{"op": "set_transform", "uuid": "{{Cube}}", "translation": [{{r.Next(-9, 9)}}, 0.5, {{r.Next(-9, 9)}}]}], "rationale": "stress"}""");
                        using var doc = JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
                        if (doc.RootElement.TryGetProperty("intent", out var id) && id.GetUInt64() > 0) submitted.Add(id.GetUInt64());
                        Interlocked.Increment(ref intents);
                    }
                    catch (Exception e) when (!stop.IsCancellationRequested) { problems.Enqueue($"submit: {e.Message}"); }
                    await Task.Delay(20);
                }
            }

            async Task Churn()
            {
                for (int round = 0; !stop.IsCancellationRequested; round++)
                {
                    try
                    {
                        if (round % 4 == 3)
                        {
                            sim.Kill(entireProcessTree: true); // the editor crashes and is started again
                            await sim.WaitForExitAsync();
                            sim.Dispose();
                            sim = StartSim();
                        }
                        else
                        {
                            await sim.StandardInput.WriteLineAsync(round % 2 == 0 ? """{"select": ["Cube"]}""" : """{"select": []}"""); // HUMAN_ACTIVE on and off
                            if (round % 4 == 1) await sim.StandardInput.WriteLineAsync("""{"fault": "domain_reload"}""");
                            await sim.StandardInput.FlushAsync();
                        }
                    }
                    catch (IOException) { }
                    try { await Task.Delay(1500, stop.Token); } catch (OperationCanceledException) { }
                }
            }

            await Task.WhenAll(Reader(ReadStatus), Reader(ReadStatus), Reader(ReadJournal), Reader(ReadMcp), Write(), Churn());

            Assert.True(problems.IsEmpty, $"{problems.Count} problem(s) in {reads} reads and {intents} intents:\n{string.Join('\n', problems.Take(20))}");
            Assert.True(reads > 100 && intents > 50, $"too little happened: {reads} reads, {intents} intents");
            Assert.False(serve.HasExited);
            var internalErrors = serve.Log.Where(l => l.Contains("\"INTERNAL\"", StringComparison.Ordinal)).ToList();
            Assert.True(internalErrors.Count == 0, string.Join('\n', internalErrors.Take(10)));
        }
        finally
        {
            sim.Kill(entireProcessTree: true);
            sim.Dispose();
        }
    }
}
