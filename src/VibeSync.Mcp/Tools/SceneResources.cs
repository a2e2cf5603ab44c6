using System.ComponentModel;
using ModelContextProtocol.Server;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Mcp.Tools;

/// <summary>Resources an MCP client can read or attach to a conversation: the scene and the journal's tail.</summary>
[McpServerResourceType]
public static class SceneResources
{
    /// <summary>vibesync://scene</summary>
    [McpServerResource(UriTemplate = "vibesync://scene", Name = "scene", MimeType = "application/json")]
    [Description("Reality, the authoritative scene, as canonical scene JSON (glTF axes, meters). Objects kept from AI are left out, and a parent that is one reads as null.")]
    public static async Task<string> Scene(Agent agent)
    {
        var scene = await SceneTools.SceneOf(agent, "reality").ConfigureAwait(false);
        var visible = new Scene(scene.Objects.Where(o => !Agent.Hidden(o.Uuid)).Select(o => o.Parent is { } p && Agent.Hidden(p) ? o with { Parent = null } : o).ToArray(),
            scene.Materials, scene.Meshes);
        return SceneJsonWriter.Write(visible, Space.Canonical);
    }

    /// <summary>vibesync://wal/tail</summary>
    [McpServerResource(UriTemplate = "vibesync://wal/tail", Name = "wal_tail", MimeType = "application/json")]
    [Description("The journal's last 50 entries (as read_wal returns them), newest last.")]
    public static async Task<string> WalTail(Agent agent)
    {
        var status = await agent.CallAsync(api => api.StatusAsync()).ConfigureAwait(false);
        ulong last = status.GetProperty("sync").GetProperty("wal_sequence").GetUInt64();
        return await SceneTools.ReadWal(agent, last > 50 ? last - 50 : 0, 50).ConfigureAwait(false);
    }
}
