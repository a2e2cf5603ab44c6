using System.CommandLine;
using VibeSync.Cli.Commands;

namespace VibeSync.Cli;

/// <summary>The <c>vibesync</c> executable: one verb per job, each in Commands/.</summary>
public static class Program
{
    /// <summary>Exit status for bad input (the user can fix it).</summary>
    public const int InputError = 2;

    public static int Main(string[] args)
    {
        var root = new RootCommand(
            "VibeSync keeps a Blender scene and a Unity scene in live, verified sync, and lets AI agents " +
            "and humans change them safely through one journaled, verified writer.")
        {
            HashCommand.Create(),
            DemoCommand.Create(),
            WalCommand.Create(),
            BenchCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
