using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// `vibesync mcp` driven by the official TypeScript MCP SDK client (tests/mcp-client, run by node),
/// against a real serve with real Blender and the simulator attached: connect over stdio, list the
/// tools, submit an intent that a human approves at the CLI, wait for FINAL, read it back from both
/// engines; and the refusals (approve, hidden objects, malformed calls) that change nothing.
/// </summary>
public sealed class McpClientTests : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "vibesync-mcp-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task with_no_orchestrator_running_every_tool_says_so_and_how_to_start_one()
    {
        var client = Path.Combine(Parts.Repo, "tests", "mcp-client");
        var (code, output) = await Parts.RunAsync("node", TimeSpan.FromMinutes(2), Path.Combine(client, "session.mjs"), "--not-running", Path.Combine(_work, "nothing-here"), Parts.Cli);
        Assert.True(code == 0 && output.Contains("\ndone"), output);
    }

    [Fact]
    public async Task an_mcp_client_no_one_here_wrote_drives_a_verified_change_into_both_engines_and_nothing_it_was_not_allowed()
    {
        var client = Path.Combine(Parts.Repo, "tests", "mcp-client");
        Assert.True(Directory.Exists(Path.Combine(client, "node_modules", "@modelcontextprotocol", "sdk")),
            "the TypeScript MCP SDK is not installed: run `npm ci` in tests/mcp-client (run-tests does)");
        var blend = await Parts.SampleBlendAsync(_work);
        var unityScene = Parts.SampleUnityScene(_work);
        await using var serve = await ServeProcess.StartAsync("--trust", "supervised", "--cosmetic-window-ms", "50");
        var none = Path.Combine(_work, "none.json");
        File.WriteAllText(none, "[]");
        using var blender = Parts.Blender(blend, serve.DataDirectory, 120, none);
        var blenderOutput = Parts.OutputOf(blender, TimeSpan.FromSeconds(150));
        using var sim = Parts.Sim(serve.DataDirectory, unityScene, 100, none, Path.Combine(_work, "unity-after.json"));
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(150));
        try
        {
            for (int i = 0; i < 600; i++)
            {
                var s = await serve.StatusAsync();
                if (s.GetProperty("sync").GetProperty("engines").EnumerateArray().All(e => e.GetProperty("phase").GetString() == "live")) break;
                await Task.Delay(100);
            }
            var (code, output) = await Parts.RunAsync("node", TimeSpan.FromMinutes(3), Path.Combine(client, "session.mjs"), serve.DataDirectory, Parts.Cli);
            Assert.True(code == 0 && output.Contains("\ndone"), output + "\n" + string.Join("\n", serve.Log.Where(l => !l.Contains("heartbeat")).TakeLast(20)));
        }
        finally
        {
            blender.Kill(entireProcessTree: true);
            sim.Kill(entireProcessTree: true);
            await blenderOutput;
            await simOutput;
        }
    }
}
