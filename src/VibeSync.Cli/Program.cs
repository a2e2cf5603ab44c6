using System.CommandLine;
using System.CommandLine.Parsing;
using VibeSync.Cli.Commands;

namespace VibeSync.Cli;

/// <summary>The <c>vibesync</c> executable: one verb per job, each in Commands/.</summary>
public static class Program
{
    /// <summary>Exit status for bad input (the user can fix it).</summary>
    public const int InputError = 2;

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r != null && r.Parent is CommandResult parent; r = parent) names.Insert(0, r.Command.Name);
        return names;
    }

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
            ServeCommand.Create(),
            StatusCommand.Create(),
            SimUnityCommand.Create(),
            McpCommand.Create(),
            ChaosCommand.Create(),
            ExportCommand.Create(),
            BlobsCommand.Create(),
            ConsoleCommand.Create(),
            KeysCommand.Create(),
        };
        foreach (var command in IntentCommands.Create()) root.Subcommands.Add(command);
        if (args.Length == 0) return root.Parse(new[] { "--help" }).Invoke(); // bare `vibesync`: show the verbs
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // A usage error is the user's to fix: say what is wrong in one place, point at --help, exit 2.
            // A mistyped verb (`vibesync serv`) is also reported as "Required command was not
            // provided", which reads as if nothing was typed: say only what is wrong with what was.
            var errors = parse.Errors.Count > 1 && parse.CommandResult.Command is RootCommand
                ? parse.Errors.Where(e => !e.Message.StartsWith("Required command was not provided", StringComparison.Ordinal)).ToList()
                : parse.Errors.ToList();
            foreach (var error in errors)
                Console.Error.WriteLine(error.Message.StartsWith("Required command was not provided", StringComparison.Ordinal)
                    ? $"error: vibesync {string.Join(' ', CommandPath(parse))} needs one of: {string.Join(", ", parse.CommandResult.Command.Subcommands.Select(c => c.Name))}"
                    : $"error: {error.Message}");
            Console.Error.WriteLine($"see: vibesync {string.Join(' ', CommandPath(parse))} --help".Replace("  ", " "));
            return InputError;
        }
        // On SIGTERM/SIGINT System.CommandLine cancels the command's token and, by default, exits
        // with 143 two seconds later: too soon for serve, which settles the open batch, commits the
        // last snapshot and closes the WAL first. A clean stop gets up to a minute.
        return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
    }
}
