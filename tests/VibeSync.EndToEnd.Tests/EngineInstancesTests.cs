using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #22 item 1, N engine instances, every part a real process: `vibesync serve`, two headless
/// Blenders (the default instance <c>blender</c> and <c>blender:bob</c>, whose key `vibesync keys add`
/// made, each on its own copy of the scene) and the Unity simulator. Every intent lands in every
/// live instance but its origin, and all of them end on Reality's root.
/// </summary>
public sealed class EngineInstancesTests : EndToEndTest
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f", Handle = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    private static readonly string[] All = { "blender", "unity", "blender:bob" }; // status lists the defaults first, then named instances by name

    [Fact]
    public async Task an_edit_in_either_blender_and_an_ai_intent_land_in_every_other_instance_and_all_roots_end_equal()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var bobBlend = Path.Combine(Work, "bob.blend");
        File.Copy(blend, bobBlend); // another seat's copy of the scene
        var unity = Parts.SampleUnityScene(Work);
        var dir = Path.Combine(Work, "data");
        var (added, said) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "keys", "add", "blender:bob", "--data", dir);
        Assert.True(added == 0, said);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "keys", "blender.bob.key")));
        var (again, refusal) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "keys", "add", "blender:bob", "--data", dir);
        Assert.True(again == 1 && refusal.Contains("has a key already"), refusal); // an existing key is never replaced

        await using var serve = await ServeProcess.StartInAsync(dir, "--cosmetic-window-ms", "50");
        Assert.Equal(All, (await serve.StatusAsync()).GetProperty("sync").GetProperty("engines").EnumerateArray().Select(e => e.GetProperty("engine").GetString()).ToArray());
        await using var blender = Driven.Blender(blend, dir);
        await using var bob = Driven.Blender(bobBlend, dir, "blender:bob");
        await using var sim = Driven.Sim(dir, unity);
        await AssertParityAsync(serve, All);

        // A human's edit in the default Blender: applied in Bob's Blender and in Unity (Blender x, y, z is canonical x, z, −y).
        await blender.StepAsync("""{"object": "Cube", "location": [3.0, 2.0, 0.5]}""");
        await RealityHasAsync(serve, Cube, new[] { 3.0, 0.5, -2.0 });
        await AssertParityAsync(serve, All);
        AssertAt(await TranslationAsync(serve, "blender:bob", Cube), new[] { 3.0, 0.5, -2.0 });

        // A human's edit in Bob's Blender: an intent of human:blender:bob from blender:bob, applied in the default Blender and Unity.
        await bob.StepAsync("""{"object": "Handle", "location": [0.5, -1.0, 2.0]}""");
        await RealityHasAsync(serve, Handle, new[] { 0.5, 2.0, 1.0 });
        await AssertParityAsync(serve, All);
        AssertAt(await TranslationAsync(serve, "blender", Handle), new[] { 0.5, 2.0, 1.0 });
        AssertAt(await TranslationAsync(serve, "unity", Handle), new[] { 0.5, 2.0, 1.0 });
        Assert.Contains(FinalsLogged(serve), f => f.Actor == "human:blender:bob" && f.Engine == "blender:bob" && f.Uuids.Contains(Handle));
        Assert.Contains(FinalsLogged(serve), f => f.Actor == "human:blender" && f.Engine == "blender" && f.Uuids.Contains(Cube));

        // An AI's intent: applied and verified in all three.
        var ai = await serve.SubmitAsync($$"""{"operations": [{"op": "set_transform", "uuid": "{{Cube}}", "translation": [-2, 0.5, 1]}], "rationale": "every instance"}""", "ai:claude");
        Assert.Equal("FINAL", ai.GetProperty("phase").GetString());
        foreach (var engine in All) AssertAt(await TranslationAsync(serve, engine, Cube), new[] { -2.0, 0.5, 1.0 });

        // The two Blenders move the Cube at once: two humans' cosmetic edits of one property go through the conflict
        // table as any two actors do (the one admitted last wins). The first one's APPLY can land in the other Blender
        // after that Blender's own edit; verification brings that Blender back to Reality there instead of rolling
        // both back (CrossedAppliesTests). Both are FINAL, every instance ends on Reality, which holds one of the edits.
        int before = Settled(serve).Count;
        await Task.WhenAll(blender.StepAsync("""{"object": "Cube", "location": [5.0, 0.0, 0.5]}"""), bob.StepAsync("""{"object": "Cube", "location": [-5.0, 0.0, 0.5]}"""));
        await UntilAsync(serve, _ => Settled(serve).Count >= before + 2, "both Blenders' Cube edits settled", 60_000);
        await AssertParityAsync(serve, All);
        Assert.DoesNotContain(EntriesLogged(serve, "ROLLED_BACK"), e => e.Uuids.Contains(Cube) && e.Actor is "human:blender" or "human:blender:bob");
        var cube = await TranslationAsync(serve, "reality", Cube);
        Assert.True(new[] { 5.0, -5.0 }.Any(x => Math.Abs(cube[0] - x) < 1e-4), $"Reality's Cube is at x = {cube[0]}, neither edit");

        // `vibesync state --engine blender:bob` reads the named instance, in Blender space, with Reality's root.
        var (read, bobState) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "state", "--engine", "blender:bob", "--data", dir);
        Assert.True(read == 0, bobState);
        Assert.Equal((await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString(), await Parts.HashAsync("blender", await WriteAsync("bob-state.json", bobState)));
    }

    /// <summary>Settled (FINAL or rolled back) intents of either Blender's human on the Cube.</summary>
    private static List<FinalEntry> Settled(ServeProcess serve) => FinalsLogged(serve).Concat(EntriesLogged(serve, "ROLLED_BACK"))
        .Where(e => e.Uuids.Contains(Cube) && e.Actor is "human:blender" or "human:blender:bob").ToList();

    private static async Task<double[]> TranslationAsync(ServeProcess serve, string engine, string uuid)
    {
        using var doc = JsonDocument.Parse(await serve.GetStringAsync($"/v1/state?engine={engine}&space=canonical"));
        return doc.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("uuid").GetString() == uuid)
            .GetProperty("translation").EnumerateArray().Select(v => v.GetDouble()).ToArray();
    }

    private static void AssertAt(double[] actual, double[] expected)
    {
        for (int i = 0; i < 3; i++) Assert.True(Math.Abs(actual[i] - expected[i]) < 1e-4, $"[{string.Join(", ", actual)}] is not [{string.Join(", ", expected)}]");
    }

    private async Task RealityHasAsync(ServeProcess serve, string uuid, double[] expected)
    {
        for (int i = 0; i < 300; i++)
        {
            var t = await TranslationAsync(serve, "reality", uuid);
            if (Enumerable.Range(0, 3).All(k => Math.Abs(t[k] - expected[k]) < 1e-4)) return;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"Reality's {uuid} never reached [{string.Join(", ", expected)}]:\n{string.Join('\n', serve.Log.TakeLast(30))}");
    }
}
