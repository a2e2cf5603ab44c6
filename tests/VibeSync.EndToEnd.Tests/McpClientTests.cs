using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// `vibesync mcp` driven by the official TypeScript MCP SDK client (tests/mcp-client, run by node),
/// against a real serve with real Blender and the simulator attached: connect over stdio, list the
/// tools, submit an intent that a human approves at the CLI, wait for FINAL, read it back from both
/// engines; and the refusals (approve, hidden objects, malformed calls) that change nothing.
/// </summary>
public sealed class McpClientTests : EndToEndTest
{
    [Fact]
    public async Task with_no_orchestrator_running_every_tool_says_so_and_how_to_start_one()
    {
        var client = Path.Combine(Parts.Repo, "tests", "mcp-client");
        var (code, output) = await Parts.RunAsync("node", TimeSpan.FromMinutes(2), Path.Combine(client, "session.mjs"), "--not-running", Path.Combine(Work, "nothing-here"), Parts.Cli);
        Assert.True(code == 0 && output.Contains("\ndone"), output);
    }

    [Fact]
    public async Task an_mcp_client_no_one_here_wrote_drives_a_verified_change_into_both_engines_and_nothing_it_was_not_allowed()
    {
        var client = Path.Combine(Parts.Repo, "tests", "mcp-client");
        Assert.True(Directory.Exists(Path.Combine(client, "node_modules", "@modelcontextprotocol", "sdk")),
            "the TypeScript MCP SDK is not installed: run `npm ci` in tests/mcp-client (run-tests does)");
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--trust", "supervised", "--cosmetic-window-ms", "50");
        await using var engines = await BothLiveAsync(serve, blend, unityScene);
        var (code, output) = await Parts.RunAsync("node", TimeSpan.FromMinutes(3), Path.Combine(client, "session.mjs"), serve.DataDirectory, Parts.Cli);
        Assert.True(code == 0 && output.Contains("\ndone"), output + "\n" + string.Join("\n", serve.Log.Where(l => !l.Contains("heartbeat")).TakeLast(20)));
    }

    [Fact]
    public async Task an_agent_uploads_a_100000_vertex_mesh_with_put_blob_and_it_lands_in_the_unity_simulator()
    {
        // Real Blender's side of content schema 2 is not merged here yet: the simulator is the engine.
        var client = Path.Combine(Parts.Repo, "tests", "mcp-client");
        // An empty Unity scene seeds Reality (the sample scene's meshes are content schema 1).
        var unityScene = await WriteAsync("empty.unity.json", """{"objects": [], "materials": [], "meshes": []}""");
        await using var serve = await ServeProcess.StartAsync("--trust", "destructive", "--cosmetic-window-ms", "50");
        await using var sim = Driven.Sim(serve.DataDirectory, unityScene);
        await UntilAsync(serve, s => SyncOf(s, "unity").GetProperty("phase").GetString() == "live", "the simulator live", 60_000);
        var (code, output) = await Parts.RunAsync("node", TimeSpan.FromMinutes(4), Path.Combine(client, "blobs.mjs"), serve.DataDirectory, Parts.Cli);
        Assert.True(code == 0 && output.Contains("\ndone"), output + "\n" + string.Join("\n", serve.Log.Where(l => !l.Contains("heartbeat")).TakeLast(20)));
    }
}
