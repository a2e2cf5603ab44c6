using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Tests;

public sealed class RealityRootTests
{
    [Fact]
    public void the_remembered_root_is_the_root_of_realitys_scene()
    {
        var reality = Scenes.Initial();
        Assert.Equal(SceneHasher.RootHex(reality.ToScene()), RealityRoot.Of(reality));
        Assert.Same(RealityRoot.Of(reality), RealityRoot.Of(reality));
    }

    [Fact]
    public void a_changed_reality_gets_its_own_root_not_the_remembered_one()
    {
        var before = Scenes.Initial();
        string first = RealityRoot.Of(before);
        var cube = before.Objects[Scenes.Cube];
        var after = before with { Objects = before.Objects.SetItem(Scenes.Cube, cube with { Translation = new Vector3d(2, 0, 0) }) };

        Assert.NotEqual(first, RealityRoot.Of(after));
        Assert.Equal(SceneHasher.RootHex(after.ToScene()), RealityRoot.Of(after));
        Assert.Equal(first, RealityRoot.Of(before));
    }
}
