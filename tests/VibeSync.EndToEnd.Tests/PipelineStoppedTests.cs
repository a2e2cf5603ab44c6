using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// The pipeline stops only when the WAL cannot be written (fail-stop), and then the CLI says so
/// and why (issue #16: it printed a bare <c>error:</c>). The failure is real: the WAL directory is
/// a small tmpfs that fills up, so the next segment cannot be preallocated. Mounting needs root,
/// which run-tests has.
/// </summary>
public sealed class PipelineStoppedTests : EndToEndTest
{
    [Fact]
    public async Task once_the_write_ahead_log_cannot_be_written_the_cli_prints_why_the_pipeline_stopped()
    {
        var dir = Path.Combine(Work, "data");
        var wal = Path.Combine(dir, "wal");
        Directory.CreateDirectory(wal);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=66m", "tmpfs", wal); // room for the first 64 MiB segment, not a second
        try
        {
            await using var serve = await ServeProcess.StartInAsync(dir);
            var name = new string('x', 2_500_000);
            string? stopped = null;
            for (int i = 1; i <= 40 && stopped == null; i++)
            {
                using var reply = await serve.PostJsonAsync("/v1/intents?wait=settled", $$"""
                    {"operations": [{"op": "create_object", "uuid": "0b1e0000-0000-4000-8000-{{i:D12}}", "name": "{{name}}", "kind": "empty", "parent": null,
                      "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}]}
                    """);
                if (!reply.IsSuccessStatusCode) stopped = await reply.Content.ReadAsStringAsync();
            }
            Assert.NotNull(stopped);
            var answer = JsonDocument.Parse(stopped!).RootElement;
            Assert.Equal("PIPELINE_STOPPED", answer.GetProperty("code").GetString());

            var file = await WriteAsync("small.json", """{"operations": [{"op": "set_visibility", "uuid": "0b1e0000-0000-4000-8000-000000000001", "visible": false}]}""");
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(1), Parts.Cli, "submit", "--data", dir, file);
            Assert.Equal(1, code);
            Assert.Contains("error: PIPELINE_STOPPED: the pipeline stopped", output);
            Assert.Contains("preallocate", output); // the cause: the next segment did not fit
            Assert.Contains("restart serve", output);
        }
        finally { await RunAsync("umount", wal); }
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var (code, output) = await Parts.RunAsync(file, TimeSpan.FromSeconds(30), args);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} failed (this test mounts a tmpfs: run it as root): {output}");
    }
}
