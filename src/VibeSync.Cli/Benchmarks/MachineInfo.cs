using System.Runtime.InteropServices;

namespace VibeSync.Cli.Benchmarks;

/// <summary>What a benchmark ran on, recorded beside every figure.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, string Os, string Runtime)
{
    public static MachineInfo Current()
    {
        string cpu = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        return new MachineInfo(cpu, Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);
    }

    /// <summary>The 1-minute load average (figures on a shared machine move with it), or null off Linux.</summary>
    public static double? LoadAverage()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); }
        catch (IOException) { return null; }
    }
}
