using VibeSync.Intents.Engines;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Tests;

/// <summary>
/// The in-memory engine stores set_transform and set_visibility intents in one write per object
/// (issue #20): what it holds must be exactly what applying, then rounding the changed records to
/// float32 gives, and an undo must put back exactly what it held before.
/// </summary>
public sealed class InMemoryEngineTests
{
    public static TheoryData<string> Intents => new()
    {
        $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Scenes.Cube}\", \"translation\": [0.1, 0.3333333333333333, -2.7182818284590451]}}]}}",
        $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Scenes.Child}\", \"rotation\": [0.1, 0.2, 0.3, 0.9273618495495703], \"scale\": [1.1, 2.2, 3.3]}}]}}",
        $"{{\"operations\": [{{\"op\": \"set_visibility\", \"uuid\": \"{Scenes.Root}\", \"visible\": false}}]}}",
        $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Scenes.Cube}\", \"translation\": [0.1, 0, 0]}}, "
            + $"{{\"op\": \"set_transform\", \"uuid\": \"{Scenes.Cube}\", \"rotation\": [0, 0.6, 0, 0.8], \"scale\": [0.7, 0.7, 0.7]}}, "
            + $"{{\"op\": \"set_visibility\", \"uuid\": \"{Scenes.Cube}\", \"visible\": false}}, "
            + $"{{\"op\": \"set_transform\", \"uuid\": \"{Scenes.Grandchild}\", \"translation\": [1e-9, 123456.789, 0.30000000000000004]}}]}}",
    };

    [Theory]
    [MemberData(nameof(Intents))]
    public async Task Holds_what_applying_then_storing_as_float32_gives_and_undoes_exactly(string json)
    {
        var engine = new InMemoryEngine("blender", Scenes.Initial());
        var before = engine.State;
        var request = OperationReader.Read(json);
        var uuids = request.Operations.Select(op => op.Uuid).Distinct().ToArray();
        var expected = EngineStorage.RoundToFloat32(IntentValidator.Apply(before, request, Scenes.Human).Records(uuids));

        var token = await engine.ApplyProvisionalAsync(1, request.Operations);

        foreach (var o in expected.Objects)
        {
            var held = engine.State.Objects[o.Uuid];
            Assert.Equal(o, held with { Materials = o.Materials }); // every field, the reals bit for bit
            Assert.Equal(o.Materials, held.Materials);
            Assert.Equal(Hex.Encode(RecordHash.Of(o)), engine.State.RecordHashOf(o.Uuid));
        }
        foreach (var u in before.Objects.Keys.Except(uuids))
            Assert.Same(before.Objects[u], engine.State.Objects[u]);

        await engine.RollbackAsync(1, token);
        foreach (var u in before.Objects.Keys)
            Assert.Same(before.Objects[u], engine.State.Objects[u]);
    }
}
