using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;

namespace VibeSync.Protocol.Tests.Link;

/// <summary>
/// What the link offers an engine: every request naming a blob is parsed (MayName), so a skin's or an
/// animation's blobs are served like a mesh's; a request naming none is not parsed at all.
/// </summary>
public sealed class BlobReferencesTests
{
    private static readonly string A = new('a', 64), B = new('b', 64);

    [Theory]
    [InlineData("""{"intent": 1, "operations": [{"op": "create_skin", "uuid": "s", "name": "Rig", "joints": ["j"], "inverse_bind_matrices": "A"}]}""")]
    [InlineData("""{"intent": 1, "operations": [{"op": "create_animation", "uuid": "w", "name": "Walk", "frame_rate": 24, "channels": [{"target": "o", "path": "rotation", "interpolation": "LINEAR", "times": "A", "values": "B"}]}]}""")]
    [InlineData("""{"intent": 1, "operations": [{"op": "replace_mesh", "uuid": "m", "vertex_count": 1, "attributes": {"POSITION": "A"}, "primitives": [], "targets": [{"name": "Smile", "POSITION": "B"}]}]}""")]
    [InlineData("""{"intent": 1, "operations": [{"op": "create_image", "uuid": "i", "name": "a.png", "blob": "A"}]}""")]
    public void every_request_naming_a_blob_is_parsed_for_it(string template)
    {
        string json = template.Replace("\"A\"", $"\"{A}\"").Replace("\"B\"", $"\"{B}\"");
        Assert.True(BlobReferences.MayName(json));
        Assert.Contains(A, BlobReferences.In(JsonParser.Parse(json)));
    }

    [Fact]
    public void a_transform_edit_is_not_parsed()
    {
        Assert.False(BlobReferences.MayName("""{"intent": 2, "operations": [{"op": "set_transform", "uuid": "o", "translation": [0, 1, 0]}]}"""));
    }
}
