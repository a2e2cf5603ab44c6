using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// An object that gains a modifier in real Blender shows its evaluated mesh: a derived record is
/// created and the object is pointed at it (set_mesh), in Reality and in the Unity simulator.
/// </summary>
public sealed class DerivedMeshTests : EndToEndTest
{
    private static bool Live(JsonElement status, string engine) => SyncOf(status, engine).GetProperty("phase").GetString() == "live";

    [Fact]
    public async Task a_modifier_added_in_blender_gives_the_unity_object_the_derived_mesh_and_the_roots_stay_equal()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "100");
        var blenderEdits = await WriteAsync("blender-edits.json", """[{"at": 6.0, "object": "Cube", "add_modifier": {"name": "Subdivision", "type": "SUBSURF"}}]""");
        var unityEdits = await WriteAsync("unity-edits.json", "[]");

        using var blender = Parts.Blender(blend, serve.DataDirectory, 40, blenderEdits);
        var blenderOutput = Parts.OutputOf(blender, TimeSpan.FromSeconds(80));
        await UntilAsync(serve, s => Live(s, "blender"), "Blender live (it seeds Reality)");
        var unityOut = Path.Combine(Work, "unity-after.json");
        using var sim = Parts.Sim(serve.DataDirectory, unityScene, 16, unityEdits, unityOut);
        var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(80));
        await UntilAsync(serve, s => Live(s, "unity"), "Unity live");
        await RealityCubeDerivedAsync(serve);
        Assert.True(await simOutput.WaitAsync(TimeSpan.FromSeconds(80)) is var simText && File.Exists(unityOut), simText);

        var status = await serve.StatusAsync();
        string reality = status.GetProperty("sync").GetProperty("reality_root").GetString()!;
        string derivedId = await RealityCubeDerivedAsync(serve);

        using var unityDoc = JsonDocument.Parse(File.ReadAllText(unityOut));
        var unityCube = unityDoc.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Cube");
        Assert.Equal(derivedId, unityCube.GetProperty("mesh").GetString());
        Assert.Equal(reality, await Parts.HashAsync("unity", unityOut));
        var blenderNow = await WriteAsync("blender-now.json", await serve.GetStringAsync("/v1/state?engine=blender"));
        Assert.Equal(reality, await Parts.HashAsync("blender", blenderNow));
        blender.Kill(entireProcessTree: true);
        await blenderOutput;
    }

    /// <summary>Waits until Reality's Cube shows a mesh derived by the Subdivision modifier; its ID.</summary>
    private static async Task<string> RealityCubeDerivedAsync(ServeProcess serve)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string last = "";
        while (DateTime.UtcNow < until)
        {
            last = await serve.GetStringAsync("/v1/state?engine=reality");
            var state = JsonDocument.Parse(last).RootElement;
            var mesh = state.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Cube").GetProperty("mesh").GetString();
            var record = state.GetProperty("meshes").EnumerateArray().SingleOrDefault(m => m.GetProperty("uuid").GetString() == mesh);
            if (record.ValueKind == JsonValueKind.Object && record.GetProperty("derived").GetArrayLength() == 1
                && record.GetProperty("derived")[0].GetString() == "Subdivision (SUBSURF)")
                return mesh!;
            await Task.Delay(250);
        }
        throw new Xunit.Sdk.XunitException("Reality's Cube never showed its derived mesh: " + last);
    }
}
