using System.CommandLine;
using VibeSync.Mcp;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync mcp</c>: the MCP server for AI agents (stdio), speaking to a running serve as an AI actor.</summary>
internal static class McpCommand
{
    public static Command Create()
    {
        var data = DataDirectory.Option();
        var name = new Option<string>("--name") { Description = "The agent's name, journaled as ai:NAME.", DefaultValueFactory = _ => "agent" };
        var command = new Command("mcp",
            "Run the MCP server an MCP client (Claude Desktop, Claude Code, …) launches over stdio. It talks to the running `vibesync serve` of --data as an AI actor: " +
            "typed intents with a rationale, reads with hashes, outcomes; it cannot approve, deny, unlock, pause or roll back, nor see objects kept from AI. Logs go to stderr.")
        {
            data, name,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var agentName = parse.GetValue(name)!;
            if (agentName.Length is 0 or > 64 || !agentName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                Console.Error.WriteLine("error: --name is 1–64 letters, digits, '-', '_' or '.'");
                return Program.InputError;
            }
            await McpServer.RunAsync(new Agent(parse.GetValue(data)!.FullName, agentName), cancel);
            return 0;
        });
        return command;
    }
}
