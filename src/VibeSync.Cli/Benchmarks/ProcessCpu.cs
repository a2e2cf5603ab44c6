using System.Globalization;

namespace VibeSync.Cli.Benchmarks;

/// <summary>
/// CPU time (user + system) so far of a process, or of its threads of one name, from /proc (Linux;
/// clock ticks of 10 ms). The pipeline benchmark's tail was the runtime's own work in the measured
/// seconds (the tiered JIT's thread, ".NET Tiered Com"), which no in-process event counts.
/// </summary>
internal static class ProcessCpu
{
    /// <summary>The thread name (comm, cut to 15 characters by Linux) of the runtime's tiered compilation worker.</summary>
    public const string TieredJit = ".NET Tiered Com";

    /// <summary>CPU ms of the whole process <paramref name="pid"/>.</summary>
    public static double Ms(int pid) => Of($"/proc/{pid}/stat");

    /// <summary>CPU ms of the threads of <paramref name="pid"/> named <paramref name="thread"/> (0 when none runs, or off Linux).</summary>
    public static double Ms(int pid, string thread)
    {
        double ms = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == thread) ms += Of(Path.Combine(task, "stat"));
                }
                catch (IOException) { } // a thread that ended meanwhile
            }
        }
        catch (DirectoryNotFoundException) { }
        return ms;
    }

    private static double Of(string stat)
    {
        // utime and stime, in clock ticks (100 per second on Linux), fields 14 and 15: 11 and 12 after the command's closing parenthesis.
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
    }
}
