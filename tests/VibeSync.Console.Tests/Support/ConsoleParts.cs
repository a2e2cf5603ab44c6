using System.Text.Json;

namespace VibeSync.Console.Tests.Support;

/// <summary>The console's counterparts as processes: the login link `vibesync console` prints, and an AI agent submitting over MCP.</summary>
internal static class ConsoleParts
{
    /// <summary>An HTTP client for serve's control API with the human's token (keys/control.token).</summary>
    public static HttpClient HumanApi(VibeSync.Link.Tests.Support.ServeProcess serve)
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(serve.DataDirectory, "keys", "control.token")).Trim());
        return http;
    }

    /// <summary>
    /// Submits an intent through the control API as <paramref name="actor"/> without waiting for it to
    /// settle (an AI's waits for a human under supervised trust); asserts it is PENDING and returns its id.
    /// </summary>
    public static async Task<ulong> SubmitPendingAsync(VibeSync.Link.Tests.Support.ServeProcess serve, string actor, string intentJson)
    {
        using var http = HumanApi(serve);
        using var reply = await http.PostAsync($"http://127.0.0.1:{serve.ApiPort}/v1/intents?actor={Uri.EscapeDataString(actor)}", new StringContent(intentJson));
        var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.True(answer.TryGetProperty("phase", out var phase) && phase.GetString() == "PENDING", answer.ToString());
        return answer.GetProperty("intent").GetUInt64();
    }

    /// <summary>Runs <c>vibesync console --data DIR --no-open</c> and returns the link it prints.</summary>
    public static async Task<string> LoginLinkAsync(string dataDir, ulong? intent = null)
    {
        var args = new List<string> { Parts.Cli, "console", "--data", dataDir, "--no-open" };
        if (intent is ulong id) args.AddRange(new[] { "--intent", id.ToString() });
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), args.ToArray());
        Assert.True(code == 0, output);
        return output.Split('\n')[0].Trim();
    }

    /// <summary>
    /// Submits an intent as <c>ai:console-test</c> through <c>vibesync mcp</c> with the official
    /// TypeScript MCP client (tests/mcp-client/submit.mjs); returns submit_intent's answer.
    /// </summary>
    public static async Task<JsonElement> SubmitAsAiAsync(string dataDir, string intentJson)
    {
        var client = Path.Combine(Parts.Repo, "tests", "mcp-client");
        Assert.True(Directory.Exists(Path.Combine(client, "node_modules", "@modelcontextprotocol", "sdk")),
            "the TypeScript MCP SDK is not installed: run `npm ci` in tests/mcp-client (run-tests does)");
        var (code, output) = await Parts.RunAsync("node", TimeSpan.FromMinutes(2), Path.Combine(client, "submit.mjs"), dataDir, Parts.Cli, intentJson);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith('{'));
        Assert.True(code == 0 && line != null, $"the MCP submission failed ({code}): {output}");
        return JsonDocument.Parse(line!).RootElement.Clone();
    }
}
