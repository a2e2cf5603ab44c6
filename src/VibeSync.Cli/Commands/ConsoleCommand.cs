using System.CommandLine;
using System.Diagnostics;
using VibeSync.Orchestrator.WebConsole;

namespace VibeSync.Cli.Commands;

/// <summary>
/// <c>vibesync console</c>: prints a one-time login link to the running orchestrator's web console
/// (and opens it where a desktop can). The link's nonce is signed with a key derived from
/// <c>keys/control.token</c>, so only who can read that file can log in.
/// </summary>
internal static class ConsoleCommand
{
    public static Command Create()
    {
        var data = DataDirectory.Option();
        var intent = new Option<ulong?>("--intent") { Description = "Land on this intent's page after logging in (the editors' panels use it)." };
        var noOpen = new Option<bool>("--no-open") { Description = "Only print the link; do not open a browser." };
        var command = new Command("console",
            "Log in to the web console of the running orchestrator: prints a one-time link (it works once, for 60 seconds) that opens a session in the browser " +
            "and leads to a URL without secrets; opens it with xdg-open where a desktop is running (exit 3 when no orchestrator is running; 4 when one is but keys/control.token is missing or unusable; 5 when it gave no answer in time).")
        {
            data, intent, noOpen,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var dir = parse.GetValue(data)!.FullName;
            // A link to a serve that is gone, or signed with a token it no longer has, would only fail
            // in the browser: ask serve first, as every control command does, and say here what is wrong.
            // The link then names the port and token that call used: serve.json and the token are read once.
            var control = new TerminalControl(dir);
            var (reply, exit) = await control.SendAsync(HttpMethod.Get, "/v1/status", cancel);
            if (reply == null) return exit;
            if (!reply.IsSuccess)
            {
                Console.Error.WriteLine($"error: {control.Describe(reply)}");
                return 1;
            }
            string url = control.Api.ConsoleLoginLink(DateTimeOffset.UtcNow, parse.GetValue(intent) is ulong id ? ConsoleUrls.Intent(id) : null);
            Console.WriteLine(url);
            Console.Error.WriteLine("Open this link in a browser on this machine within 60 seconds; it works once.");
            if (!parse.GetValue(noOpen) && Desktop.CanOpen()) Desktop.Open(url);
            return 0;
        });
        return command;
    }

    /// <summary>A browser opened with xdg-open, only where a desktop session runs (never on a bare server).</summary>
    private static class Desktop
    {
        public static bool CanOpen() =>
            (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
            && (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(p => p.Length > 0 && File.Exists(Path.Combine(p, "xdg-open")));

        public static void Open(string url)
        {
            try
            {
                var info = new ProcessStartInfo("xdg-open") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                info.ArgumentList.Add(url);
                using var _ = Process.Start(info);
            }
            catch (System.ComponentModel.Win32Exception e) { Console.Error.WriteLine($"could not open a browser ({e.Message}); open the link yourself"); }
        }
    }
}
