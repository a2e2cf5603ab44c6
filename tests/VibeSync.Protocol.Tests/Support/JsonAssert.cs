using System.Text.Json;

namespace VibeSync.Protocol.Tests.Support;

/// <summary>JSON compared as the vectors mean it.</summary>
internal static class JsonAssert
{
    /// <summary>Deep equality; numbers compared as doubles, exactly (−0.0 equals 0.0).</summary>
    public static void Same(JsonElement expected, JsonElement actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(JsonValueKind.Object, actual.ValueKind);
                var keys = expected.EnumerateObject().Select(p => p.Name).OrderBy(k => k, StringComparer.Ordinal).ToList();
                Assert.Equal(keys, actual.EnumerateObject().Select(p => p.Name).OrderBy(k => k, StringComparer.Ordinal).ToList());
                foreach (var k in keys) Same(expected.GetProperty(k), actual.GetProperty(k), $"{path}.{k}");
                break;
            case JsonValueKind.Array:
                Assert.Equal(JsonValueKind.Array, actual.ValueKind);
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: length {actual.GetArrayLength()}, expected {expected.GetArrayLength()}");
                int i = 0;
                foreach (var (e, a) in expected.EnumerateArray().Zip(actual.EnumerateArray())) Same(e, a, $"{path}[{i++}]");
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
