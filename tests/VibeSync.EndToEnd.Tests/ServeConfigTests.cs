using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>serve's policies file: written with the defaults, read strictly, overridden by flags.</summary>
public sealed class ServeConfigTests
{
    [Fact]
    public async Task first_start_writes_the_defaults_and_the_file_sets_the_trust_mode()
    {
        var work = Path.Combine(Path.GetTempPath(), "vibesync-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        var scene = Parts.SampleUnityScene(work);
        const string hide = """{"operations": [{"op": "set_visibility", "uuid": "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f", "visible": false}], "rationale": "declutter"}""";
        try
        {
            foreach (var (config, expected) in new[] { ((string?)null, "FINAL"), ("""{"trust": "supervised", "windows_ms": {"cosmetic": 100}}""", "PENDING") })
            {
                var dir = Path.Combine(work, expected);
                Directory.CreateDirectory(dir);
                if (config != null) File.WriteAllText(Path.Combine(dir, "config.json"), config);
                await using var serve = await ServeProcess.StartInAsync(dir);
                serve.KeepData = true;
                if (config == null)
                {
                    // First start wrote the defaults where a user looks for them.
                    var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))).RootElement;
                    Assert.Equal("cosmetic", written.GetProperty("trust").GetString());
                    Assert.Equal(250, written.GetProperty("windows_ms").GetProperty("cosmetic").GetDouble());
                    Assert.False(written.GetProperty("sync").GetProperty("scene_time").GetBoolean()); // scene time sync is off unless asked for
                }
                else Assert.Equal(config, File.ReadAllText(Path.Combine(dir, "config.json"))); // a user's file is never rewritten
                File.WriteAllText(Path.Combine(work, "none.json"), "[]");
                using var sim = Parts.Sim(dir, scene, 20, Path.Combine(work, "none.json"), Path.Combine(work, "out.json"));
                var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(60));
                try
                {
                    for (int i = 0; i < 300 && (await serve.StatusAsync()).GetProperty("sync").GetProperty("engines")[1].GetProperty("phase").GetString() != "live"; i++) await Task.Delay(100);
                    // Cosmetic AI intents: admitted under the default trust mode, waiting under "supervised" from the file.
                    using var reply = await serve.PostJsonAsync("/v1/intents?actor=ai:claude&wait=settled", hide);
                    var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
                    Assert.Equal(expected, answer.GetProperty("phase").GetString());
                }
                finally
                {
                    sim.Kill(entireProcessTree: true);
                    await simOutput;
                }
            }
        }
        finally { try { Directory.Delete(work, recursive: true); } catch (IOException) { } }
    }

    [Fact]
    public async Task a_config_with_an_unknown_key_or_a_value_out_of_range_stops_serve_with_the_key_named()
    {
        foreach (var (text, expected) in new[]
        {
            ("""{"trust": "yolo"}""", "trust"),
            ("""{"windows_ms": {"cosmetic": -5}}""", "windows_ms.cosmetic"),
            ("""{"limitz": {}}""", "limitz"),
            ("""{"content": {"tangents": "yes"}}""", "content.tangents"),
            ("""{"sync": {"scene_time": 1}}""", "sync.scene_time"),
            ("""{"sync": {"scene": true}}""", "sync.scene"),
            ("""{"trust": """, "config.json"),
        })
        {
            var dir = Path.Combine(Path.GetTempPath(), "vibesync-badconfig-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "config.json"), text);
            try
            {
                var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "serve", "--data", dir);
                Assert.Equal(2, code);
                Assert.Contains(expected, output);
                Assert.False(File.Exists(Path.Combine(dir, "serve.json")));
                Assert.Equal(text, File.ReadAllText(Path.Combine(dir, "config.json"))); // never rewritten
            }
            finally { Directory.Delete(dir, recursive: true); }
        }
    }
}
