using System.Diagnostics;
using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// The Blender sidebar's pending AI intents in real GUI Blender 3.4 under Xvfb (software OpenGL), driven
/// as processes: the add-on installed from its zip, connected to a real serve through its
/// <c>bpy.app.timers</c> pump, an AI intent submitted through the control API, the VibeSync tab drawn
/// and screenshotted with it, and its Review in console button opening the console's page through
/// Python's webbrowser (BROWSER set to a recorder). Blender's side: adapters/blender/tests_gui/panel_in_gui.py.
/// Screenshots stay in .build/test-artifacts/blender-panel/.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PanelGuiTests : EndToEndTest
{
    private const string Rationale = "Put a crate by the door so the level has cover near the spawn point";

    [Fact]
    public async Task the_blender_sidebar_lists_a_pending_ai_intent_and_its_button_opens_the_consoles_page_of_it()
    {
        Assert.True(File.Exists("/usr/bin/xvfb-run"), "Xvfb is not installed: apt-get install xvfb (run-tests installs it)");
        var blend = await Parts.SampleBlendAsync(Work);
        var (built, zips) = await Parts.RunAsync("python3", TimeSpan.FromSeconds(60), Path.Combine(Parts.Repo, "adapters", "blender", "package.py"), "--out", Path.Combine(Work, "zip"));
        Assert.True(built == 0, zips);
        var addonZip = zips.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries).Single(p => p.EndsWith("-addon.zip", StringComparison.Ordinal));
        var opened = Path.Combine(Work, "opened.txt");
        var browser = await WriteAsync("browser.sh", $"#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{opened}'\n");
        File.SetUnixFileMode(browser, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var artifacts = Path.Combine(Parts.Repo, ".build", "test-artifacts", "blender-panel");
        if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);

        await using var serve = await ServeProcess.StartAsync();
        var home = Directory.CreateDirectory(Path.Combine(Work, "home")).FullName;
        var info = new ProcessStartInfo("xvfb-run") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-a", "-s", "-screen 0 1280x800x24", "blender", "--factory-startup", "--enable-event-simulate", blend,
                     "--python", Path.Combine(Parts.Repo, "adapters", "blender", "tests_gui", "panel_in_gui.py"), "--", addonZip, serve.DataDirectory, artifacts })
            info.ArgumentList.Add(a);
        info.Environment["HOME"] = home; // a throwaway user configuration: the add-on comes from the zip only
        info.Environment["BLENDER_USER_CONFIG"] = Path.Combine(home, "config");
        info.Environment["BLENDER_USER_SCRIPTS"] = Path.Combine(home, "scripts");
        info.Environment["BROWSER"] = browser;
        info.Environment.Remove("PYTHONPATH");
        using var gui = Process.Start(info)!;
        var events = new List<JsonElement>();
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var stderr = gui.StandardError.ReadToEndAsync();
        try
        {
            async Task<JsonElement> UntilEventAsync(string name)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
                while (true)
                {
                    var line = await gui.StandardOutput.ReadLineAsync(timeout.Token)
                        ?? throw new Xunit.Sdk.XunitException($"GUI Blender exited before '{name}':\n{string.Join('\n', log.TakeLast(40))}\n{await stderr}");
                    log.Enqueue(line);
                    if (!line.StartsWith("VIBESYNC-GUI ", StringComparison.Ordinal)) continue;
                    var e = JsonDocument.Parse(line["VIBESYNC-GUI ".Length..]).RootElement.Clone();
                    events.Add(e);
                    var what = e.GetProperty("event").GetString();
                    if (what == "failed") throw new Xunit.Sdk.XunitException($"GUI Blender failed: {e}\n{string.Join('\n', log.TakeLast(40))}");
                    if (what == name) return e;
                }
            }

            await UntilEventAsync("attached");
            await UntilEventAsync("ready"); // the VibeSync tab is on screen, nothing pending yet
            var submitted = await serve.SubmitAsync("""{"operations": [{"op": "create_object", "uuid": "7a1d0000-0000-4000-8000-00000000c8a7", "name": "Crate", "kind": "empty", "parent": null, "translation": [2, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}], "rationale": """
                + JsonSerializer.Serialize(Rationale) + "}", "ai:claude");
            Assert.True(submitted.GetProperty("phase").GetString() == "PENDING", submitted.ToString());
            ulong id = submitted.GetProperty("intent").GetUInt64();

            var listed = await UntilEventAsync("listed");
            var row = listed.GetProperty("drawn").EnumerateArray().Single().EnumerateArray().ToArray();
            Assert.Equal((id, "ai:claude", "structural", Rationale), (row[0].GetUInt64(), row[1].GetString(), row[2].GetString(), row[3].GetString()));
            Assert.Equal(PendingIntents.ConsoleOn(serve.ApiPort), listed.GetProperty("console").GetString());
            Assert.True(listed.GetProperty("changed_pixels").GetInt32() > 1000, $"the sidebar looks the same with the intent listed: {listed}");
            var shot = listed.GetProperty("screenshot").GetString()!;
            Assert.True(File.Exists(shot) && new FileInfo(shot).Length > 10_000, $"no screenshot at {shot}");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(shot)[..4]);

            var reviewed = await UntilEventAsync("reviewed");
            Assert.Equal("[\"FINISHED\"]", reviewed.GetProperty("result").GetRawText().Replace(" ", ""));
            await gui.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(gui.ExitCode == 0, $"GUI Blender exited with {gui.ExitCode}: {await stderr}");
            Assert.Equal($"http://127.0.0.1:{serve.ApiPort}/console/intents/{id}", File.ReadAllText(opened).Trim());

            // Pointing to the console decides nothing: the intent still waits for a human.
            var status = await serve.StatusAsync();
            Assert.Contains(id, status.GetProperty("sync").GetProperty("pending").EnumerateArray().Select(p => p.GetUInt64()));
        }
        finally
        {
            if (!gui.HasExited) gui.Kill(entireProcessTree: true);
        }
    }
}
