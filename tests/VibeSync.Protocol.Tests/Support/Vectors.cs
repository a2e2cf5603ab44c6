using System.Text.Json;

namespace VibeSync.Protocol.Tests.Support;

/// <summary>Loads a testdata/ vector file and exposes its named cases as xunit theory data.</summary>
internal static class Vectors
{
    public static JsonElement Load(string file) =>
        JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData(file))).RootElement;

    /// <summary>Case names of <paramref name="list"/> in <paramref name="file"/>, for [MemberData].</summary>
    public static TheoryData<string> Names(string file, string list = "cases")
    {
        var data = new TheoryData<string>();
        foreach (var c in Load(file).GetProperty(list).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static JsonElement Case(string file, string name, string list = "cases") =>
        Load(file).GetProperty(list).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static byte[] Hex(JsonElement e) => Convert.FromHexString(e.GetString()!);
}
