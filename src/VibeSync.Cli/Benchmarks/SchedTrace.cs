// Why perf: the kernel's sched_switch/sched_wakeup tracepoints are the only record of which
// thread waited for a CPU and what ran instead. `-k CLOCK_MONOTONIC` stamps them with the clock
// Stopwatch reads on Linux, so a benchmark's own timestamps line up with them without conversion.
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace VibeSync.Cli.Benchmarks;

/// <summary>perf is missing, may not trace, or failed: the message says which and what to do.</summary>
internal sealed class SchedTraceUnavailableException(string message) : Exception(message);

/// <summary>
/// A system-wide <c>perf record</c> of the scheduler's switches and wake-ups, started before a
/// measured run and stopped after it; <see cref="StopAsync"/> reads it back as a <see cref="SchedTimeline"/>.
/// Needs perf on PATH and the right to trace (root, or kernel.perf_event_paranoid ≤ -1).
/// </summary>
internal sealed class SchedTrace : IAsyncDisposable
{
    private const int SigInt = 2;
    private readonly Process _perf;
    private readonly string _file;
    private readonly Task<string> _stderr;

    private SchedTrace(Process perf, string file, Task<string> stderr)
    {
        _perf = perf;
        _file = file;
        _stderr = stderr;
    }

    /// <summary>The OS thread id of the calling thread (what the trace calls it), from /proc/thread-self.</summary>
    public static int CurrentThreadId()
    {
        var target = new FileInfo("/proc/thread-self").LinkTarget ?? throw new SchedTraceUnavailableException("/proc/thread-self is not a link: not Linux?");
        return int.Parse(Path.GetFileName(target), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Starts recording into <paramref name="directory"/>. Throws <see cref="SchedTraceUnavailableException"/>
    /// with what to do when perf is missing or may not trace.
    /// </summary>
    public static async Task<SchedTrace> StartAsync(string directory)
    {
        if (!OperatingSystem.IsLinux()) throw new SchedTraceUnavailableException("--sched-trace needs Linux (perf and the kernel's sched tracepoints)");
        string? perf = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "perf")).FirstOrDefault(File.Exists);
        if (perf == null) throw new SchedTraceUnavailableException("--sched-trace needs perf on PATH (Debian: apt-get install linux-perf)");
        Directory.CreateDirectory(directory);
        string file = Path.Combine(directory, "sched.perf.data");
        File.Delete(file);
        var info = new ProcessStartInfo(perf) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        // -a: every CPU, so what ran instead of us (other processes) is in the trace; -m: 8 MiB a CPU so bursts are not lost.
        foreach (var a in new[] { "record", "-q", "-e", "sched:sched_switch", "-e", "sched:sched_wakeup", "-a", "-k", "CLOCK_MONOTONIC", "-m", "2048", "-o", file })
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new SchedTraceUnavailableException("perf did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        // perf writes its header once the tracepoints are open; refusals (paranoid level, no tracefs) end it at once.
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited && !(File.Exists(file) && new FileInfo(file).Length > 0))
            await Task.Delay(20);
        if (process.HasExited)
            throw new SchedTraceUnavailableException($"perf could not record the scheduler's tracepoints (exit {process.ExitCode}); run as root or set kernel.perf_event_paranoid to -1. perf said: {(await stderr).Trim()}");
        await Task.Delay(300); // the tracepoints are enabled on every CPU after the header is written
        return new SchedTrace(process, file, stderr);
    }

    /// <summary>Stops recording (SIGINT, as Ctrl-C would) and reads the trace back with <c>perf script</c>.</summary>
    public async Task<(SchedTimeline Timeline, int Events, int Unparsed, string Notes)> StopAsync()
    {
        if (!_perf.HasExited && Kill(_perf.Id, SigInt) != 0) throw new SchedTraceUnavailableException($"could not stop perf (errno {Marshal.GetLastPInvokeError()})");
        await _perf.WaitForExitAsync();
        string notes = (await _stderr).Trim(); // "Processed … events and lost … chunks!" when the buffers overflowed
        var info = new ProcessStartInfo(_perf.StartInfo.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "script", "-i", _file, "-F", "pid,tid,cpu,time,event,trace" }) info.ArgumentList.Add(a);
        using var script = Process.Start(info) ?? throw new SchedTraceUnavailableException("perf script did not start");
        var scriptErrors = script.StandardError.ReadToEndAsync();
        var events = PerfScript.Parse(Lines(script.StandardOutput), out int unparsed);
        await script.WaitForExitAsync();
        if (script.ExitCode != 0) throw new SchedTraceUnavailableException($"perf script failed (exit {script.ExitCode}): {(await scriptErrors).Trim()}");
        return (SchedTimeline.From(events), events.Count, unparsed, notes);
    }

    private static IEnumerable<string> Lines(StreamReader reader)
    {
        while (reader.ReadLine() is { } line) yield return line;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_perf.HasExited)
        {
            Kill(_perf.Id, SigInt);
            await _perf.WaitForExitAsync();
        }
        _perf.Dispose();
        try { File.Delete(_file); } catch (IOException) { }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
