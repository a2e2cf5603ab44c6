using System.Text;
using VibeSync.Protocol.Operations;
using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.State;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Link.Ports;

/// <summary>
/// An engine reached over the adapter link: the intent pipeline's <see cref="IEnginePort"/> as
/// APPLY / READ / FINALIZE / ROLLBACK requests (docs/protocol.md §11.6) to that engine's current
/// session. The undo token stays in the adapter, which holds the exact native prior values; the
/// token names it by engine, generation and intent.
/// </summary>
public sealed class LinkEnginePort : IEnginePort
{
    private readonly LinkServer _server;
    private readonly TimeSpan _timeout;

    /// <summary>Talks to <paramref name="engine"/>'s session on <paramref name="server"/>.</summary>
    public LinkEnginePort(LinkServer server, string engine, TimeSpan? timeout = null)
    {
        _server = server;
        Name = engine;
        _timeout = timeout ?? TimeSpan.FromSeconds(10);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public async Task<string> ApplyProvisionalAsync(ulong intentId, IReadOnlyList<Operation> operations)
    {
        var json = new StringBuilder("{\"intent\": ").Append(intentId).Append(", \"operations\": [");
        for (int i = 0; i < operations.Count; i++)
        {
            if (i > 0) json.Append(", ");
            OperationWriter.Append(json, operations[i]);
        }
        var reply = await AskAsync(MessageType.Apply, json.Append("]}").ToString()).ConfigureAwait(false);
        Expect(reply, MessageType.Applied);
        return Text(Required(reply.Payload, "", "undo"), "undo");
    }

    /// <inheritdoc />
    public async Task<Scene> ReadAsync(IReadOnlyCollection<string> uuids)
    {
        var json = new StringBuilder("{\"uuids\": [");
        int i = 0;
        foreach (var u in uuids) JsonText.AppendString(json.Append(i++ > 0 ? ", " : ""), u);
        var reply = await AskAsync(MessageType.Read, json.Append("]}").ToString()).ConfigureAwait(false);
        Expect(reply, MessageType.State);
        try { return SceneJsonReader.ReadCanonicalRecords(Required(reply.Payload, "", "scene")); }
        catch (Exception e) when (e is SceneFormatException or JsonFieldException)
        {
            throw new EngineFaultException($"{Name} answered READ with a scene that is not valid: {e.Message}");
        }
    }

    /// <inheritdoc />
    public async Task FinalizeAsync(IReadOnlyList<ulong> intentIds) =>
        Expect(await AskAsync(MessageType.Finalize, "{\"intents\": [" + string.Join(", ", intentIds) + "]}").ConfigureAwait(false), MessageType.Ack);

    /// <inheritdoc />
    public async Task RollbackAsync(ulong intentId, string undoToken) =>
        Expect(await AskAsync(MessageType.Rollback, $"{{\"intent\": {intentId}}}").ConfigureAwait(false), MessageType.Ack);

    private async Task<LinkReply> AskAsync(byte type, string json)
    {
        try { return await _server.RequestAsync(Name, type, json, _timeout).ConfigureAwait(false); }
        catch (EngineUnavailableException e) { throw new EngineFaultException(e.Message); }
    }

    private void Expect(LinkReply reply, byte type)
    {
        if (reply.Type == type) return;
        var (code, message) = reply.Error;
        if (reply.Type != MessageType.Error) throw new EngineFaultException($"{Name} answered {MessageType.Name(reply.Type)} where {MessageType.Name(type)} was due");
        if (code is "BUSY" or "PAUSED") throw new EngineBusyException($"{Name}: {code}: {message}");
        throw new EngineFaultException($"{Name}: {code}: {message}");
    }
}
