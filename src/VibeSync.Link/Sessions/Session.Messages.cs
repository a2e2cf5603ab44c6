// Design rationale: once a frame's MAC, sequence and clock verify, its type picks one handler;
// each reads its payload strictly (unknown fields refused) and a peer that breaks the contract is
// the engine misbehaving: ERROR, or the session revoked and that engine alone in PANIC. SCENE may
// arrive in parts (assembled by SceneTransfer); the orchestrator's own requests wait on their
// sequence number for the adapter's answer.
using System.Text;
using VibeSync.Protocol.Operations;
using VibeSync.Link.Firewall;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.SceneJson;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Link.Sessions;

internal sealed partial class Session
{
    private async Task ServeAsync(CancellationToken cancel)
    {
        while (true)
        {
            if (!_reader.HasWholeFrame) await FlushHeldAsync(cancel).ConfigureAwait(false); // nothing more to answer without waiting: send what is held
            var bytes = await _reader.ReadAsync(cancel, _server.Options.FrameTimeout).ConfigureAwait(false);
            if (bytes == null) throw new SessionEnded("DISCONNECTED", "the adapter closed the connection", violation: false);
            var frame = FrameCodec.Decode(_receiveKeys.ClientToServer, bytes, _server.Options.MaxFrame); // throws: junk, connection dropped
            FramesIn++;
            long now = _server.Time.GetUtcNow().ToUnixTimeMilliseconds();
            if (_inbound.Check(frame.Sequence, frame.TimeMs, now, out var why) is { } code) throw new SessionEnded(code, why, violation: true);
            if (!MessageType.IsKnown(frame.Type)) throw new SessionEnded("UNKNOWN_TYPE", $"frame type {MessageType.Name(frame.Type)} is not in the registry", violation: true);

            if (frame.Type == MessageType.BlobChunk)
            {
                await ChunkAsync(frame, cancel).ConfigureAwait(false); // the one binary payload
                continue;
            }
            JsonObject payload;
            try { payload = ReadPayload(frame.Payload.Span); }
            catch (Exception e) when (e is JsonParseException or JsonFieldException or DecoderFallbackException)
            {
                throw new SessionEnded("MALFORMED", $"{MessageType.Name(frame.Type)} payload: {e.Message}", violation: true);
            }
            // Only fields an engine could evaluate as code are judged by the blocked patterns: names
            // and other plain strings are data (a name the orchestrator admitted comes back in every
            // report of that engine, and must never revoke it).
            if (CodeFields.Find(frame.Type, payload) is { } hit)
                throw new SessionEnded("BLOCKED_PATTERN", $"{MessageType.Name(frame.Type)} payload at {hit.Path} holds '{hit.Match}'", violation: true);

            if (frame.Type is MessageType.Scene or MessageType.Edit or MessageType.State && await HoldAsync(frame, payload, cancel).ConfigureAwait(false)) continue;
            await HandleAsync(frame, payload, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>A frame's JSON payload, which must be an object.</summary>
    /// <exception cref="JsonParseException">Not JSON.</exception>
    /// <exception cref="JsonFieldException">Not an object.</exception>
    internal static JsonObject ReadPayload(ReadOnlySpan<byte> payload) => AsObject(JsonParser.Parse(Encoding.UTF8.GetString(payload)), "payload");

    /// <summary>Handles one authenticated, parsed and firewalled frame (or a held one whose blobs are now in the store).</summary>
    private async Task HandleAsync(Frame frame, JsonObject payload, CancellationToken cancel)
    {
            switch (frame.Type)
            {
                case MessageType.Heartbeat: await HeartbeatAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.BlobWant: await BlobWantAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.BlobGone: await BlobGoneAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.Edit: await EditAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.RekeyAck: RekeyAck(payload); break;
                case MessageType.Scene: await SceneAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.HumanActive: await HumanActiveAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.NotSynced: await NotSyncedAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.Time: await TimeAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.Observed: await ObservedAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.Ack or MessageType.Error or MessageType.Applied or MessageType.State: Answer(frame, payload); break;
                case MessageType.Bye: throw new SessionEnded("BYE", "the adapter ended the session", violation: false);
                default: throw new SessionEnded("UNEXPECTED_TYPE", $"an adapter does not send {MessageType.Name(frame.Type)}", violation: true);
            }
    }

    private async Task HeartbeatAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        try
        {
            CheckFields(o, "", new[] { "state", "generation", "undo_depth" }, Array.Empty<string>());
            var state = Text(o.Get("state")!, "state");
            if (Array.IndexOf(States, state) < 0) throw new JsonFieldException("state", $"unknown state '{state}' (ready, busy, play, compiling, panic)");
            long generation = WholeNumber(o, "generation"), undo = WholeNumber(o, "undo_depth");
            if (generation != Generation)
                throw new SessionEnded("GENERATION_DRIFT", $"heartbeat says generation {generation}, the handshake said {Generation}: a reload without a new handshake", violation: true);
            State = state;
            UndoDepth = undo;
            LastHeartbeat = _server.Time.GetUtcNow();
        }
        catch (JsonFieldException e)
        {
            throw SessionEnded.BadFields("HEARTBEAT", e);
        }
        await SendAsync(MessageType.Ack, Replies.Ack(frame.Sequence), cancel).ConfigureAwait(false);
    }

    private async Task EditAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        var trust = _server.TrustOf(Engine);
        if (trust.IsQuarantined)
        {
            await ErrorAsync(frame, "QUARANTINED", $"{Engine} is quarantined (read-only) until {trust.QuarantinedUntil:O}: {trust.QuarantineReason}", cancel).ConfigureAwait(false);
            return;
        }
        IntentRequest edit;
        try { edit = OperationReader.Read(Encoding.UTF8.GetString(frame.Payload.Span)); }
        catch (IntentRefusedException e)
        {
            switch (e.Code)
            {
                case IntentErrorCode.Malformed or IntentErrorCode.UnknownField or IntentErrorCode.UnknownOperation or IntentErrorCode.NonFinite or IntentErrorCode.MissingField:
                    throw new SessionEnded(e.Code == IntentErrorCode.UnknownField ? "ILLEGAL_FIELD" : IntentRefusedException.WireName(e.Code), $"EDIT {e.Message}", violation: true);
                case IntentErrorCode.InvalidValue when e.Reason.StartsWith("expected an asset id", StringComparison.Ordinal):
                    trust.Quarantine($"forbidden path at {e.Path}");
                    _server.Log.Write("quarantine", "FORBIDDEN_PATH", Engine, _remote, e.Message);
                    await ErrorAsync(frame, "FORBIDDEN_PATH", e.Message + "; the engine is quarantined", cancel).ConfigureAwait(false);
                    return;
                default:
                    await MinorAsync(frame, IntentRefusedException.WireName(e.Code), e.Message, 10, cancel).ConfigureAwait(false);
                    return;
            }
        }

        if (!_sceneReported)
        {
            // An engine edits only once it has attached (reported its scene): whatever key it holds,
            // a session that never said what it holds changes nothing. Not a violation: an honest
            // adapter's first edit may race its SCENE. The orchestrator also waits for parity.
            _server.Log.Summarized("refused", "NOT_ATTACHED", Engine, _remote, "an EDIT before this session reported its scene; refused");
            await ErrorAsync(frame, "NOT_ATTACHED", $"{Engine} has not attached: report the scene (SCENE) first; edits count once the engine is live", cancel).ConfigureAwait(false);
            return;
        }
        // Over a limit is refused, but costs no trust: an honest adapter reports such content as
        // not synced instead, and a limit is a fact about content, not a sign of misbehaviour.
        foreach (var op in edit.Operations)
            if ((op is ReplaceMesh m ? m.Mesh.VertexCount : op is CreateMesh c ? c.Mesh.VertexCount : 0) is var count && count > _server.Options.MaxMeshVertices)
            {
                _server.Log.Summarized("resource_limit", "RESOURCE_LIMIT", Engine, _remote, $"{op.Name} of {op.Uuid}: {count:N0} vertices, limit {_server.Options.MaxMeshVertices:N0}");
                await ErrorAsync(frame, "RESOURCE_LIMIT", $"{op.Name} of {op.Uuid}: a mesh of {count:N0} vertices exceeds limits.max_mesh_vertices = {_server.Options.MaxMeshVertices:N0}; nothing was transferred", cancel).ConfigureAwait(false);
                return;
            }
        if (_budget.Take(edit, _server.Time.GetUtcNow()) is { } limited)
        {
            await MinorAsync(frame, "RATE_LIMITED", limited, 10, cancel).ConfigureAwait(false);
            return;
        }
        if (await _server.Host.EditAsync(Engine, edit).ConfigureAwait(false) is { } refused)
        {
            await ErrorAsync(frame, refused.Code, refused.Message, cancel).ConfigureAwait(false);
            return;
        }
        _server.CountEdit();
        await SendAsync(MessageType.Ack, Replies.Ack(frame.Sequence), cancel).ConfigureAwait(false);
    }

    private async Task SceneAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        // A scene too large for one frame comes in parts (part 0…parts-1, in order, same root):
        // each part's records are read and checked as they arrive (then only its bytes are kept,
        // see SceneTransfer), the whole scene once complete.
        Protocol.State.Scene scene;
        string claimed;
        SceneReport report;
        int part, parts;
        try
        {
            CheckFields(o, "", new[] { "generation", "root", "scene" }, new[] { "file", "unsaved", "stamped", "ambiguous", "dropped_intents", "reason", "part", "parts", "not_synced" });
            if (WholeNumber(o, "generation") != Generation)
                throw new SessionEnded("GENERATION_DRIFT", $"SCENE says generation {WholeNumber(o, "generation")}, the handshake said {Generation}", violation: true);
            claimed = Text(o.Get("root")!, "root");
            part = o.Get("part") != null ? (int)Math.Min(WholeNumber(o, "part"), int.MaxValue) : 0;
            parts = o.Get("parts") != null ? (int)Math.Min(WholeNumber(o, "parts"), int.MaxValue) : 1;
            if (parts < 1 || parts > 4096) throw new JsonFieldException("parts", "expected 1 to 4096 parts");
            ExpireTransfer();
            bool rest;
            lock (_transferGate)
            {
                rest = _refusedTransfer is var (refusedRoot, refusedParts) && part > 0 && refusedRoot == claimed && refusedParts == parts;
                if (part == 0 || (rest && part + 1 == parts)) _refusedTransfer = null;
            }
            if (rest)
            {
                // The rest of a transfer already refused: answered, not read, and no violation.
                await ErrorAsync(frame, "RESOURCE_LIMIT", $"part {part} of a SCENE already refused (see the first refusal); send the scene again from part 0", cancel).ConfigureAwait(false);
                return;
            }
            var transfer = _transfer;
            if (part != (transfer?.Received ?? 0) || (part > 0 && (parts != transfer!.Expected || claimed != transfer.Root)))
                throw new JsonFieldException("part", $"expected part {transfer?.Received ?? 0} of {(part > 0 ? transfer?.Expected : parts)} for root {(part > 0 ? transfer?.Root : claimed)}");
            long bytes = (transfer?.Bytes ?? 0) + frame.Payload.Length;
            if (bytes > _server.Options.MaxSceneBytes)
            {
                RefuseTransfer(claimed, parts, part, $"a SCENE in parts holds at most {_server.Options.MaxSceneBytes:N0} bytes until its last part; part {part} of {parts} brings it to {bytes:N0}: the transfer is dropped");
                await ErrorAsync(frame, "RESOURCE_LIMIT", $"SCENE part {part} of {parts}: an unfinished scene may hold at most {_server.Options.MaxSceneBytes:N0} bytes, this part brings it to {bytes:N0}; nothing of it was kept", cancel).ConfigureAwait(false);
                return;
            }
            var records = SceneTransfer.Records(o);
            if (part == 0) transfer = new SceneTransfer(parts, claimed, SceneHeader.Read(o), _server.Time.GetUtcNow());
            if (part + 1 < parts)
            {
                transfer!.Add(frame.Payload);
                lock (_transferGate) _transfer = transfer;
                await SendAsync(MessageType.Ack, Replies.Ack(frame.Sequence, $"\"part\": {part}"), cancel).ConfigureAwait(false);
                return;
            }
            lock (_transferGate) _transfer = null;
            scene = transfer!.Whole(records);
            SceneJsonReader.CheckClosed(scene);
            var header = transfer.Header;
            var root = Hex.Encode(SceneHasher.Hash(scene).Root);
            report = new SceneReport(root, root == claimed, scene.Objects.Count, scene.Materials.Count, scene.Meshes.Count, header.File, header.Unsaved, header.Ambiguous,
                header.Dropped, _server.Time.GetUtcNow()) { NotSynced = header.NotSynced };
        }
        catch (JsonFieldException e) { DropTransfer(); throw SessionEnded.BadFields("SCENE", e); }
        catch (SceneFormatException e) { DropTransfer(); throw new SessionEnded("MALFORMED", $"SCENE scene.{e.Path}: {e.Reason}", violation: true); }
        Scene = report;
        NotSynced = report.NotSynced;
        _server.Log.Write("scene", report.MatchesClaim ? null : "ROOT_MISMATCH", Engine, _remote,
            $"{report.Objects} objects, {report.Materials} materials, {report.Meshes} meshes, root {report.Root}" + (parts > 1 ? $", in {parts} parts" : "") + (report.MatchesClaim ? "" : $"; the adapter claimed {claimed}"));
        _server.Host.SceneReported(Engine, scene, report);
        if (!report.MatchesClaim)
        {
            await ErrorAsync(frame, "ROOT_MISMATCH", $"the records sent hash to {report.Root}, not the {claimed} the adapter computed", cancel).ConfigureAwait(false);
            return;
        }
        _sceneReported = true;
        await SendAsync(MessageType.Ack, Replies.Ack(frame.Sequence, $"\"scene_root\": \"{report.Root}\""), cancel).ConfigureAwait(false);
    }

