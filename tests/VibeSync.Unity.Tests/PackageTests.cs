using System.Diagnostics;
using System.Text.Json;

namespace VibeSync.Unity.Tests;

/// <summary>
/// What Unity's Package Manager needs of the two packages, checked here where Unity cannot run:
/// manifests, assembly definitions, and a committed .meta for every file and folder (a git-URL
/// package is read-only to Unity: a file without one is ignored and the package does not compile).
/// </summary>
public sealed class PackageTests
{
    private static string Repo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "adapters", "unity"))) return dir.FullName;
        throw new InvalidOperationException("repository not found");
    }

    [Fact]
    public void every_asset_of_both_packages_has_its_meta_file()
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(Repo(), "adapters", "unity", "metas.py"));
        info.ArgumentList.Add("--check");
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, output);
    }

    [Fact]
    public void the_manifests_name_unity_2022_3_and_the_unity_package_depends_on_the_protocol_package()
    {
        var unity = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo(), "adapters", "unity", "com.vibesync.unity", "package.json"))).RootElement;
        var protocol = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo(), "src", "VibeSync.Protocol", "package.json"))).RootElement;
        Assert.Equal("com.vibesync.unity", unity.GetProperty("name").GetString());
        Assert.Equal("2022.3", unity.GetProperty("unity").GetString());
        Assert.Equal(protocol.GetProperty("version").GetString(), unity.GetProperty("dependencies").GetProperty(protocol.GetProperty("name").GetString()!).GetString());
    }

    [Fact]
    public void the_engine_free_core_references_no_engine_and_the_glue_is_editor_only()
    {
        var root = Path.Combine(Repo(), "adapters", "unity", "com.vibesync.unity");
        var core = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "Runtime", "Core", "VibeSync.Unity.Core.asmdef"))).RootElement;
        var editor = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "Editor", "VibeSync.Unity.Editor.asmdef"))).RootElement;
        Assert.True(core.GetProperty("noEngineReferences").GetBoolean());
        Assert.Equal(new[] { "Editor" }, editor.GetProperty("includePlatforms").EnumerateArray().Select(e => e.GetString()));
        // No source file of the core may mention the engine: it must compile without it.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "Runtime", "Core"), "*.cs", SearchOption.AllDirectories))
            Assert.DoesNotContain("using UnityEngine", File.ReadAllText(file));
    }

    [Fact]
    public void the_package_tests_are_editor_only_and_run_only_where_the_test_framework_is()
    {
        var tests = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo(), "adapters", "unity", "com.vibesync.unity", "Tests", "Editor", "VibeSync.Unity.Editor.Tests.asmdef"))).RootElement;
        Assert.Equal(new[] { "Editor" }, tests.GetProperty("includePlatforms").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("UNITY_INCLUDE_TESTS", tests.GetProperty("defineConstraints").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("VibeSync.Unity.Editor", tests.GetProperty("references").EnumerateArray().Select(e => e.GetString()));
        Assert.False(tests.GetProperty("autoReferenced").GetBoolean());
    }

    [Fact]
    public void the_unity_facing_code_never_tests_for_null_in_a_way_unity_objects_defeat()
    {
        // A destroyed UnityEngine.Object is equal to null only through Unity's ==, != and bool
        // conversion; ??, ?., "is null", "is { }" and ReferenceEquals see the managed wrapper,
        // which outlives it. The glue, its component and its tests avoid those forms altogether.
        var root = Path.Combine(Repo(), "adapters", "unity", "com.vibesync.unity");
        var banned = new System.Text.RegularExpressions.Regex(@"\?\?|\?\.|\bis\s+(not\s+)?null\b|\bis\s*\{|ReferenceEquals");
        var found = new List<string>();
        foreach (var folder in new[] { "Editor", Path.Combine("Runtime", "Components"), Path.Combine("Tests", "Editor") })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                {
                    var code = System.Text.RegularExpressions.Regex.Replace(lines[i], @"""(\\.|[^""\\])*""", "\"\""); // string literals
                    int comment = code.IndexOf("//", StringComparison.Ordinal);
                    if (comment >= 0) code = code[..comment];
                    if (banned.IsMatch(code)) found.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        Assert.True(found.Count == 0, "null tests that a destroyed Unity object passes:\n" + string.Join("\n", found));
    }
}
