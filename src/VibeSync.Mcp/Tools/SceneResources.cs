using System.ComponentModel;
using ModelContextProtocol.Server;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;

namespace VibeSync.Mcp.Tools;

/// <summary>Resources an MCP client can read or attach to a conversation: the scene and the journal's tail.</summary>
[McpServerResourceType]
public static class SceneResources
{
    /// <summary>vibesync://scene</summary>
    [McpServerResource(UriTemplate = "vibesync://scene", Name = "scene", MimeType = "application/json")]
    [Description("Reality, the authoritative scene, as canonical scene JSON (glTF axes, meters): what you may see of it, a valid scene whose root is the one status shows you.")]
    public static async Task<string> Scene(Agent agent) =>
        SceneJsonWriter.Write(await SceneTools.SceneOf(agent, "reality").ConfigureAwait(false), Space.Canonical);

    /// <summary>vibesync://wal/tail</summary>
    [McpServerResource(UriTemplate = "vibesync://wal/tail", Name = "wal_tail", MimeType = "application/json")]
    [Description("Of the journal's last 50 entries, those you may see (as read_wal returns them), newest last.")]
    public static async Task<string> WalTail(Agent agent)
    {
        var status = await agent.CallAsync(api => api.StatusAsync()).ConfigureAwait(false);
        ulong last = status.GetProperty("sync").GetProperty("wal_sequence").GetUInt64();
        return await SceneTools.ReadWal(agent, last > 50 ? last - 50 : 0, 50).ConfigureAwait(false);
    }
}