    private void DropTransfer()
    {
        lock (_transferGate) _transfer = null;
    }

    /// <summary>Drops the unfinished transfer; its later parts (up to the last) are answered RESOURCE_LIMIT without being read.</summary>
    private void RefuseTransfer(string root, int parts, int part, string why)
    {
        lock (_transferGate)
        {
            _transfer = null;
            _refusedTransfer = part + 1 < parts ? (root, parts) : null;
        }
        _server.Log.Summarized("resource_limit", "RESOURCE_LIMIT", Engine, _remote, why);
    }

    /// <summary>An unfinished transfer older than its time is dropped (called by the session loop and by the watchdog).</summary>
    private void ExpireTransfer()
    {
        SceneTransfer? expired;
        lock (_transferGate)
        {
            expired = _transfer;
            if (expired == null || _server.Time.GetUtcNow() - expired.Started <= _server.Options.SceneTransferTimeout) return;
            _transfer = null;
            _refusedTransfer = (expired.Root, expired.Expected);
        }
        _server.Log.Summarized("resource_limit", "RESOURCE_LIMIT", Engine, _remote,
            $"a SCENE in parts was unfinished {_server.Options.SceneTransferTimeout.TotalSeconds:F0} s after its first part ({expired.Received} of {expired.Expected} parts, {expired.Bytes:N0} bytes): dropped");
    }

