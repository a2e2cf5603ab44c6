using System.Text;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;

namespace VibeSync.Link.Tests;

/// <summary>
/// A SCENE too large for one frame, finished, against a real serve: serve holds the parts as bytes
/// until the last and reads them again then, so the whole scene it hashes must be every part's
/// records in the order sent (its root the adapter's), and a part that is malformed is still
/// refused the moment it arrives.
/// </summary>
public sealed class SceneInPartsTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public SceneInPartsTests(Xunit.Abstractions.ITestOutputHelper output) => _out = output;

    [Fact]
    public async Task a_scene_of_100000_objects_in_20_parts_is_read_whole_with_its_last_part_and_hashes_to_the_adapters_root()
    {
        const int parts = 20, perPart = 5_000; // an adapter's split: at most 5,000 objects a part
        var objects = Enumerable.Range(0, parts).Select(p => Objects(p, perPart)).ToArray();
        string root = Hex.Encode(SceneHasher.Hash(SceneJsonReader.ReadCanonicalRecords(JsonParser.Parse($"{{\"objects\": [{string.Join(", ", objects)}]}}"))).Root);
        await using var serve = await ServeProcess.StartAsync("--heartbeat-timeout", "60"); // a loaded machine must not end the session mid-transfer
        using var blender = await serve.ConnectAsync(Engines.Blender);
        long baseline = serve.ResidentBytes(), sent = 0;
        Frame reply = null!;
        for (int p = 0; p < parts; p++)
        {
            var payload = $"{{\"generation\": 1, \"root\": \"{root}\", \"part\": {p}, \"parts\": {parts}, \"scene\": {{\"objects\": [{objects[p]}]}}}}";
            sent += payload.Length;
            reply = await blender.RequestAsync(MessageType.Scene, payload);
            var text = Encoding.UTF8.GetString(reply.Payload.Span);
            Assert.True(reply.Type == MessageType.Ack, $"part {p}: {MessageType.Name(reply.Type)} {text}");
            if (p + 1 < parts) Assert.Contains($"\"part\": {p}", text);
        }
        long peak = serve.ResidentBytes();
        _out.WriteLine($"{parts} parts, {sent >> 20} MiB sent; serve grew from {baseline >> 20} to {peak >> 20} MiB");
        Assert.Contains($"\"scene_root\": \"{root}\"", Encoding.UTF8.GetString(reply.Payload.Span));
        string? logged = null;
        for (int i = 0; i < 100 && logged == null; i++, await Task.Delay(20)) // stderr is read as it comes
            logged = serve.Log.FirstOrDefault(l => l.Contains("\"event\":\"scene\"") && l.Contains(Engines.Blender));
        Assert.NotNull(logged);
        Assert.Contains($"{parts * perPart} objects", logged);
        Assert.Contains($"in {parts} parts", logged);
    }

    [Fact]
    public async Task a_malformed_part_is_refused_when_it_arrives_not_with_the_last()
    {
        await using var serve = await ServeProcess.StartAsync();
        using var blender = await serve.ConnectAsync(Engines.Blender);
        string Part(int p, string objects) => $"{{\"generation\": 1, \"root\": \"{new string('0', 64)}\", \"part\": {p}, \"parts\": 3, \"scene\": {{\"objects\": [{objects}]}}}}";
        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.Scene, Part(0, Objects(0, 2)))).Type);
        await blender.SendAsync(MessageType.Scene, Part(1, Objects(1, 2).Replace("\"kind\": \"empty\"", "\"kind\": \"teapot\"")));
        var logged = await serve.LoggedAsync("MALFORMED", Engines.Blender); // part 1 of 3: a violation at once, as a scene in one frame
        Assert.Contains("SCENE scene.objects[0].kind", logged.GetProperty("message").GetString());
    }

    /// <summary>Part <paramref name="part"/>'s objects: empties with long names; each part's first hangs under the previous part's last, so the parts close only together.</summary>
    private static string Objects(int part, int count)
    {
        var name = new string('n', 190);
        var sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(", ");
            string parent = part > 0 && i == 0 ? $"\"00000000-0000-4000-8000-{part - 1:x4}{count - 1:x8}\"" : "null";
            sb.Append($"{{\"uuid\": \"00000000-0000-4000-8000-{part:x4}{i:x8}\", \"name\": \"{name}\", \"kind\": \"empty\", \"parent\": {parent}, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"visible\": true, \"materials\": [], \"mesh\": null}}");
        }
        return sb.ToString();
    }
}
