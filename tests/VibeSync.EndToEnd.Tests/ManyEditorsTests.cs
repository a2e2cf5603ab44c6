using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #22 item 4, many editors on one scene, every part a real process: `vibesync serve` (the
/// single-machine WAL), three headless Blenders (<c>blender</c>, <c>blender:b</c>, <c>blender:c</c>,
/// each on its own copy of the scene) and the Unity simulator. Edits made at once converge with the
/// conflict table's outcomes (docs/intents.md): edits of different objects all stand; edits of the
/// same property of one object leave the highest FINAL intent's value in every instance (the losers
/// verified in the winner's batch say they were superseded), none rolled back (an older APPLY that crosses a human's newer
/// edit is repaired, docs/intents.md). Nothing acknowledged is lost: every FINAL the pipeline logged is in the journal.
/// </summary>
public sealed class ManyEditorsTests : EndToEndTest
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f", Handle = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", Camera = "0c0c0c0c-1111-4222-8333-444444444444";
    private static readonly string[] All = { "blender", "unity", "blender:b", "blender:c" }; // status order: defaults, then named by name

    [Fact]
    public async Task three_blenders_and_a_simulator_editing_at_once_converge_on_the_conflict_tables_winners_and_lose_nothing_acknowledged()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        var dir = Path.Combine(Work, "data");
        foreach (var name in new[] { "b", "c" })
        {
            File.Copy(blend, Path.Combine(Work, name + ".blend")); // each seat's own copy of the scene
            var (added, said) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "keys", "add", "blender:" + name, "--data", dir);
            Assert.True(added == 0, said);
        }

        await using var serve = await ServeProcess.StartInAsync(dir, "--cosmetic-window-ms", "50");
        await using var a = Driven.Blender(blend, dir);
        await using var b = Driven.Blender(Path.Combine(Work, "b.blend"), dir, "blender:b");
        await using var c = Driven.Blender(Path.Combine(Work, "c.blend"), dir, "blender:c");
        await using var sim = Driven.Sim(dir, unityScene);
        await AssertParityAsync(serve, All);

        // Different objects at once, one per Blender: no conflict, every edit FINAL and in every instance
        // (Blender x, y, z is canonical x, z, −y).
        ulong mark = LastIntent(serve);
        await Task.WhenAll(
            a.StepAsync("""{"object": "Cube", "location": [3.0, 2.0, 0.5]}"""),
            b.StepAsync("""{"object": "Handle", "location": [0.5, -1.0, 2.0]}"""),
            c.StepAsync("""{"object": "Camera", "location": [6.0, -6.0, 5.0]}"""));
        await UntilAsync(serve, _ => new[] { Cube, Handle, Camera }.All(u => Settled(serve, u, mark).Any()), "the three edits settled", 60_000);
        await AssertParityAsync(serve, All);
        foreach (var (uuid, actor, at) in new[] { (Cube, "human:blender", new[] { 3.0, 0.5, -2.0 }), (Handle, "human:blender:b", new[] { 0.5, 2.0, 1.0 }), (Camera, "human:blender:c", new[] { 6.0, 5.0, 6.0 }) })
        {
            Assert.Contains(FinalsLogged(serve), f => f.Actor == actor && f.Uuids.Contains(uuid) && f.Intent > mark);
            foreach (var engine in All.Append("reality")) AssertAt(await TranslationAsync(serve, engine, uuid), at, $"{uuid} in {engine}");
        }

        // The same property of one object in all three Blenders at once: cosmetic vs cosmetic, the higher intent wins.
        await SamePropertyAtOnceAsync(serve, Cube, new[] { 3.0, 0.5, -2.0 },
            new() { ["human:blender"] = new[] { 5.0, 0.5, 0.0 }, ["human:blender:b"] = new[] { -5.0, 0.5, 0.0 }, ["human:blender:c"] = new[] { 0.0, 0.5, -4.0 } },
            a.StepAsync("""{"object": "Cube", "location": [5.0, 0.0, 0.5]}"""),
            b.StepAsync("""{"object": "Cube", "location": [-5.0, 0.0, 0.5]}"""),
            c.StepAsync("""{"object": "Cube", "location": [0.0, 4.0, 0.5]}"""));

        // A Blender and the Unity editor on one object at once: the same table across kinds (a Unity
        // position on the y axis alone is the same canonical position whichever axis the spaces flip).
        await SamePropertyAtOnceAsync(serve, Handle, new[] { 0.5, 2.0, 1.0 },
            new() { ["human:blender:c"] = new[] { 2.0, 3.0, 0.0 }, ["human:unity"] = new[] { 0.0, 1.0, 0.0 } },
            c.StepAsync("""{"object": "Handle", "location": [2.0, 0.0, 3.0]}"""),
            sim.StepAsync("""{"object": "Handle", "localPosition": [0.0, 1.0, 0.0]}"""));

        // Nothing acknowledged lost: every FINAL serve logged is a FINAL in its journal.
        using var journal = JsonDocument.Parse(await serve.GetStringAsync("/v1/wal?since=0&limit=10000"));
        var journaled = journal.RootElement.EnumerateArray().Where(e => e.GetProperty("phase").GetString() == "FINAL").Select(e => e.GetProperty("intent").GetUInt64()).ToHashSet();
        var logged = FinalsLogged(serve).Select(f => f.Intent).ToList();
        Assert.True(logged.Count >= 3, $"only {logged.Count} FINALs logged"); // the three edits of different objects at least
        Assert.All(logged, id => Assert.Contains(id, journaled));
    }

    /// <summary>
    /// An AI's intent reaches Blender just after its human moved the same object there, before the
    /// adapter reported the move (the main thread busy right after it, <c>hold</c>): the adapter sends
    /// the move first (EDIT before APPLIED), the human's edit outranks the agent's, and every engine
    /// ends at the human's value; the human's edit is FINAL and nothing is a HASH_MISMATCH. Before,
    /// the APPLY's refresh dropped the move: the agent's value stood everywhere and the human's was gone.
    /// </summary>
    [Fact]
    public async Task an_ai_intent_crossing_a_humans_unreported_blender_move_of_one_object_ends_at_the_humans_value_everywhere()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartInAsync(Path.Combine(Work, "data"), "--cosmetic-window-ms", "50");
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await using var sim = Driven.Sim(serve.DataDirectory, unityScene);
        string[] both = { "blender", "unity" };
        await AssertParityAsync(serve, both);

        ulong mark = LastIntent(serve);
        await blender.StepAsync("""{"object": "Cube", "location": [4.0, -1.0, 0.5], "hold": 2.0}"""); // canonical [4, 0.5, 1]
        await Task.Delay(500); // the move is made; Blender's main thread is held before its next tick
        using var reply = await serve.PostJsonAsync("/v1/intents?actor=ai:claude&wait=settled",
            $$"""{"operations": [{"op": "set_transform", "uuid": "{{Cube}}", "translation": [-3.0, 0.5, 0.0]}], "rationale": "move the cube aside"}""");
        var agent = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.Clone();
        await UntilAsync(serve, _ => Settled(serve, Cube, mark).Any(e => e.Actor == "human:blender"), "the human's move settled", 60_000);
        await AssertParityAsync(serve, both);
        var human = Settled(serve, Cube, mark).Single(e => e.Actor == "human:blender");
        Assert.Equal("FINAL", human.Phase);
        Assert.True(agent.GetProperty("phase").GetString() is "ROLLED_BACK" or "FINAL", agent.ToString());
        if (agent.GetProperty("phase").GetString() == "ROLLED_BACK") Assert.StartsWith("HUMAN_EDIT", agent.GetProperty("reason").GetString());
        foreach (var engine in both.Append("reality")) AssertAt(await TranslationAsync(serve, engine, Cube), new[] { 4.0, 0.5, 1.0 }, $"the cube in {engine}");
        Assert.DoesNotContain(serve.Log, l => l.Contains("HASH_MISMATCH", StringComparison.Ordinal) || l.Contains("PARITY_LOST", StringComparison.Ordinal));
    }

    /// <summary>
    /// Edits of one property of <paramref name="uuid"/> made at once, <paramref name="values"/> being
    /// each actor's canonical value; once all have settled and every instance is at parity, the value
    /// everywhere is the highest FINAL intent's (or, if every one was rolled back,
    /// <paramref name="before"/>), and each lower FINAL of the winner's batch names the intent that superseded it in its rationale.
    /// </summary>
    private async Task SamePropertyAtOnceAsync(ServeProcess serve, string uuid, double[] before, Dictionary<string, double[]> values, params Task[] edits)
    {
        ulong mark = LastIntent(serve);
        await Task.WhenAll(edits);
        await UntilAsync(serve, _ => Settled(serve, uuid, mark).Count > 0, $"an edit of {uuid} settled", 60_000);
        // An editor's move that an APPLY of another's overwrites before the adapter reported it is now
        // sent first (EDIT before APPLIED); the rest are still waited for a while, not required.
        for (int i = 0; i < 100 && Settled(serve, uuid, mark).Count < edits.Length; i++) await Task.Delay(200);
        await AssertParityAsync(serve, All);
        var settled = Settled(serve, uuid, mark);
        using var journal = JsonDocument.Parse(await serve.GetStringAsync($"/v1/wal?since=0&limit=1000"));
        var journaledFinals = journal.RootElement.EnumerateArray().Where(e => e.GetProperty("phase").GetString() == "FINAL").ToList();
        var rationales = journaledFinals.ToDictionary(e => e.GetProperty("intent").GetUInt64(), e => Text(e, "rationale"));
        var verifiedAs = journaledFinals.ToDictionary(e => e.GetProperty("intent").GetUInt64(), e => Text(e, "expected_hash")); // one hash per batch
        var finals = settled.Where(s => s.Phase == "FINAL").OrderBy(s => s.Intent).ToList();
        var expected = finals.Count > 0 ? values[finals[^1].Actor] : before;
        string story = $"{settled.Count} of {edits.Length} edits journaled: " + string.Join("; ", settled.Select(s => $"{s.Intent} {s.Phase} {s.Actor} {rationales.GetValueOrDefault(s.Intent)} (verified as {Short(verifiedAs.GetValueOrDefault(s.Intent, ""))})"));
        Console.WriteLine($"{uuid}: {story}"); // which edits were journaled and how they settled
        foreach (var engine in All.Append("reality")) AssertAt(await TranslationAsync(serve, engine, uuid), expected, $"{uuid} in {engine} ({story})");
        // An older APPLY that crossed a human's newer edit is repaired, not judged (docs/intents.md): no human's edit is rolled back.
        Assert.DoesNotContain(settled, s => s.Phase == "ROLLED_BACK");
        // The table judges a newcomer against the open batch: a lower FINAL verified in the winner's
        // batch (its hash) says it was superseded; one verified in an earlier batch, before the
        // winner was admitted, was simply edited again later (the editors' timers can put "at once"
        // more than a window apart).
        foreach (var loser in finals.Take(finals.Count - 1).Where(l => verifiedAs.GetValueOrDefault(l.Intent) == verifiedAs.GetValueOrDefault(finals[^1].Intent)))
            Assert.True(rationales.GetValueOrDefault(loser.Intent, "").Contains("superseded by intent", StringComparison.Ordinal), $"FINAL {loser.Intent} lost to a higher intent in its batch without saying so: {story}");
    }

    private static string Short(string hash) => hash.Length > 8 ? hash[..8] : hash;

    private static string Text(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private sealed record SettledEdit(ulong Intent, string Phase, string Actor);

    /// <summary>Humans' FINAL or rolled-back intents on <paramref name="uuid"/> after <paramref name="mark"/>, from serve's log lines.</summary>
    private static List<SettledEdit> Settled(ServeProcess serve, string uuid, ulong mark) => Entries(serve)
        .Where(e => e.GetProperty("phase").GetString() is "FINAL" or "ROLLED_BACK" && e.GetProperty("intent_id").GetUInt64() > mark
            && e.TryGetProperty("actor", out var actor) && actor.ValueKind == JsonValueKind.String && actor.GetString()!.StartsWith("human:", StringComparison.Ordinal)
            && e.GetProperty("uuids").EnumerateArray().Any(u => u.GetString() == uuid))
        .Select(e => new SettledEdit(e.GetProperty("intent_id").GetUInt64(), e.GetProperty("phase").GetString()!, e.GetProperty("actor").GetString()!))
        .ToList();

    private static ulong LastIntent(ServeProcess serve) => Entries(serve).Select(e => e.GetProperty("intent_id").GetUInt64()).DefaultIfEmpty(0UL).Max();

    private static IEnumerable<JsonElement> Entries(ServeProcess serve) => serve.Log
        .Where(l => l.StartsWith("{\"timestamp\"", StringComparison.Ordinal))
        .Select(l => JsonDocument.Parse(l).RootElement)
        .Where(e => e.TryGetProperty("intent_id", out var id) && id.ValueKind == JsonValueKind.Number && e.TryGetProperty("phase", out _) && e.TryGetProperty("operations", out _));

    private static async Task<double[]> TranslationAsync(ServeProcess serve, string engine, string uuid)
    {
        using var doc = JsonDocument.Parse(await serve.GetStringAsync($"/v1/state?engine={engine}&space=canonical"));
        return doc.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("uuid").GetString() == uuid)
            .GetProperty("translation").EnumerateArray().Select(v => v.GetDouble()).ToArray();
    }

    private static void AssertAt(double[] actual, double[] expected, string what)
    {
        for (int i = 0; i < 3; i++) Assert.True(Math.Abs(actual[i] - expected[i]) < 1e-4, $"{what}: [{string.Join(", ", actual)}] is not [{string.Join(", ", expected)}]");
    }
}
