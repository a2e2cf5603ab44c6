using System.Text.Json;

namespace VibeSync.Intents.Tests;

/// <summary>
/// testdata/operation_vectors.json, shared with the Blender adapter's reader: every valid operation
/// is read and written back to the same JSON, and every invalid one is refused at the same path.
/// </summary>
public sealed class OperationVectorTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root(), "testdata", "operation_vectors.json"))).RootElement;

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "testdata"))) return dir.FullName;
        throw new InvalidOperationException("testdata/ not found");
    }

    public static TheoryData<int> Valid() => new(Enumerable.Range(0, Vectors.GetProperty("valid").GetArrayLength()));

    public static TheoryData<string> Invalid() => new(Vectors.GetProperty("invalid").EnumerateArray().Select(c => c.GetProperty("name").GetString()!));

    [Theory]
    [MemberData(nameof(Valid))]
    public void a_valid_operation_is_read_and_written_back_unchanged(int i)
    {
        var op = Vectors.GetProperty("valid")[i];
        var request = OperationReader.Read($"{{\"operations\": [{op.GetRawText()}]}}");
        var written = OperationWriter.Write(request);
        var again = OperationReader.Read(written);
        Assert.Equal(written, OperationWriter.Write(again));
        Assert.Equal(op.GetProperty("op").GetString(), request.Operations[0].Name);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void an_invalid_operation_is_refused_at_the_shared_path(string name)
    {
        var c = Vectors.GetProperty("invalid").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var e = Assert.Throws<IntentRefusedException>(() => OperationReader.Read($"{{\"operations\": [{c.GetProperty("operation").GetRawText()}]}}"));
        Assert.Equal(c.GetProperty("path").GetString(), e.Path);
    }
}
