using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Across the LAN (issue #22 item 2), every part a real process: <c>vibesync serve --listen</c> on a
/// loopback address standing in for a LAN one, real headless Blender and the Unity simulator that
/// find the TLS endpoint and certificate pin in their key files, connect over TLS 1.3 and sync.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TlsEndToEndTests : EndToEndTest
{
    private static string Transport(JsonElement status, string engine) =>
        ServeProcess.EngineIn(status, engine).GetProperty("session").GetProperty("transport").GetString()!;

    /// <summary>A directory standing for an artist's machine: only <c>keys/ENGINE.key</c>, copied from serve's (with <paramref name="edit"/> applied), 0600.</summary>
    private string AdapterMachine(ServeProcess serve, string engine, Func<string, string>? edit = null)
    {
        var keys = Path.Combine(Work, "machine-" + engine + "-" + Guid.NewGuid().ToString("N")[..6], "keys");
        Directory.CreateDirectory(keys);
        var path = Path.Combine(keys, engine + ".key");
        var text = File.ReadAllText(Path.Combine(serve.DataDirectory, "keys", engine + ".key"));
        File.WriteAllText(path, edit == null ? text : edit(text));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return Path.GetDirectoryName(keys)!;
    }

    [Fact]
    public async Task blender_and_the_simulator_sync_over_tls_through_their_key_files_and_all_three_roots_end_equal()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        int port = FreePorts.Next();
        await using var serve = await ServeProcess.StartAsync("--listen", $"127.0.0.1:{port}", "--cosmetic-window-ms", "100");
        var keyFile = File.ReadAllText(Path.Combine(serve.DataDirectory, "keys", "blender.key"));
        Assert.Contains($"\nendpoint 127.0.0.1:{port}\n", keyFile);
        Assert.Contains("\ntls-sha256 ", keyFile);

        // Each adapter gets a directory holding only its key file, as on another machine: no serve.json, no loopback port.
        await using var blender = Driven.Blender(blend, AdapterMachine(serve, "blender"));
        await using var sim = Driven.Sim(AdapterMachine(serve, "unity"), unityScene);
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
            try
            {
                unityNow = await WriteAsync("unity-now.json", await serve.GetStringAsync("/v1/state?engine=unity&space=unity"));
                blenderNow = await WriteAsync("blender-now.json", await serve.GetStringAsync("/v1/state?engine=blender"));
            }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
            {
                // ENGINE_UNAVAILABLE: an engine live a moment ago did not answer the read (CI once, under the
                // suite's load); as in AssertParityAsync, it is asked again once live, within the same 90 s.
                continue;
            }
            if (Parts.Component(unityNow, "Cube", "localPosition") == -3.0 && Parts.Component(blenderNow, "Handle", "location") == -0.5) break;
        }
        Assert.Equal(-3.0, Parts.Component(unityNow!, "Cube", "localPosition"), 5);  // Blender's edit is in Unity
        Assert.Equal(-0.5, Parts.Component(blenderNow!, "Handle", "location"), 5);   // Unity's is in Blender
        Assert.Equal(reality, await Parts.HashAsync("unity", unityNow!));
        Assert.Equal(reality, await Parts.HashAsync("blender", blenderNow!));
        Assert.Equal("tls", Transport(await serve.StatusAsync(), "blender")); // the same sessions, still over TLS
    }

    [Fact]
    public async Task adapters_whose_key_file_pins_another_certificate_say_TLS_PIN_MISMATCH_and_never_connect()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--listen", $"127.0.0.1:{FreePorts.Next()}");
        string pin = File.ReadAllLines(Path.Combine(serve.DataDirectory, "keys", "unity.key")).Single(l => l.StartsWith("tls-sha256 ", StringComparison.Ordinal))[11..];
        string other = new string(pin.Select(c => c == '0' ? '1' : '0').ToArray());
        Func<string, string> wrongPin = text => text.Replace(pin, other);
        var none = await WriteAsync("no-edits.json", "[]");
        using var blender = Parts.Blender(blend, AdapterMachine(serve, "blender", wrongPin), 8, none);
        using var sim = Parts.Sim(AdapterMachine(serve, "unity", wrongPin), unityScene, 6, none, Path.Combine(Work, "unity-after.json"));
        var blenderOutput = await Parts.OutputOf(blender, TimeSpan.FromSeconds(90));
        var simOutput = await Parts.OutputOf(sim, TimeSpan.FromSeconds(60));
        Assert.Contains("TLS_PIN_MISMATCH", simOutput);
        Assert.Contains("TLS_PIN_MISMATCH", blenderOutput);
        Assert.Contains(pin, simOutput); // names the certificate it was shown
        var status = await serve.StatusAsync();
        Assert.False(ServeProcess.EngineIn(status, "blender").GetProperty("connected").GetBoolean());
        Assert.False(ServeProcess.EngineIn(status, "unity").GetProperty("connected").GetBoolean());
        Assert.DoesNotContain(serve.Log, l => l.Contains("\"session_start\"")); // no HELLO ever reached serve: nothing left unpinned
    }
}
