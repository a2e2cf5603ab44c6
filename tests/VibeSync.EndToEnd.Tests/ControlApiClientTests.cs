using VibeSync.Link.Tests.Support;
using VibeSync.Orchestrator.Control;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// The control API client (what <c>vibesync mcp</c>, the CLI and the benchmarks call serve with) keeps
/// serve's port and token instead of reading them on every call, and still finds a restarted serve,
/// whether it came back on the same port with a new token or on a new port. Against real serve processes.
/// </summary>
public sealed class ControlApiClientTests : EndToEndTest
{
    [Fact]
    public async Task a_client_keeps_the_port_and_token_and_still_finds_a_restarted_serve()
    {
        var dir = Path.Combine(Work, "data");
        var client = new ControlApiClient(dir);
        int port;
        await using (var first = await ServeProcess.StartInAsync(dir))
        {
            first.KeepData = true;
            Assert.Equal(first.Pid, await PidAsync(client));
            port = first.ApiPort;
            // Kept, not read per call: a serve.json it could not parse does not stop the next call.
            var serveJson = ServerInfo.PathIn(dir);
            string written = File.ReadAllText(serveJson);
            File.WriteAllText(serveJson, "not a server record");
            Assert.Equal(first.Pid, await PidAsync(client));
            File.WriteAllText(serveJson, written);
        }
        // Between two runs: no orchestrator, said as it was before the port was kept.
        var none = await Assert.ThrowsAsync<ControlApiException>(() => client.StatusAsync());
        Assert.Contains("no orchestrator serves", none.Message);

        // Back on the same port with a new token (as after a key rotation): refused as unauthorized, re-read, sent again.
        var token = Path.Combine(dir, "keys", "control.token");
        string oldToken = File.ReadAllText(token);
        File.Delete(token);
        await using (var second = await ServeProcess.StartInAsync(dir, "--api-port", port.ToString()))
        {
            second.KeepData = true;
            Assert.Equal(port, second.ApiPort);
            Assert.NotEqual(oldToken, File.ReadAllText(token));
            Assert.Equal(second.Pid, await PidAsync(client));
        }

        // Back on another port: nothing answers at the kept one, re-read, sent again.
        await using var third = await ServeProcess.StartInAsync(dir);
        Assert.NotEqual(port, third.ApiPort);
        Assert.Equal(third.Pid, await PidAsync(client));
    }

    private static async Task<int> PidAsync(ControlApiClient client) => (await client.StatusAsync()).GetProperty("pid").GetInt32();
}
