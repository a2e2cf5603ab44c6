using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace VibeSync.Cli.Chaos;

/// <summary>A tool answered with an error (NOT_RUNNING, STALE reads, …): its text, which starts with the orchestrator's code.</summary>
internal sealed class ToolRefusedException : Exception
{
    public ToolRefusedException(string message) : base(message) { }
}

/// <summary>
/// The soak's AI: <c>vibesync mcp --data DIR --name chaos</c> launched over stdio and driven by the
/// official C# MCP client, exactly as Claude Desktop or Claude Code would launch it. The server
/// finds serve through serve.json on every call, so it outlives serve's restarts.
/// </summary>
internal sealed class McpAgent : IAsyncDisposable
{
    private readonly McpClient _client;

    private McpAgent(McpClient client) => _client = client;

    public const string Name = "chaos";
    public const string Actor = "ai:" + Name;

    public static async Task<McpAgent> StartAsync(string dataDirectory, CancellationToken cancel)
    {
        // This executable again: the apphost, or `dotnet vibesync.dll` when run through the launcher.
        string host = Environment.ProcessPath ?? "dotnet";
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") args.Add(typeof(McpAgent).Assembly.Location);
        args.AddRange(new[] { "mcp", "--data", dataDirectory, "--name", Name });
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "vibesync-mcp",
            Command = host,
            Arguments = args,
            StandardErrorLines = _ => { }, // its log; the soak judges by what the tools answer
        });
        return new McpAgent(await McpClient.CreateAsync(transport, cancellationToken: cancel));
    }

    /// <summary>Calls a tool; its JSON answer, or <see cref="ToolRefusedException"/> with the error text.</summary>
    public async Task<JsonElement> CallAsync(string tool, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancel)
    {
        var result = await _client.CallToolAsync(tool, arguments, cancellationToken: cancel);
        string text = string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
        if (result.IsError == true) throw new ToolRefusedException(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The tools the server lists (the soak checks its own calls are among them).</summary>
    public async Task<IReadOnlyList<string>> ToolNamesAsync(CancellationToken cancel) =>
        (await _client.ListToolsAsync(cancellationToken: cancel)).Select(t => t.Name).ToList();

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
