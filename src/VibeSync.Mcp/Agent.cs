using System.Text.Json;
using ModelContextProtocol;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Mcp;

/// <summary>
/// The AI actor an MCP session speaks for: its name (journaled as <c>ai:NAME</c>) and the running
/// orchestrator's control API, reached with the AI credential (<c>keys/ai.token</c>) and never the
/// human's token. It is never a second writer: every change is an intent the orchestrator admits,
/// journals and verifies, and the API refuses this credential anything but submitting as ai:NAME
/// and reading what an AI may see.
/// </summary>
public sealed class Agent
{
    /// <summary>Speaks for <c>ai:<paramref name="name"/></c> to the orchestrator serving <paramref name="dataDirectory"/>.</summary>
    public Agent(string dataDirectory, string name)
    {
        DataDirectory = dataDirectory;
        Actor = "ai:" + name;
        Api = ControlApiClient.ForAi(dataDirectory); // keys/ai.token only: never the human's control.token
    }

    /// <summary>The orchestrator's data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>As journaled, e.g. <c>ai:claude</c>.</summary>
    public string Actor { get; }

    private ControlApiClient Api { get; }

    /// <summary>Calls the control API; its refusals become tool errors with the orchestrator's code and sentence.</summary>
    internal async Task<T> CallAsync<T>(Func<ControlApiClient, Task<T>> call)
    {
        try { return await call(Api).ConfigureAwait(false); }
        catch (ControlApiException e) when (e.Status == 0)
        {
            throw new McpException($"NOT_RUNNING: no VibeSync orchestrator serves {DataDirectory}. Ask a human to start it: vibesync serve --data {DataDirectory}");
        }
        catch (ControlApiException e)
        {
            string code = "ERROR", message = e.Message;
            try
            {
                using var doc = JsonDocument.Parse(e.Body ?? "{}");
                code = doc.RootElement.GetProperty("code").GetString() ?? code;
                message = doc.RootElement.GetProperty("message").GetString() ?? message;
            }
            catch (Exception x) when (x is JsonException or KeyNotFoundException or InvalidOperationException) { }
            throw new McpException($"{code}: {message}");
        }
        catch (Exception e) when (e is ControlCredentialException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            throw new McpException($"NO_CREDENTIAL: this agent's credential ({Orchestrator.Keys.SecretFiles.AiTokenPath(DataDirectory)}) cannot be used: {e.Message}. " +
                "Ask a human to restart serve, which creates it (0600)");
        }
        catch (HttpRequestException e)
        {
            throw new McpException($"NOT_RUNNING: the orchestrator serving {DataDirectory} did not answer ({e.Message}); it may have stopped");
        }
    }

    /// <summary>IDs that begin with <c>h-</c> belong to objects a human keeps from AI: never shown, never touched.</summary>
    internal static bool Hidden(string uuid) => Protocol.State.VibeSyncId.IsHidden(uuid);
}
