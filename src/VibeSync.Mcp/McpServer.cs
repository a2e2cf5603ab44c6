using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VibeSync.Mcp.Tools;

namespace VibeSync.Mcp;

/// <summary><c>vibesync mcp</c>: an MCP server on stdin/stdout that an MCP client launches.</summary>
public static class McpServer
{
    /// <summary>Serves until the client closes stdin. Logs go to stderr: stdout is the protocol.</summary>
    public static async Task RunAsync(Agent agent, CancellationToken cancel)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(agent);
        builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "vibesync", Version = "0.1.0" })
            .WithStdioServerTransport()
            .WithToolsFromAssembly(typeof(SceneTools).Assembly)
            .WithResourcesFromAssembly(typeof(SceneResources).Assembly);
        await builder.Build().RunAsync(cancel).ConfigureAwait(false);
    }
}
