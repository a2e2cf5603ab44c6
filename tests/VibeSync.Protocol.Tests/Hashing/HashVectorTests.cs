using System.Text.Json;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Hashing;

/// <summary>testdata/hash_vectors.json and hash_error_vectors.json: the Python suite runs the same files.</summary>
public sealed class HashVectorTests
{
    private const string File = "hash_vectors.json";
    private const string ErrorFile = "hash_error_vectors.json";

    public static TheoryData<string> Cases => Vectors.Names(File);
    public static TheoryData<string> ErrorCases => Vectors.Names(ErrorFile);
    public static TheoryData<string> InlineCases => Vectors.Names(File, "inline_cases");

    [Theory]
    [MemberData(nameof(InlineCases))]
    public void an_inline_mesh_reads_as_the_record_form_with_exactly_these_blobs(string name)
    {
        var c = Vectors.Case(File, name, "inline_cases");
        SpaceNames.TryParse(c.GetProperty("space").GetString(), out var space);
        var sink = new VibeSync.Protocol.Blobs.BlobMemory();
        var scene = SceneJsonReader.ReadCanonical(c.GetProperty("scene").GetRawText(), space, sink);
        JsonAssert.Same(c.GetProperty("record_form"), JsonDocument.Parse(SceneJsonWriter.Write(scene, Space.Canonical)).RootElement, name);
        var blobs = c.GetProperty("blobs").EnumerateObject().ToList();
        Assert.Equal(blobs.Select(b => b.Name).Order(StringComparer.Ordinal), sink.Ids.Order(StringComparer.Ordinal));
        foreach (var b in blobs)
        {
            Assert.True(sink.TryGet(b.Name, out var shape, out var payload));
            Assert.Equal(((int)shape.Element, shape.Components, shape.Count),
                (b.Value.GetProperty("element").GetInt32(), b.Value.GetProperty("components").GetInt32(), b.Value.GetProperty("count").GetInt64()));
            Assert.Equal(b.Value.GetProperty("payload").GetString(), Convert.ToHexString(payload.Span).ToLowerInvariant());
        }
    }

    [Fact]
    public void there_are_enough_vectors()
    {
        Assert.True(Vectors.Load(File).GetProperty("cases").GetArrayLength() >= 30);
        Assert.True(Vectors.Load(ErrorFile).GetProperty("cases").GetArrayLength() >= 20);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void the_scene_hashes_as_the_vector_says(string name)
    {
        var c = Vectors.Case(File, name);
        SpaceNames.TryParse(c.GetProperty("space").GetString(), out var space);
        var scene = SceneJsonReader.ReadCanonical(c.GetProperty("scene").GetRawText(), space);
        var hashes = SceneHasher.Hash(scene);
        var expected = c.GetProperty("expected");

        Assert.Equal(expected.GetProperty("root").GetString(), Hex.Encode(hashes.Root));
        foreach (var (kind, map) in new[] { ("objects", hashes.Objects), ("materials", hashes.Materials), ("meshes", hashes.Meshes), ("images", hashes.Images),
                     ("skins", hashes.Skins), ("animations", hashes.Animations) })
        {
            var want = expected.GetProperty(kind).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            Assert.Equal(want, map.ToDictionary(p => p.Key, p => (string?)Hex.Encode(p.Value)));
        }
        // The CLI prints exactly the vector's expected JSON, key order and separators included.
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(JsonDocument.Parse(hashes.ToJson()).RootElement));

        if (c.TryGetProperty("encodings", out var encodings))
        {
            foreach (var e in encodings.EnumerateObject())
            {
                var o = scene.Objects.FirstOrDefault(x => x.Uuid == e.Name);
                var m = scene.Materials.FirstOrDefault(x => x.Uuid == e.Name);
                var mesh = scene.Meshes.FirstOrDefault(x => x.Uuid == e.Name);
                var image = scene.Images.FirstOrDefault(x => x.Uuid == e.Name);
                var skin = scene.Skins.FirstOrDefault(x => x.Uuid == e.Name);
                var animation = scene.Animations.FirstOrDefault(x => x.Uuid == e.Name);
                var bytes = o != null ? RecordEncoder.Encode(o).ToArray() : m != null ? RecordEncoder.Encode(m).ToArray()
                    : mesh != null ? RecordEncoder.Encode(mesh).ToArray() : image != null ? RecordEncoder.Encode(image).ToArray()
                    : skin != null ? RecordEncoder.Encode(skin).ToArray() : RecordEncoder.Encode(animation!).ToArray();
                Assert.Equal(e.Value.GetString(), Hex.Encode(bytes));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void cases_marked_alike_have_one_root(string name)
    {
        var c = Vectors.Case(File, name);
        if (!c.TryGetProperty("same_root_as", out var other)) return;
        Assert.Equal(Vectors.Case(File, other.GetString()!).GetProperty("expected").GetProperty("root").GetString(),
            c.GetProperty("expected").GetProperty("root").GetString());
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void bad_input_is_refused_at_the_path_the_vector_names(string name)
    {
        var c = Vectors.Case(ErrorFile, name);
        SpaceNames.TryParse(c.GetProperty("space").GetString(), out var space);
        var e = Assert.Throws<SceneFormatException>(() => SceneJsonReader.ReadCanonical(c.GetProperty("input").GetString()!, space));
        Assert.Equal(c.GetProperty("error_path").GetString(), e.Path);
    }
}
