using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.Tests.Support;
using VibeSync.Protocol.SceneJson;

namespace VibeSync.Protocol.Tests.Cli;

/// <summary>`vibesync hash` and `python3 -m vibesync_blender.protocol hash`, each in its own process.</summary>
public sealed class HashCliTests
{
    private const string Minimal = "{\"objects\": [{\"uuid\": \"00000000-0000-4000-8000-000000000001\", \"name\": \"A\", \"kind\": \"empty\", " +
        "\"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"visible\": true, \"materials\": [], \"mesh\": null}]}";

    [Fact]
    public void a_file_and_standard_input_hash_alike()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Minimal);
            var fromFile = Tool.Vibesync(null, "hash", "--space", "canonical", file);
            var fromStdin = Tool.Vibesync(Minimal, "hash", "--space", "canonical");
            Assert.Equal(0, fromFile.ExitCode);
            Assert.Equal(fromFile.Stdout, fromStdin.Stdout);
            Assert.StartsWith("{\"root\": \"", fromFile.Stdout);
            Assert.Equal("", fromFile.Stderr);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void the_portable_sha256_path_hashes_exactly_like_the_openssl_one()
    {
        var scene = SceneJsonWriter.Write(RandomScenes.Canonical(99, maxObjects: 40), Space.Unity);
        var native = Tool.Vibesync(scene, "hash", "--space", "unity");
        var portable = Tool.VibesyncWith(new Dictionary<string, string> { ["VIBESYNC_PORTABLE_SHA256"] = "1" }, scene, "hash", "--space", "unity");
        Assert.Equal(0, native.ExitCode);
        Assert.Equal(native.Stdout, portable.Stdout);
    }

    [Fact]
    public void bad_input_exits_2_with_one_line_naming_the_record_and_field()
    {
        var result = Tool.Vibesync(Minimal.Replace("\"translation\": [0, 0, 0]", "\"translation\": [0, 0]"), "hash", "--space", "canonical");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        var lines = result.Stderr.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: objects[0].translation: ", lines[0]);
    }

    [Fact]
    public void a_missing_file_is_one_clear_line()
    {
        var result = Tool.Vibesync(null, "hash", "--space", "unity", "/nonexistent/scene.json");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("/nonexistent/scene.json", result.Stderr);
    }

    [Fact]
    public void an_unknown_space_is_refused_by_the_parser()
    {
        var result = Tool.Vibesync(Minimal, "hash", "--space", "maya");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("maya", result.Stderr);
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)]
    public void one_random_scene_in_three_spaces_gives_one_answer_from_csharp_and_python(int seed)
    {
        var scene = RandomScenes.Canonical(seed * 7919, maxObjects: 40);
        double unitScale = seed % 2 == 0 ? 1.0 : 0.5;
        var outputs = new List<(string who, string stdout)>();
        foreach (var space in new[] { Space.Canonical, Space.Blender, Space.Unity })
        {
            var json = SceneJsonWriter.Write(scene, space, unitScale);
            var name = SpaceNames.Name(space);
            var cs = Tool.Vibesync(json, "hash", "--space", name);
            var py = Tool.Python(json, "hash", "--space", name);
            Assert.True(cs.ExitCode == 0, $"C# on {name}: {cs.Stderr}");
            Assert.True(py.ExitCode == 0, $"Python on {name}: {py.Stderr}");
            outputs.Add(($"C# {name}", cs.Stdout));
            outputs.Add(($"Python {name}", py.Stdout));
        }
        foreach (var (who, stdout) in outputs)
            Assert.True(stdout == outputs[0].stdout, $"{who} differs from {outputs[0].who}:\n{stdout}\n{outputs[0].stdout}");
    }
}
