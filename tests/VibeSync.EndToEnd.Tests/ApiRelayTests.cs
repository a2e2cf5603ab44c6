using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using VibeSync.Cluster;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #22's "the tools work on any node": a standby of a two-orchestrator cluster (three real
/// nats-server processes) serves its own DIR/serve.json port and relays every request over NATS to
/// the leader, whose own API decides. The CLI, a real MCP client and raw HTTP are pointed at the
/// STANDBY's data directory only.
/// </summary>
public sealed class ApiRelayTests : EndToEndTest
{
    private const string MoveCube = """{"operations": [{"op": "set_transform", "uuid": "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f", "translation": [4, 0.5, -1]}], "rationale": "asked through the standby"}""";

    [Fact]
    public async Task the_cli_and_an_mcp_client_on_the_standby_get_the_leaders_answers_and_no_more_than_the_leader_would_give()
    {
        await using var cluster = await NatsCluster.StartAsync();
        string alphaDir = Path.Combine(Work, "alpha"), betaDir = Path.Combine(Work, "beta");
        await using var nodes = new ClusterNodes(cluster);
        var alpha = await nodes.LeaderAsync(alphaDir, "alpha", "--trust", "supervised", "--cosmetic-window-ms", "50");
        await using var sim = Driven.Sim(alphaDir, Parts.SampleUnityScene(Work));
        await UntilAsync(alpha, s => ServeProcess.PhaseOf(s, "unity") == "live", "the simulator live on the leader", 60_000);

        ClusterNodes.CopyKeys(alphaDir, betaDir);
        var standby = await nodes.StandbyAsync(betaDir, "beta", "--trust", "supervised");
        int relayPort = await ClusterNodes.RelayPortAsync(betaDir);
        Assert.NotEqual(alpha.ApiPort, relayPort);
        Assert.False(standby.Leads.IsCompleted, "beta should be a standby");

        // The CLI on the standby's directory: the leader's answers.
        Assert.Equal(await CliAsync("state", "--json", "--data", alphaDir), await CliAsync("state", "--json", "--data", betaDir));
        var status = JsonDocument.Parse(await CliAsync("status", "--json", "--data", betaDir)).RootElement;
        Assert.Equal("live", ServeProcess.PhaseOf(status, "unity"));

        // A real MCP client on the standby's directory (holding the AI token): the intent waits for a human...
        var submitted = await SubmitAsAiAsync(betaDir, MoveCube);
        Assert.Equal("PENDING", submitted.GetProperty("phase").GetString());
        ulong intent = submitted.GetProperty("intent").GetUInt64();
        // ... who approves it with the CLI on the standby's directory: FINAL, and the leader's journal says so.
        var approved = JsonDocument.Parse(await CliAsync("approve", intent.ToString(), "--data", betaDir)).RootElement;
        Assert.Equal("FINAL", approved.GetProperty("phase").GetString());
        var onLeader = JsonDocument.Parse(await alpha.GetStringAsync($"/v1/intents/{intent}")).RootElement;
        Assert.Contains("FINAL", onLeader.ToString());

        // Refused through the standby exactly as on the leader.
        using var bare = new HttpClient();
        async Task<(HttpStatusCode, string)> Ask(int port, string? host = null, string? token = null, string path = "/v1/status")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{path}");
            if (host != null) request.Headers.Host = host;
            if (token != null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var answer = await bare.SendAsync(request);
            return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
        }
        var human = File.ReadAllText(Path.Combine(alphaDir, "keys", "control.token")).Trim();
        var ai = File.ReadAllText(Path.Combine(alphaDir, "keys", "ai.token")).Trim();
        Assert.Equal(await Ask(alpha.ApiPort), await Ask(relayPort)); // no token: 401, same words
        Assert.Equal(HttpStatusCode.Unauthorized, (await Ask(relayPort)).Item1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Ask(relayPort, token: new string('0', 64))).Item1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Ask(relayPort, path: "/console/")).Item1); // no session cookie
        // DNS rebinding: a name that points at 127.0.0.1 is turned away with a valid token, as on the leader.
        Assert.Equal(HttpStatusCode.Forbidden, (await Ask(relayPort, host: $"rebind.example:{relayPort}", token: human)).Item1);
        Assert.Equal(HttpStatusCode.Forbidden, (await Ask(alpha.ApiPort, host: $"rebind.example:{alpha.ApiPort}", token: human)).Item1);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await Ask(relayPort, host: $"rebind.example:{relayPort}", path: "/console/")).Item1);
        // The leader's own name sent to the standby's port is no way in either.
        Assert.Equal(HttpStatusCode.Forbidden, (await Ask(relayPort, host: $"127.0.0.1:{alpha.ApiPort}", token: human)).Item1);
        // The standby's own names, with the token: the leader's answer.
        Assert.Equal(HttpStatusCode.OK, (await Ask(relayPort, host: $"localhost:{relayPort}", token: human)).Item1);
        // The AI token keeps the AI's limits through the relay.
        Assert.Contains("FORBIDDEN_FOR_AI", (await AskPostAsync(bare, relayPort, $"/v1/intents/{intent}/approve", ai)).Body);

        // The leader is killed: until beta leads, the standby says there is no leader (and does not hang)...
        alpha.Kill();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (during, body) = await Ask(relayPort, token: human);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the relay took {clock.Elapsed} to answer without a leader");
        if (!standby.Leads.IsCompleted) // beta may already have taken over on a fast machine
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during);
            Assert.Contains("NO_LEADER", body);
        }
        // ... then serves directly: its serve.json names its own API, and the CLI works on it.
        var beta = await standby.LeadsAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("\"role\": \"leader\"", File.ReadAllText(Path.Combine(betaDir, "cluster.json")));
        var direct = JsonDocument.Parse(await CliAsync("status", "--json", "--data", betaDir)).RootElement;
        Assert.True(direct.TryGetProperty("sync", out _), direct.ToString());
        var after = JsonDocument.Parse(await beta.GetStringAsync($"/v1/intents/{intent}")).RootElement;
        Assert.Contains("FINAL", after.ToString());
    }

    private static async Task<(HttpStatusCode Status, string Body)> AskPostAsync(HttpClient http, int port, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}{path}") { Content = new StringContent("{}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var answer = await http.SendAsync(request);
        return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
    }

    private static async Task<string> CliAsync(params string[] args)
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(90), new[] { Parts.Cli }.Concat(args).ToArray());
        Assert.True(code == 0, $"vibesync {string.Join(' ', args)} exited {code}: {output}");
        return output;
    }

    private static async Task<JsonElement> SubmitAsAiAsync(string dataDir, string intentJson)
    {
        var client = Path.Combine(Parts.Repo, "tests", "mcp-client");
        var (code, output) = await Parts.RunAsync("node", TimeSpan.FromMinutes(2), Path.Combine(client, "submit.mjs"), dataDir, Parts.Cli, intentJson);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith('{'));
        Assert.True(code == 0 && line != null, $"the MCP submission through the standby failed ({code}): {output}");
        return JsonDocument.Parse(line!).RootElement.Clone();
    }
}
