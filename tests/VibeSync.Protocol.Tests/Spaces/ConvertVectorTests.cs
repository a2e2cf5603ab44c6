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
        AssertSameJson(expected, actual, name);
    }

    [Theory]
    [MemberData(nameof(StoredCases))]
    public void float32_storage_is_predicted_as_the_vector_says(string name)
    {
        var c = Vectors.Case(File, name, "stored_as_cases");
        SpaceNames.TryParse(c.GetProperty("stored_as").GetString(), out var engine);
        var canonical = SceneJsonReader.ReadCanonical(c.GetProperty("scene").GetRawText(), Space.Canonical);
        var stored = EngineStorage.StoredAs(canonical, engine, c.GetProperty("unit_scale").GetDouble());
        AssertSameJson(c.GetProperty("expected"), JsonDocument.Parse(SceneJsonWriter.Write(stored, Space.Canonical)).RootElement, name);
    }

    /// <summary>Deep equality; numbers compared as doubles, exactly (−0.0 equals 0.0).</summary>
    private static void AssertSameJson(JsonElement expected, JsonElement actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(JsonValueKind.Object, actual.ValueKind);
                var keys = expected.EnumerateObject().Select(p => p.Name).OrderBy(k => k, StringComparer.Ordinal).ToList();
                Assert.Equal(keys, actual.EnumerateObject().Select(p => p.Name).OrderBy(k => k, StringComparer.Ordinal).ToList());
                foreach (var k in keys) AssertSameJson(expected.GetProperty(k), actual.GetProperty(k), $"{path}.{k}");
                break;
            case JsonValueKind.Array:
                Assert.Equal(JsonValueKind.Array, actual.ValueKind);
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: length {actual.GetArrayLength()}, expected {expected.GetArrayLength()}");
                int i = 0;
                foreach (var (e, a) in expected.EnumerateArray().Zip(actual.EnumerateArray())) AssertSameJson(e, a, $"{path}[{i++}]");
                break;
            case JsonValueKind.Number:
                Assert.True(actual.ValueKind == JsonValueKind.Number && expected.GetDouble() == actual.GetDouble(),
                    $"{path}: {actual}, expected {expected}");
                break;
            default:
                Assert.True(expected.ValueKind == actual.ValueKind && expected.ToString() == actual.ToString(), $"{path}: {actual}, expected {expected}");
                break;
        }
    }
}
