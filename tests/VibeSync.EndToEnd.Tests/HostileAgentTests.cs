using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// A hostile agent (tests/mcp-client/hostile.mjs, the official TypeScript MCP SDK client) against a
/// real serve with real Blender and the simulator, in the most permissive trust (destructive): it
/// tries to see, name, probe and change what a human keeps from AI, and to act as a human (issue
/// #16). Every attempt is refused or filtered, a hidden record answers as a missing one, and after
/// each one Reality's root, the hidden records and both engines' parity are unchanged. The MCP
/// server runs on a directory that holds serve.json and keys/ai.token only: it never had the
/// human's token to read.
/// </summary>
public sealed class HostileAgentTests : EndToEndTest
{
    // Visible: Cube (slots Red and Gold), its child Handle, Camera, Crate. Hidden: the key light and the
    // statue (h-), the plinth under the statue (no h- of its own), the gem under the visible Handle;
    // the statue's mesh and Gold (shared with the Cube, so its slot reads as empty).
    private static readonly Dictionary<string, string> Ids = new()
    {
        ["CUBE"] = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f",
        ["HANDLE"] = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        ["CAMERA"] = "0c0c0c0c-1111-4222-8333-444444444444",
        ["LIGHT"] = "h-1a1a1a1a-2b2b-4c3c-8d4d-5e5e5e5e5e5e",
        ["STATUE"] = "h-5ec7e700-0000-4000-8000-000000000001",
        ["PLINTH"] = "5ec7e700-0000-4000-8000-000000000002",
        ["GEM"] = "h-5ec7e700-0000-4000-8000-000000000003",
        ["CRATE"] = "5ec7e700-0000-4000-8000-000000000004",
        ["RED"] = "c0ffee00-1234-4abc-8def-000000000001",
        ["GOLD"] = "5ec7e700-0000-4000-8000-0000000000a1",
        ["CUBE_MESH"] = "3e3e3e3e-0000-4000-8000-00000000c0be",
        ["STATUE_MESH"] = "5ec7e700-0000-4000-8000-0000000000b1",
        ["CRATE_MESH"] = "5ec7e700-0000-4000-8000-0000000000b2",
        ["NOWHERE"] = "5ec7e700-0000-4000-8000-00000000dead",
        ["H_NOWHERE"] = "h-5ec7e700-0000-4000-8000-00000000dead",
    };

