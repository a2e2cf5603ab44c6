using System.Text;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Link.Tests;

/// <summary>
/// A record an adapter reports only in part (its SCENE's not_synced naming a record that is in its scene: an
/// area light's object, whose parameters glTF cannot hold) is still a record it holds: the first
/// pairing adopts it and the engine goes live (was: left out of the target, so the adopted object
/// counted as one "only Blender has" and Blender stayed blocked).
/// </summary>
public sealed class PartlySyncedTests : IAsyncLifetime
{
    private const string Area = "00000000-0000-4000-8000-0000000000a7";
    private ServeProcess _serve = null!;

    public async Task InitializeAsync() => _serve = await ServeProcess.StartAsync();

    public async Task DisposeAsync() => await _serve.DisposeAsync();

    [Fact]
    public async Task an_object_reported_as_synced_only_in_part_is_adopted_and_the_engine_goes_live()
    {
        // Unity first, with an empty scene (as in the reference test): Blender's objects are then adopted into a Reality that exists.
        using var unity = await _serve.ConnectAsync(Engines.Unity);
        Assert.Equal("live", ServeProcess.PhaseOf(await AttachAsync(unity, Engines.Unity, "{}"), Engines.Unity));
        using var blender = await _serve.ConnectAsync(Engines.Blender);
        var notSynced = $"[{{\"name\": \"AreaLight\", \"type\": \"LIGHT\", \"code\": \"UNSUPPORTED_TYPE\", \"reason\": \"light 'AreaLight' is an area light: glTF has no such light; the object syncs, its parameters do not\", \"uuid\": \"{Area}\"}}]";
        string scene = $"{{\"objects\": [{{\"uuid\": \"{Area}\", \"name\": \"AreaLight\", \"kind\": \"light\", \"parent\": null, " +
            "\"translation\": [3, 3, 3], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"visible\": true, \"materials\": [], \"mesh\": null}]}";
        var status = await AttachAsync(blender, Engines.Blender, scene, notSynced);
        Assert.True(ServeProcess.PhaseOf(status, Engines.Blender) == "live", status.ToString());
        Assert.Equal(1, status.GetProperty("sync").GetProperty("objects").GetInt32());
    }

    /// <summary>Sends the engine's SCENE and waits (up to 5 s) for it to go live; returns the status then.</summary>
    private async Task<System.Text.Json.JsonElement> AttachAsync(LinkClient client, string engine, string scene, string notSynced = "[]")
    {
        var records = VibeSync.Protocol.SceneJson.SceneJsonReader.ReadCanonicalRecords(VibeSync.Protocol.Json.JsonParser.Parse(scene));
        var root = VibeSync.Protocol.Hashing.Hex.Encode(VibeSync.Protocol.Hashing.SceneHasher.Hash(records).Root);
        var answer = await client.RequestAsync(MessageType.Scene, $"{{\"generation\": 1, \"root\": \"{root}\", \"scene\": {scene}, \"not_synced\": {notSynced}}}");
        Assert.True(answer.Type == MessageType.Ack, Encoding.UTF8.GetString(answer.Payload.Span));
        for (int i = 0; i < 200 && ServeProcess.PhaseOf(await _serve.StatusAsync(), engine) != "live"; i++) await Task.Delay(25);
        return await _serve.StatusAsync();
    }
}
