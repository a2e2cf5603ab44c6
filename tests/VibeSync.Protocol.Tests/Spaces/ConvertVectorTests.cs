using System.Text.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Spaces;

/// <summary>testdata/convert_vectors.json: native values in, native values out, compared exactly.</summary>
public sealed class ConvertVectorTests
{
    private const string File = "convert_vectors.json";
    public static TheoryData<string> Cases => Vectors.Names(File);
    public static TheoryData<string> StoredCases => Vectors.Names(File, "stored_as_cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void a_scene_converts_to_exactly_the_values_the_vector_names(string name)
    {
        var c = Vectors.Case(File, name);
        SpaceNames.TryParse(c.GetProperty("from").GetString(), out var from);
        SpaceNames.TryParse(c.GetProperty("to").GetString(), out var to);
        var expected = c.GetProperty("expected");
        double unitScale = expected.TryGetProperty("unit_scale", out var u) ? u.GetDouble() : 1.0;
        var canonical = SceneJsonReader.ReadCanonical(c.GetProperty("scene").GetRawText(), from);
        var actual = JsonDocument.Parse(SceneJsonWriter.Write(canonical, to, unitScale)).RootElement;
        JsonAssert.Same(expected, actual, name);
    }

    [Theory]
    [MemberData(nameof(StoredCases))]
    public void float32_storage_is_predicted_as_the_vector_says(string name)
    {
        var c = Vectors.Case(File, name, "stored_as_cases");
        SpaceNames.TryParse(c.GetProperty("stored_as").GetString(), out var engine);
        var canonical = SceneJsonReader.ReadCanonical(c.GetProperty("scene").GetRawText(), Space.Canonical);
        var stored = EngineStorage.StoredAs(canonical, engine, c.GetProperty("unit_scale").GetDouble());
        JsonAssert.Same(c.GetProperty("expected"), JsonDocument.Parse(SceneJsonWriter.Write(stored, Space.Canonical)).RootElement, name);
    }

    public static TheoryData<string> MeshBlobCases => Vectors.Names(File, "mesh_blob_cases");

    [Theory]
    [MemberData(nameof(MeshBlobCases))]
    public void mesh_blob_contents_convert_to_exactly_the_values_the_vector_names(string name)
    {
        var c = Vectors.Case(File, name, "mesh_blob_cases");
        SpaceNames.TryParse(c.GetProperty("from").GetString(), out var from);
        SpaceNames.TryParse(c.GetProperty("to").GetString(), out var to);
        var semantic = c.GetProperty("semantic").GetString()!;
        if (semantic == "indices")
        {
            var indices = c.GetProperty("values").EnumerateArray().Select(v => v.GetUInt32()).ToArray();
            MeshConversions.Indices(indices, from, to);
            Assert.Equal(c.GetProperty("expected").EnumerateArray().Select(v => v.GetUInt32()), indices);
            return;
        }
        var values = c.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        MeshConversions.Attribute(semantic, values, from, to, c.GetProperty("unit_scale").GetDouble());
        var expected = c.GetProperty("expected").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), values.Select(BitConverter.SingleToInt32Bits)); // bit for bit
    }
}
