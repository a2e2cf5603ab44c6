using System.Text.Json;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Cli.Commands;

/// <summary>
/// The control API as the person at this terminal meets it. Every call goes through the one
/// <see cref="ControlApiClient"/> (which finds serve, holds its port and token, and retries once
/// after a restart); this only says what went wrong in words on stderr, never the API's text for
/// programs nor .NET's, and picks the exit status for it.
/// </summary>
internal sealed class TerminalControl
{
    /// <summary>Exit status when no orchestrator serves the data directory (or none answers at the port it wrote).</summary>
    public const int NotRunning = 3;

    /// <summary>
    /// Exit status when an orchestrator serves the data directory but <c>keys/control.token</c> is
    /// missing or cannot be used: serve is up, so "none running" (3) would send the person to start
    /// a second one.
    /// </summary>
    public const int TokenUnusable = 4;

    /// <summary>Exit status when an orchestrator took the call but gave no answer in time.</summary>
    public const int Unanswered = 5;

    /// <summary>How long a call waits for its answer unless it says otherwise.</summary>
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly string _dir;

    /// <summary>For the orchestrator serving <paramref name="dataDir"/>, as the human (<c>keys/control.token</c>).</summary>
    public TerminalControl(string dataDir)
    {
        _dir = dataDir;
        Api = new ControlApiClient(dataDir);
    }

    /// <summary>The client the calls went through (after one, it knows the serve that answered).</summary>
    public ControlApiClient Api { get; }

    /// <summary>
    /// The answer, success or not; or no answer and the exit status, after saying on stderr why no
    /// orchestrator could be asked and what to do.
    /// </summary>
    public async Task<(ControlApiAnswer? Answer, int Exit)> SendAsync(HttpMethod method, string path, CancellationToken cancel,
        string? json = null, TimeSpan? timeout = null)
    {
        try
        {
            return (await Api.SendAsync(method, path, json, timeout ?? DefaultTimeout, cancel), 0);
        }
        catch (ControlApiException) // thrown by a send only when there is no serve.json (an error answer is returned)
        {
            Console.Error.WriteLine($"error: no orchestrator is serving {_dir} (no serve.json); start one with: vibesync serve --data {_dir}");
            return (null, NotRunning);
        }
        catch (ControlCredentialException e) when (e.Missing)
        {
            // serve holds its token in memory: the file went away after it started.
            Console.Error.WriteLine($"error: {e.Path} is missing, so this command cannot prove it is you; the orchestrator (pid {e.Server.Pid}) still holds the token it started with. " +
                $"Restore the file, or stop serve and start it again on {_dir} (a new token is made, and every console session ends)");
            return (null, TokenUnusable);
        }
        catch (ControlCredentialException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return (null, TokenUnusable);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException) // serve.json unreadable
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return (null, NotRunning);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            // Serve accepted the call but did not answer in time: up, so not "none running"; busy or stuck.
            var server = Api.Server;
            Console.Error.WriteLine($"error: the orchestrator (pid {server?.Pid} on 127.0.0.1:{server?.ApiPort}) did not answer {method} {path} within " +
                $"{(timeout ?? DefaultTimeout).TotalSeconds:0.#} s: it is busy or stuck, and may still carry the call out when it gets to it. " +
                "Check with `vibesync status` before repeating a change; its log (serve's stderr) says what it is doing");
            return (null, Unanswered);
        }
        catch (HttpRequestException e)
        {
            var server = Api.Server;
            Console.Error.WriteLine($"error: no orchestrator answers on 127.0.0.1:{server?.ApiPort} (pid {server?.Pid} in serve.json; it may have crashed): {e.Message}");
            return (null, NotRunning);
        }
    }

    /// <summary>
    /// An error answer as one line for a person: a refused token as what to do about it, else its code
    /// and message, or, when it has none, the HTTP status and whatever body came.
    /// </summary>
    public string Describe(ControlApiAnswer answer)
    {
        // The API's own 401 text is for programs (which header to send); a person at the CLI needs to
        // know their token file no longer matches the running serve's.
        if (answer.Status == System.Net.HttpStatusCode.Unauthorized)
            return $"the orchestrator refused the token in {Orchestrator.Keys.SecretFiles.ControlTokenPath(_dir)}: it is not the one serve started with (was the file replaced while serve ran?). " +
                $"Stop serve and start it again on {_dir} to have it read the file (every console session ends)";
        try
        {
            using var doc = JsonDocument.Parse(answer.Body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                && doc.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                return $"{code.GetString()}: {message.GetString()}";
        }
        catch (JsonException) { }
        string status = $"the orchestrator answered HTTP {(int)answer.Status} {answer.Reason}";
        return answer.Body.Trim().Length == 0 ? status + " with no explanation (its log, serve's stderr, says why)" : $"{status}: {answer.Body.Trim()}";
    }
}
