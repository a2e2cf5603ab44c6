using System.CommandLine;

namespace VibeSync.Cli.Commands;

/// <summary>The <c>--data DIR</c> option every verb that touches an orchestrator's files takes.</summary>
internal static class DataDirectory
{
    public const string Default = ".vibesync";

    public static Option<DirectoryInfo> Option() => new("--data")
    {
        Description = "The orchestrator's data directory.",
        DefaultValueFactory = _ => new DirectoryInfo(Default),
    };
}
