using System.Diagnostics;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Link.Tests;

/// <summary>
/// The CLI at a terminal whose <c>keys/control.token</c> no longer matches the running serve (the
/// file replaced or deleted while serve ran): each command says which file and what to do, in
/// words, prints no login link, and changes nothing.
/// </summary>
public sealed class ControlTokenCliTests
{
    private sealed record Run(int Code, string Stdout, string Stderr);

    private static async Task<Run> VibesyncAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vibesync.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return new Run(p.ExitCode, await stdout, await stderr);
    }

    private static async Task<string> WalSequenceAsync(ServeProcess serve) =>
        (await serve.StatusAsync()).GetProperty("sync").GetProperty("wal_sequence").ToString();

    [Fact]
    public async Task a_token_file_replaced_while_serve_runs_is_named_with_what_to_do_and_nothing_changes()
    {
        await using var serve = await ServeProcess.StartAsync();
        string before = await WalSequenceAsync(serve);
        string tokenPath = Path.Combine(serve.DataDirectory, "keys", "control.token");
        File.WriteAllText(tokenPath, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");

        foreach (var args in new[] { new[] { "status" }, new[] { "approve", "1" }, new[] { "pause" }, new[] { "console", "--no-open" } })
        {
            var run = await VibesyncAsync(args.Concat(new[] { "--data", serve.DataDirectory }).ToArray());
            Assert.True(run.Code == 1, $"{args[0]}: exit {run.Code}\n{run.Stderr}");
            Assert.Contains($"the orchestrator refused the token in {tokenPath}", run.Stderr);
            Assert.Contains("start it again", run.Stderr);
            Assert.DoesNotContain("Bearer", run.Stderr); // the API's words for programs, not for a person
            Assert.DoesNotContain("{", run.Stderr);       // no raw JSON
            Assert.Equal("", run.Stdout);                 // console: no link that could only fail in the browser
        }
        Assert.Equal(before, await WalSequenceAsync(serve)); // the pause above was not journaled
    }

    [Fact]
    public async Task a_token_file_deleted_while_serve_runs_is_named_and_no_link_is_printed()
    {
        await using var serve = await ServeProcess.StartAsync();
        string tokenPath = Path.Combine(serve.DataDirectory, "keys", "control.token");
        File.Delete(tokenPath);

        foreach (var args in new[] { new[] { "status" }, new[] { "console", "--no-open" } })
        {
            var run = await VibesyncAsync(args.Concat(new[] { "--data", serve.DataDirectory }).ToArray());
            Assert.NotEqual(0, run.Code);
            Assert.Contains($"{tokenPath} is missing", run.Stderr);
            Assert.Contains($"pid {serve.Pid}", run.Stderr);
            Assert.DoesNotContain("Could not find file", run.Stderr); // .NET's words, not ours
            Assert.Equal("", run.Stdout);
        }
        Assert.False(File.Exists(tokenPath)); // nothing made a token behind the running serve's back
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // SIGSTOP
    public async Task a_serve_that_takes_the_call_but_does_not_answer_is_called_busy_or_stuck_with_exit_5_not_none_running()
    {
        await using var serve = await ServeProcess.StartAsync();
        // Stopped, serve's listening socket still completes connections (the kernel's backlog) but nothing answers.
        Assert.Equal(0, Process.Start("kill", $"-STOP {serve.Pid}").WaitForExitAsync().Wait(10_000) ? 0 : 1);
        try
        {
            foreach (var args in new[] { new[] { "status" }, new[] { "console", "--no-open" } })
            {
                var run = await VibesyncAsync(args.Concat(new[] { "--data", serve.DataDirectory }).ToArray());
                Assert.True(run.Code == 5, $"{args[0]}: exit {run.Code}\n{run.Stderr}");
                Assert.Contains($"the orchestrator (pid {serve.Pid} on 127.0.0.1:{serve.ApiPort}) did not answer", run.Stderr);
                Assert.Contains("busy or stuck", run.Stderr);
                Assert.DoesNotContain("Unhandled exception", run.Stderr);
                Assert.Equal("", run.Stdout);
            }
        }
        finally { await Process.Start("kill", $"-CONT {serve.Pid}").WaitForExitAsync(); }
        Assert.Equal(0, (await VibesyncAsync("status", "--data", serve.DataDirectory)).Code);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes: serve refuses a token others may read
    public async Task a_running_serve_whose_token_file_is_missing_or_unusable_exits_4_and_none_running_still_exits_3()
    {
        string dir;
        await using (var serve = await ServeProcess.StartAsync())
        {
            serve.KeepData = true;
            dir = serve.DataDirectory;
            string tokenPath = Path.Combine(dir, "keys", "control.token");
            string token = File.ReadAllText(tokenPath);

            // Missing: serve is up, so "none running" (3) would be wrong; the words name the file and serve's pid.
            File.Delete(tokenPath);
            foreach (var args in new[] { new[] { "status" }, new[] { "console", "--no-open" }, new[] { "pause" } })
            {
                var run = await VibesyncAsync(args.Concat(new[] { "--data", dir }).ToArray());
                Assert.True(run.Code == 4, $"{args[0]}: exit {run.Code}\n{run.Stderr}");
                Assert.Contains($"{tokenPath} is missing", run.Stderr);
                Assert.Contains($"pid {serve.Pid}", run.Stderr);
                Assert.Equal("", run.Stdout);
            }

            // Unusable: readable by others, refused before it is sent; the same exit, SecretFiles' own sentence.
            File.WriteAllText(tokenPath, token);
            File.SetUnixFileMode(tokenPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            foreach (var args in new[] { new[] { "status" }, new[] { "console", "--no-open" } })
            {
                var run = await VibesyncAsync(args.Concat(new[] { "--data", dir }).ToArray());
                Assert.True(run.Code == 4, $"{args[0]}: exit {run.Code}\n{run.Stderr}");
                Assert.Contains($"{tokenPath} may be read by others", run.Stderr);
                Assert.Equal("", run.Stdout);
            }
            File.SetUnixFileMode(tokenPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal(0, (await VibesyncAsync("status", "--data", dir)).Code); // and with the file back, it is asked again

            // Crashed (kill -9, serve.json left behind): nothing answers at its port, none running, 3.
            int pid = serve.Pid, port = serve.ApiPort;
            serve.Kill();
            var crashed = await VibesyncAsync("status", "--data", dir);
            Assert.True(crashed.Code == 3, $"exit {crashed.Code}\n{crashed.Stderr}");
            Assert.Contains($"no orchestrator answers on 127.0.0.1:{port} (pid {pid} in serve.json", crashed.Stderr);
        }

        // No serve.json at all: none running, 3, with the token file still there.
        File.Delete(Path.Combine(dir, "serve.json"));
        foreach (var args in new[] { new[] { "status" }, new[] { "console", "--no-open" } })
        {
            var run = await VibesyncAsync(args.Concat(new[] { "--data", dir }).ToArray());
            Assert.True(run.Code == 3, $"{args[0]}: exit {run.Code}\n{run.Stderr}");
            Assert.Contains("no orchestrator is serving", run.Stderr);
        }
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