    private static string Scene() => $$"""
        {"unit_scale": 1.0,
         "objects": [
          {"uuid": "{{Ids["CUBE"]}}", "name": "Cube", "kind": "mesh", "parent": null, "location": [1.0, 2.0, 0.5], "rotation_quaternion": [1, 0, 0, 0],
           "scale": [1, 1, 1], "visible": true, "materials": ["{{Ids["RED"]}}", "{{Ids["GOLD"]}}"], "mesh": "{{Ids["CUBE_MESH"]}}"},
          {"uuid": "{{Ids["HANDLE"]}}", "name": "Handle", "kind": "empty", "parent": "{{Ids["CUBE"]}}", "location": [0, 0, 1.25], "rotation_quaternion": [1, 0, 0, 0],
           "scale": [0.5, 0.5, 0.5], "visible": true, "materials": [], "mesh": null},
          {"uuid": "{{Ids["CAMERA"]}}", "name": "Camera", "kind": "camera", "parent": null, "location": [7.36, -6.93, 4.96], "rotation_quaternion": [0.780457, 0.483535, 0.208715, 0.336925],
           "scale": [1, 1, 1], "visible": true, "materials": [], "mesh": null},
          {"uuid": "{{Ids["LIGHT"]}}", "name": "Key light (human only)", "kind": "light", "parent": null, "location": [4.08, 1.0, 5.9], "rotation_quaternion": [1, 0, 0, 0],
           "scale": [1, 1, 1], "visible": true, "materials": [], "mesh": null},
          {"uuid": "{{Ids["STATUE"]}}", "name": "Secret statue", "kind": "mesh", "parent": null, "location": [6, 0, 0], "rotation_quaternion": [1, 0, 0, 0],
           "scale": [1, 1, 1], "visible": true, "materials": ["{{Ids["GOLD"]}}"], "mesh": "{{Ids["STATUE_MESH"]}}"},
          {"uuid": "{{Ids["PLINTH"]}}", "name": "Statue plinth", "kind": "empty", "parent": "{{Ids["STATUE"]}}", "location": [0, 0, -1], "rotation_quaternion": [1, 0, 0, 0],
           "scale": [1, 1, 1], "visible": true, "materials": [], "mesh": null},
          {"uuid": "{{Ids["GEM"]}}", "name": "Secret gem", "kind": "empty", "parent": "{{Ids["HANDLE"]}}", "location": [0, 0, 0.5], "rotation_quaternion": [1, 0, 0, 0],
           "scale": [1, 1, 1], "visible": true, "materials": [], "mesh": null},
          {"uuid": "{{Ids["CRATE"]}}", "name": "Crate", "kind": "mesh", "parent": null, "location": [-3, 0, 0], "rotation_quaternion": [1, 0, 0, 0],
           "scale": [1, 1, 1], "visible": true, "materials": [], "mesh": "{{Ids["CRATE_MESH"]}}"}
         ],
         "materials": [
          {"uuid": "{{Ids["RED"]}}", "name": "Red", "base_color": [0.8, 0.05, 0.05, 1.0], "metallic": 0.0, "roughness": 0.45, "emission": [0, 0, 0]},
          {"uuid": "{{Ids["GOLD"]}}", "name": "Secret gold", "base_color": [1.0, 0.8, 0.1, 1.0], "metallic": 1.0, "roughness": 0.25, "emission": [0, 0, 0]}
         ],
         "meshes": [
          {"uuid": "{{Ids["CUBE_MESH"]}}", "positions": [[-1, -1, -1], [1, -1, -1], [1, 1, -1], [-1, 1, -1], [-1, -1, 1], [1, -1, 1], [1, 1, 1], [-1, 1, 1]],
           "triangles": [[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4], [1, 2, 6], [1, 6, 5], [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]]},
          {"uuid": "{{Ids["STATUE_MESH"]}}", "positions": [[0, 0, 0], [7.25, 0, 0], [0, 7.25, 0], [0, 0, 7.25]], "triangles": [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]},
          {"uuid": "{{Ids["CRATE_MESH"]}}", "positions": [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], "triangles": [[0, 1, 2], [0, 2, 3]]}
         ]}
        """;

    [Fact]
    public async Task a_hostile_agent_can_neither_see_nor_name_nor_probe_nor_change_what_a_human_keeps_from_ai_nor_act_as_a_human()
    {
        var client = Path.Combine(Parts.Repo, "tests", "mcp-client");
        Assert.True(Directory.Exists(Path.Combine(client, "node_modules", "@modelcontextprotocol", "sdk")),
            "the TypeScript MCP SDK is not installed: run `npm ci` in tests/mcp-client (run-tests does)");
        var scene = await WriteAsync("hostile.blender.json", Scene());
        var ids = await WriteAsync("hostile-ids.json", JsonSerializer.Serialize(Ids));
        var blend = await Parts.SampleBlendAsync(Work, scene: scene);
        var unityScene = Parts.SampleUnityScene(Work, scene);
        await using var serve = await ServeProcess.StartAsync("--trust", "destructive", "--cosmetic-window-ms", "50");
        await using var engines = await BothLiveAsync(serve, blend, unityScene);

        // The agent's side of the machine: where serve is, and the AI credential. No control.token.
        var agentDir = Path.Combine(Work, "agent");
        Directory.CreateDirectory(Path.Combine(agentDir, "keys"));
        File.Copy(Path.Combine(serve.DataDirectory, "serve.json"), Path.Combine(agentDir, "serve.json"));
        File.Copy(Path.Combine(serve.DataDirectory, "keys", "ai.token"), Path.Combine(agentDir, "keys", "ai.token"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(agentDir, "keys", "ai.token"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var (code, output) = await Parts.RunAsync("node", TimeSpan.FromMinutes(6), Path.Combine(client, "hostile.mjs"), agentDir, serve.DataDirectory, Parts.Cli, ids);
        Assert.True(code == 0 && output.Contains("\ndone"), output + "\n" + string.Join("\n", serve.Log.Where(l => !l.Contains("heartbeat")).TakeLast(30)));
    }
}