    private async Task HumanActiveAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        string[] uuids;
        bool active;
        try
        {
            CheckFields(o, "", new[] { "uuids", "active" }, Array.Empty<string>());
            uuids = AsArray(o.Get("uuids")!, "uuids").Items.Select((x, i) => Id(x, $"uuids[{i}]")).ToArray();
            active = o.Get("active") is JsonBool b ? b.Value : throw new JsonFieldException("active", "expected true or false");
        }
        catch (JsonFieldException e) { throw SessionEnded.BadFields("HUMAN_ACTIVE", e); }
        lock (_humanActive)
            foreach (var u in uuids)
                if (active) _humanActive.Add(u); else _humanActive.Remove(u);
        _server.Host.HumanActive(Engine, uuids, active);
        await SendAsync(MessageType.Ack, Replies.Ack(frame.Sequence), cancel).ConfigureAwait(false);
    }

    private async Task NotSyncedAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        IReadOnlyList<NotSyncedItem> items;
        try
        {
            CheckFields(o, "", new[] { "items" }, Array.Empty<string>());
            items = NotSyncedItem.ReadList(o.Get("items")!, "items");
        }
        catch (JsonFieldException e) { throw SessionEnded.BadFields("NOT_SYNCED", e); }
        NotSynced = items;
        _server.Log.Write("not_synced", null, Engine, _remote, items.Count == 0 ? "everything syncs" :
            $"{items.Count} not synced: " + string.Join("; ", items.Take(3).Select(i => $"{i.Name} ({i.Code})")) + (items.Count > 3 ? "; …" : ""));
        _server.Host.NotSynced(Engine, items);
        await SendAsync(MessageType.Ack, Replies.Ack(frame.Sequence), cancel).ConfigureAwait(false);
    }

    private async Task ObservedAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        ulong intent;
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            CheckFields(o, "", new[] { "intent", "records" }, new[] { "absent" });
            intent = (ulong)WholeNumber(o, "intent");
            foreach (var m in AsObject(o.Get("records")!, "records").Members)
            {
                var hash = Text(m.Value, $"records.{m.Key}");
                if (!VibeSync.Protocol.State.VibeSyncId.IsValid(m.Key) || hash.Length != 64) throw new JsonFieldException($"records.{m.Key}", "expected a VibeSync ID and a 64-digit record hash");
                records[m.Key] = hash;
            }
        }
        catch (JsonFieldException e) { throw SessionEnded.BadFields("OBSERVED", e); }
        _server.Host.Observed(Engine, intent, records);
        await SendAsync(MessageType.Ack, Replies.Ack(frame.Sequence), cancel).ConfigureAwait(false);
    }

    /// <summary>An answer to one of the orchestrator's requests; an answer to nothing breaks the contract.</summary>
    private void Answer(Frame frame, JsonObject o)
    {
        ulong re;
        try { re = (ulong)WholeNumber(o, "re"); }
        catch (JsonFieldException e) { throw new SessionEnded("MALFORMED", $"{MessageType.Name(frame.Type)} {e.Path}: {e.Reason}", violation: true); }
        if (!_requests.TryRemove(re, out var pending))
            throw new SessionEnded("UNEXPECTED_REPLY", $"{MessageType.Name(frame.Type)} answers sequence {re}, which asked nothing (or was already answered)", violation: true);
        pending.TrySetResult(new LinkReply(frame.Type, o));
    }

    /// <summary>Sends a request to the adapter and waits for the frame that answers it.</summary>
    public async Task<LinkReply> RequestAsync(byte type, string json, TimeSpan timeout, CancellationToken cancel)
    {
        var answer = new TaskCompletionSource<LinkReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        ulong seq;
        await _send.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            seq = _nextOut++;
            _requests[seq] = answer;
            Offer(seq, json);
            _outbox.Write(FrameCodec.Encode(_sendKeys.ServerToClient, new Frame(type, seq, _server.Time.GetUtcNow().ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes(json))));
            await FlushOutboxAsync(cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new EngineUnavailableException(Engine, $"{Engine}'s session ended: {e.Message}");
        }
        finally { _send.Release(); }
        try
        {
            // The deadline is extended while blob chunks flow (an APPLY naming a 60 MB mesh is answered once it crossed).
            while (true)
            {
                var since = _server.Time.GetUtcNow();
                try { return await answer.Task.WaitAsync(timeout, cancel).ConfigureAwait(false); }
                catch (TimeoutException) when (LastBlobProgress > since) { }
            }
        }
        catch (TimeoutException)
        {
            _requests.TryRemove(seq, out _);
            throw new EngineUnavailableException(Engine, $"{Engine} did not answer {MessageType.Name(type)} within {timeout.TotalSeconds:F1} s");
        }
        finally { Withdraw(seq); }
    }

    private async Task MinorAsync(Frame frame, string code, string message, int cost, CancellationToken cancel)
    {
        var trust = _server.TrustOf(Engine);
        bool quarantined = trust.Deplete(cost, $"{code}: {message}");
        _server.Log.Summarized(quarantined ? "quarantine" : "minor", code, Engine, _remote, message + (quarantined ? "; trust depleted, the engine is quarantined" : $"; trust {trust.Score}"));
        await ErrorAsync(frame, code, message, cancel).ConfigureAwait(false);
    }

    private Task ErrorAsync(Frame frame, string code, string message, CancellationToken cancel) =>
        SendAsync(MessageType.Error, Replies.Error(frame.Sequence, code, message), cancel);
}
