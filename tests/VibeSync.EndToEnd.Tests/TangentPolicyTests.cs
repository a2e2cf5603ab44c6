using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// The project's tangent policy (config.json <c>content.tangents</c>) reaches real Blender through
/// WELCOME: off by default (Blender's glTF exporter's default), the meshes carry no TANGENT; on,
/// every mesh with a UV map carries one.
/// </summary>
public sealed class TangentPolicyTests : EndToEndTest
{
    [Fact]
    public async Task meshes_carry_tangents_exactly_when_the_project_turns_them_on()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        foreach (var on in new[] { false, true })
        {
            var dir = Path.Combine(Work, on ? "on" : "off");
            Directory.CreateDirectory(dir);
            if (on) await File.WriteAllTextAsync(Path.Combine(dir, "config.json"), """{"content": {"tangents": true}}""");
            await using var serve = await ServeProcess.StartInAsync(dir);
            await using var blender = Driven.Blender(blend, dir);
            await UntilAsync(serve, s => SyncOf(s, "blender").GetProperty("phase").GetString() == "live", "Blender live", 60_000);
            using var state = JsonDocument.Parse(await serve.GetStringAsync("/v1/state?engine=reality"));
            var meshes = state.RootElement.GetProperty("meshes").EnumerateArray().ToList();
            Assert.NotEmpty(meshes);
            foreach (var mesh in meshes)
            {
                var attributes = mesh.GetProperty("attributes");
                bool uv = attributes.TryGetProperty("TEXCOORD_0", out _);
                Assert.Equal(on && uv, attributes.TryGetProperty("TANGENT", out _));
            }
            Assert.Contains(meshes, m => m.GetProperty("attributes").TryGetProperty("TEXCOORD_0", out _)); // the case that matters is there
        }
    }
}
