using FsCheck;
using FsCheck.Xunit;
using VibeSync.Intents.Batching;
using VibeSync.Protocol.Hashing;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

public sealed class CoalescingTests
{
    private static readonly string[] Targets = { Root, Child, Cube };

    /// <summary>A random cosmetic setter over the small scene.</summary>
    private static string RandomCosmetic(Random r)
    {
        string u = Targets[r.Next(Targets.Length)];
        double V() => Math.Round(r.NextDouble() * 20 - 10, r.Next(0, 7));
        return r.Next(5) switch
        {
            0 => $"{{\"op\": \"set_transform\", \"uuid\": \"{u}\", \"translation\": [{V()}, {V()}, {V()}]}}",
            1 => $"{{\"op\": \"set_transform\", \"uuid\": \"{u}\", \"scale\": [{V()}, 1, 1], \"rotation\": [0, 0, 0, 1]}}",
            2 => $"{{\"op\": \"set_visibility\", \"uuid\": \"{u}\", \"visible\": {(r.Next(2) == 0 ? "true" : "false")}}}",
            3 => $"{{\"op\": \"rename\", \"uuid\": \"{u}\", \"name\": \"n{r.Next(100)}\"}}",
            _ => $"{{\"op\": \"set_material_params\", \"uuid\": \"{Red}\", \"roughness\": {r.NextDouble():R}{(r.Next(2) == 0 ? $", \"metallic\": {r.NextDouble():R}" : "")}}}",
        };
    }

    [Property(MaxTest = 300)]
    public bool a_folded_run_of_cosmetic_intents_lands_where_the_run_lands(int seed)
    {
        var r = new Random(seed);
        var run = Enumerable.Range(0, r.Next(1, 12)).Select(_ => Intent(RandomCosmetic(r))).ToList();
        var sequential = run.Aggregate(Initial(), (s, i) => IntentValidator.Apply(s, i, Human));
        var folded = run.Skip(1).Aggregate(run[0].Operations, (ops, i) => Coalescer.Fold(ops, i.Operations));
        var once = IntentValidator.Apply(Initial(), new IntentRequest(folded, new Dictionary<string, string>(), null), Human);
        return SceneHasher.Hash(sequential.ToScene()).Root.SequenceEqual(SceneHasher.Hash(once.ToScene()).Root)
            && folded.Count <= run.Sum(i => i.Operations.Count);
    }

    [Property(MaxTest = 300)]
    public bool what_the_writer_writes_the_reader_reads_back_the_same(int seed)
    {
        var r = new Random(seed);
        var request = OperationReader.Read("{\"operations\": [" + string.Join(", ", Enumerable.Range(0, r.Next(1, 5)).Select(_ => RandomCosmetic(r)))
            + $"], \"rationale\": \"why \\\"quoted\\\" ✓\", \"based_on\": {{\"{Cube}\": \"{new string('a', 64)}\"}}}}");
        var again = OperationReader.Read(OperationWriter.Write(request));
        return again.Operations.SequenceEqual(request.Operations) && again.Rationale == request.Rationale
            && again.BasedOn.SequenceEqual(request.BasedOn) && OperationWriter.Write(again) == OperationWriter.Write(request);
    }

    [Fact]
    public void every_operation_kind_round_trips_through_the_writer()
    {
        var request = Intent(
            "{\"op\": \"create_object\", \"uuid\": \"" + Fresh + "\", \"name\": \"F\", \"kind\": \"mesh\", \"parent\": \"" + Root + "\", \"translation\": [1.5, 0, -2], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"visible\": false, \"mesh\": \"" + CubeMesh + "\", \"materials\": [\"" + Red + "\", null]}",
            "{\"op\": \"instantiate_prefab\", \"uuid\": \"00000000-0000-4000-8000-0000000000f2\", \"prefab\": \"props/crate.prefab\", \"name\": \"Crate\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0.7071067811865476, 0, 0.7071067811865476], \"scale\": [2, 2, 2]}",
            "{\"op\": \"duplicate_object\", \"uuid\": \"" + Cube + "\", \"new_uuid\": \"00000000-0000-4000-8000-0000000000f3\", \"name\": \"Cube.001\"}",
            "{\"op\": \"assign_material\", \"uuid\": \"" + Cube + "\", \"slot\": 0, \"material\": null}",
            "{\"op\": \"set_parent\", \"uuid\": \"" + Cube + "\", \"parent\": \"" + Root + "\"}",
            "{\"op\": \"replace_mesh\", \"uuid\": \"" + CubeMesh + "\", \"positions\": [[0, 0, 0], [1, 0, 0], [0, 1, 1e-7]], \"triangles\": [[0, 1, 2]], \"uv0\": [[0, 0], [1, 0], [0, 1]]}",
            "{\"op\": \"replace_asset\", \"uuid\": \"" + Cube + "\", \"asset\": \"props/barrel\"}",
            "{\"op\": \"delete_object\", \"uuid\": \"" + Grandchild + "\", \"children\": \"delete\"}",
            "{\"op\": \"set_material_params\", \"uuid\": \"" + Red + "\", \"base_color\": [0.1, 0.2, 0.3, 1], \"emission\": [0, 0, 0]}");
        var again = OperationReader.Read(OperationWriter.Write(request));
        Assert.Equal(request.Operations.Count, again.Operations.Count);
        for (int i = 0; i < request.Operations.Count; i++)
            Assert.Equal(OperationWriter.Append(new(), request.Operations[i]).ToString(), OperationWriter.Append(new(), again.Operations[i]).ToString());
        Assert.Equal(request.Operations.Select(o => o.Name), again.Operations.Select(o => o.Name));
    }

    [Fact]
    public void only_pure_setters_fold()
    {
        Assert.False(Coalescer.CanFold(Intent("{\"op\": \"set_parent\", \"uuid\": \"" + Cube + "\", \"parent\": null}").Operations));
        Assert.Throws<ArgumentException>(() => Coalescer.Fold(
            Intent("{\"op\": \"delete_object\", \"uuid\": \"" + Cube + "\", \"children\": \"delete\"}").Operations,
            Intent("{\"op\": \"delete_object\", \"uuid\": \"" + Cube + "\", \"children\": \"delete\"}").Operations));
    }
}
