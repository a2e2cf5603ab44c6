using System.Diagnostics;
using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// One data directory has exactly one writer (issue #16 §4): two <c>serve</c> processes on one
/// directory, started at the same moment or after serve.json was removed, once both ran and
/// corrupted the WAL. An exclusive OS lock held for the process's life decides; the kernel
/// releases it when the holder dies, even by kill -9.
/// </summary>
public sealed class OneWriterTests : EndToEndTest
{
    [Fact]
    public async Task two_serves_started_at_the_same_moment_leave_exactly_one_running_and_the_other_names_its_pid()
    {
        for (int round = 0; round < 4; round++)
        {
            var dir = Path.Combine(Work, "race-" + round);
            using var a = Parts.Start("dotnet", Parts.Cli, "serve", "--data", dir);
            using var b = Parts.Start("dotnet", Parts.Cli, "serve", "--data", dir);
            try
            {
                var first = await Task.WhenAll(FirstLineAsync(a), FirstLineAsync(b));
                var running = new[] { a, b }.Where((p, i) => first[i]?.StartsWith("vibesync serve:", StringComparison.Ordinal) == true).ToList();
                Assert.True(running.Count == 1, $"round {round}: expected exactly one serve running, got {running.Count}: [{first[0]}] [{first[1]}]");
                var loser = running[0] == a ? b : a;
                Assert.True(loser.WaitForExit(30_000), "the second serve did not stop");
                string errors = await loser.StandardError.ReadToEndAsync();
                Assert.Equal(1, loser.ExitCode);
                Assert.Contains($"pid {running[0].Id}", errors);
                Assert.Contains("serve.lock", errors);

                // The one that runs owns an intact log: intents go FINAL, and the log verifies.
                var serveJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "serve.json"))).RootElement;
                Assert.Equal(running[0].Id, serveJson.GetProperty("pid").GetInt32());
            }
            finally
            {
                await StopAsync(a);
                await StopAsync(b);
            }
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "wal", "verify", dir);
            Assert.True(code == 0, output);
        }
    }

    [Fact]
    public async Task a_second_serve_after_serve_json_was_removed_is_refused_and_the_first_keeps_serving()
    {
        await using var serve = await ServeProcess.StartInAsync(Path.Combine(Work, "data"));
        File.Delete(Path.Combine(serve.DataDirectory, "serve.json"));
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "serve", "--data", serve.DataDirectory);
        Assert.Equal(1, code);
        Assert.Contains("already serving", output);
        Assert.Contains($"pid {(await serve.StatusAsync()).GetProperty("pid").GetInt32()}", output);
        Assert.False(serve.HasExited);
        using var reply = await serve.PostJsonAsync("/v1/intents?wait=settled", """
            {"operations": [{"op": "create_object", "uuid": "0b1e0000-0000-4000-8000-000000000001", "name": "Still", "kind": "empty", "parent": null,
              "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}]}
            """);
        Assert.Contains("\"FINAL\"", await reply.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task after_a_kill_9_the_lock_is_gone_with_the_process_and_the_next_serve_starts()
    {
        var dir = Path.Combine(Work, "data");
        var first = await ServeProcess.StartInAsync(dir);
        first.KeepData = true;
        first.Kill();
        await first.DisposeAsync();
        Assert.True(File.Exists(Path.Combine(dir, "serve.json"))); // a crash leaves it behind
        Assert.True(File.Exists(Path.Combine(dir, "serve.lock")));
        await using var second = await ServeProcess.StartInAsync(dir);
        Assert.False(second.HasExited);
        var status = await second.StatusAsync();
        Assert.NotEqual(0, status.GetProperty("pid").GetInt32());
    }

    private static async Task<string?> FirstLineAsync(Process p)
    {
        try { return await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)); }
        catch (TimeoutException) { return null; }
    }

    private static async Task StopAsync(Process p)
    {
        if (p.HasExited) return;
        using (var kill = Process.Start("kill", new[] { "-TERM", p.Id.ToString() })!) await kill.WaitForExitAsync();
        if (!p.WaitForExit(15_000)) p.Kill(entireProcessTree: true);
    }
}
