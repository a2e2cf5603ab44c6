using FsCheck;
using FsCheck.Xunit;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.SceneJson;

public sealed class SceneJsonWriterTests
{
    [Property(MaxTest = 200)]
    public bool what_is_written_in_unity_or_canonical_space_reads_back_to_the_same_hash(int seed)
    {
        var scene = RandomScenes.Canonical(seed);
        var root = SceneHasher.Hash(scene).Root;
        return new[] { Space.Canonical, Space.Unity }.All(space =>
            SceneHasher.Hash(SceneJsonReader.ReadCanonical(SceneJsonWriter.Write(scene, space), space)).Root.SequenceEqual(root));
    }

    [Fact]
    public void names_with_quotes_controls_and_emoji_survive_the_round_trip()
    {
        var scene = RandomScenes.Canonical(3);
        var o = scene.Objects[0] with { Name = "a \"b\" \\ c\n\t\u0001 🎲" };
        var back = SceneJsonReader.ReadCanonical(SceneJsonWriter.Write(scene with { Objects = scene.Objects.Skip(1).Prepend(o).ToArray() }, Space.Canonical), Space.Canonical);
        Assert.Equal(o.Name, back.Objects[0].Name);
    }
}
