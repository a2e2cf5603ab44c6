using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Across the LAN (issue #22 item 2), every part a real process: <c>vibesync serve --listen</c> on a
/// loopback address standing in for a LAN one, real headless Blender and the Unity simulator that
/// find the TLS endpoint and certificate pin in their key files, connect over TLS 1.3 and sync.
/// </summary>
public sealed class TlsEndToEndTests : EndToEndTest
{
    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static string Transport(JsonElement status, string engine) =>
        ServeProcess.EngineIn(status, engine).GetProperty("session").GetProperty("transport").GetString()!;

    private static double Component(string stateFile, string name, string field)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(stateFile));
        var o = doc.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == name);
        return Math.Round(o.GetProperty(field)[0].GetDouble(), 5);
    }

    [Fact]
    public async Task blender_and_the_simulator_sync_over_tls_through_their_key_files_and_all_three_roots_end_equal()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        int port = FreePort();
        await using var serve = await ServeProcess.StartAsync("--listen", $"127.0.0.1:{port}", "--cosmetic-window-ms", "100");
        var keyFile = File.ReadAllText(Path.Combine(serve.DataDirectory, "keys", "blender.key"));
        Assert.Contains($"\nendpoint 127.0.0.1:{port}\n", keyFile);
        Assert.Contains("\ntls-sha256 ", keyFile);

        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await using var sim = Driven.Sim(serve.DataDirectory, unityScene);
        var status = await AtParityAsync(serve, "Blender and the simulator live over TLS");
        Assert.Equal("tls", Transport(status, "blender"));
        Assert.Equal("tls", Transport(status, "unity"));
        Assert.Equal($"127.0.0.1:{port}", status.GetProperty("link").GetProperty("listen").GetString());

        // A human's edit in Blender (+X is Unity's −X) lands in Unity, one in Unity lands in Blender.
        await blender.StepAsync("""{"object": "Cube", "location": [3.0, 2.0, 0.5]}""");
        await sim.StepAsync("""{"object": "Handle", "localPosition": [0.5, 0.75, 0.25]}""");
        string? reality = null, unityNow = null, blenderNow = null;
        for (var sw = System.Diagnostics.Stopwatch.StartNew(); sw.Elapsed < TimeSpan.FromSeconds(90); await Task.Delay(250))
        {
            status = await AtParityAsync(serve, "both live at Reality's root after the edits");
            reality = status.GetProperty("sync").GetProperty("reality_root").GetString()!;
            unityNow = await WriteAsync("unity-now.json", await serve.GetStringAsync("/v1/state?engine=unity&space=unity"));
            blenderNow = await WriteAsync("blender-now.json", await serve.GetStringAsync("/v1/state?engine=blender"));
            if (Component(unityNow, "Cube", "localPosition") == -3.0 && Component(blenderNow, "Handle", "location") == -0.5) break;
        }
        Assert.Equal(-3.0, Component(unityNow!, "Cube", "localPosition"), 5);  // Blender's edit is in Unity
        Assert.Equal(-0.5, Component(blenderNow!, "Handle", "location"), 5);   // Unity's is in Blender
        Assert.Equal(reality, await Parts.HashAsync("unity", unityNow!));
        Assert.Equal(reality, await Parts.HashAsync("blender", blenderNow!));
        Assert.Equal("tls", Transport(await serve.StatusAsync(), "blender")); // the same sessions, still over TLS
    }
}
