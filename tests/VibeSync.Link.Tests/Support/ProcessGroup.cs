using System.Diagnostics;

namespace VibeSync.Link.Tests.Support;

/// <summary>
/// A child process in a process group of its own (<c>setsid</c> execs the program in place: its pid is
/// the group's), so that killing it kills whatever it started too. Disposing it kills the group: a test
/// that throws before its own cleanup leaves nothing running (a simulator would otherwise go on for
/// its whole <c>--seconds</c>, attached to whatever serve comes next on the machine).
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private ProcessGroup(Process process) => Process = process;

    /// <summary>The group's leader (standard output and error redirected).</summary>
    public Process Process { get; }

    /// <summary>Starts <paramref name="file"/> with <paramref name="args"/> in a new process group.</summary>
    public static ProcessGroup Start(string file, params string[] args) => new(Process.Start(StartInfo(file, args))!);

    /// <summary>How to start <paramref name="file"/> in a new process group, output redirected.</summary>
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args.Prepend(file)) info.ArgumentList.Add(a);
        return info;
    }

    /// <summary>kill -9 of the whole group; nothing if it is gone.</summary>
    public void Kill() => Kill(Process);

    /// <summary>kill -9 of the process group <paramref name="leader"/> leads (started as <see cref="StartInfo"/> does); nothing if it is gone.</summary>
    public static void Kill(Process leader)
    {
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", new[] { "-KILL", "--", "-" + leader.Id }) { RedirectStandardError = true, UseShellExecute = false })!;
            kill.WaitForExit();
        }
        catch (InvalidOperationException) { } // never started
        if (!leader.HasExited) leader.Kill(entireProcessTree: true);
        leader.WaitForExit();
    }

    /// <summary>Kills the group (if still running) and releases the process.</summary>
    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }
}
