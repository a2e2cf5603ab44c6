// Design rationale (docs/protocol.md §12.2): a message that names blobs the orchestrator's store
// lacks is held — and every SCENE, EDIT and STATE after it, so an engine's messages keep their
// order — while the adapter sends the wanted blobs in chunks; each blob is verified and made
// durable in the store before the held message is handled as if it had just arrived. The other
// way, the adapter's BLOB_WANT for blobs an APPLY named is answered from the store, a chunk at a
// time from the file, on a task of its own so the session keeps reading. A blob error is an ERROR
// naming the blob; the session stays up; trust is charged only for what the adapter did (junk,
// out of order, bytes that are not their name), never for a limit or a blob it could not provide.
// Forwarding: the blobs an engine's SCENE or EDIT brings are offered (BLOB_OFFER) to the other
// engines' sessions as soon as they are asked for, and streamed to those that want them from the
// store's file while they arrive (BlobFollower), so the second transfer overlaps the first instead
// of waiting for the intent's admission and its APPLY. Only engines' link sessions are offered
// anything; agents reach blobs through the control API alone.
using VibeSync.Blobs;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;

namespace VibeSync.Link.Sessions;

internal sealed partial class Session
{
    /// <summary>Messages held at most while their blobs arrive; one more is answered RESOURCE_LIMIT.</summary>
    private const int MaxHeld = 256;

    private readonly Queue<HeldMessage> _held = new();
    private BlobAssembler? _assembler;                       // created with the session's first want
    private readonly Dictionary<ulong, HashSet<string>> _offered = new(); // the orchestrator's requests (APPLY) and BLOB_OFFERs by seq → the blobs they name
    private readonly Queue<ulong> _offers = new();                          // BLOB_OFFERs still answerable, oldest first (at most MaxOffers)

    /// <summary>BLOB_OFFERs a BLOB_WANT may still answer; older ones are forgotten (their want is answered BLOB_GONE, the APPLY asks again).</summary>
    private const int MaxOffers = 64;

    /// <summary>How long a forwarded blob may make no progress before its receiver is told BLOB_GONE.</summary>
    private static readonly TimeSpan ForwardIdle = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _serving = new(1, 1);    // one blob served at a time: one chunk buffer per session
    private long _blobProgressMs;                           // last chunk in or out: extends the answer deadline of a request

    /// <summary>A message that waits for blobs (or for an earlier held message).</summary>
    private sealed record HeldMessage(Frame Frame, JsonObject Payload, IReadOnlyList<string> Blobs);

    private BlobStore? Store => _server.Blobs;

    /// <summary>
    /// Holds a SCENE, EDIT or STATE that names blobs the store lacks (asking for them with BLOB_WANT),
    /// or that follows a held one. True when held: the message is handled once its blobs are in.
    /// </summary>
    private async Task<bool> HoldAsync(Frame frame, JsonObject payload, CancellationToken cancel)
    {
        if (Store == null) return false;
        var named = BlobReferences.In(payload);
        var missing = named.Where(id => !Store.Has(id)).ToList();
        if (missing.Count == 0 && _held.Count == 0) return false;
        if (_held.Count >= MaxHeld)
        {
            await ErrorAsync(frame, "RESOURCE_LIMIT", $"{MessageType.Name(frame.Type)}: {MaxHeld} messages already wait for blobs; send the blobs asked for first", cancel).ConfigureAwait(false);
            if (frame.Type == MessageType.State) FailRequest(payload, "RESOURCE_LIMIT", "the STATE could not be held for its blobs");
            return true;
        }
        _held.Enqueue(new HeldMessage(frame, payload, missing));
        _assembler ??= new BlobAssembler(_server.Options.MaxBlobBytes, _server.Options.ChunkBytes);
        var want = new List<WantedBlob>();
        foreach (var id in missing)
            if (!_assembler.Wants(id) && want.Count < BlobWant.MaxBlobs) want.Add(new WantedBlob(id, _assembler.Want(id, Store.Receive(id))));
        if (want.Count > 0)
        {
            TouchBlobs();
            _server.Log.Write("blob_want", null, Engine, _remote, $"{MessageType.Name(frame.Type)} {frame.Sequence} names {named.Count} blobs, {missing.Count} not held: asked for {want.Count}" +
                (want.Any(w => w.Offset > 0) ? $" ({want.Count(w => w.Offset > 0)} resumed)" : ""));
            await SendAsync(MessageType.BlobWant, new BlobWant(frame.Sequence, want).ToJson(), cancel, flush: true).ConfigureAwait(false);
            if (frame.Type != MessageType.State) _server.Forward(this, want.Select(w => w.Id).ToList());
        }
        return true;
    }

    /// <summary>
    /// BLOB_OFFER to this session's adapter: blobs another engine is sending that an APPLY here may
    /// soon name. Its BLOB_WANT (answering the offer's sequence number) is served as they arrive.
    /// </summary>
    internal async Task OfferAsync(IReadOnlyList<string> ids)
    {
        if (Store == null || ids.Count == 0) return;
        try
        {
            await _send.WaitAsync(_end.Token).ConfigureAwait(false);
            try
            {
                ulong seq = _nextOut++;
                lock (_offered)
                {
                    _offered[seq] = new HashSet<string>(ids, StringComparer.Ordinal);
                    _offers.Enqueue(seq);
                    while (_offers.Count > MaxOffers) _offered.Remove(_offers.Dequeue());
                }
                _outbox.Write(FrameCodec.Encode(_sendKeys.ServerToClient, new Frame(MessageType.BlobOffer, seq, _server.Time.GetUtcNow().ToUnixTimeMilliseconds(),
                    System.Text.Encoding.UTF8.GetBytes(new BlobOffer(ids).ToJson()))));
                await FlushOutboxAsync(_end.Token).ConfigureAwait(false);
            }
            finally { _send.Release(); }
            _server.Log.Write("blob_offer", null, Engine, _remote, $"offered {ids.Count} blob(s) arriving from another engine");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The session ended: nothing was offered; its next APPLY asks for what it needs.
        }
    }

    /// <summary>A BLOB_CHUNK (binary payload): taken by the assembler; a completed blob is durable in the store, and held messages whose blobs are all in are handled.</summary>
    private async Task ChunkAsync(Frame frame, CancellationToken cancel)
    {
        TouchBlobs();
        if (Store == null)
        {
            await ChunkRefusedAsync(frame, new BlobTransferException(BlobTransferException.ChunkOrder, null, "a BLOB_CHUNK, but this orchestrator keeps no blobs and asked for none"), cancel).ConfigureAwait(false);
            return;
        }
        _assembler ??= new BlobAssembler(_server.Options.MaxBlobBytes, _server.Options.ChunkBytes);
        BlobShape? completed;
        try { completed = _assembler.Accept(frame.Payload); }
        catch (BlobTransferException e)
        {
            await ChunkRefusedAsync(frame, e, cancel).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The store could not be written: the orchestrator's fault, never the adapter's.
            var id = frame.Payload.Length >= 32 ? Protocol.Hashing.Hex.Encode(frame.Payload.Span[..32]) : null;
            if (id != null) _assembler.Abandon(id);
            await ChunkRefusedAsync(frame, new BlobTransferException("STORE_FAILED", id, $"blob {id}: the orchestrator could not write it: {e.Message}"), cancel).ConfigureAwait(false);
            return;
        }
        if (completed == null) return;
        _server.Log.Write("blob", null, Engine, _remote, $"blob {Protocol.Hashing.Hex.Encode(frame.Payload.Span[..32])} received and stored: {completed.ByteLength:N0} bytes");
        await ReleaseHeldAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>Handles held messages, in order, while the first one's blobs are all in the store.</summary>
    private async Task ReleaseHeldAsync(CancellationToken cancel)
    {
        while (_held.Count > 0 && _held.Peek().Blobs.All(Store!.Has))
        {
            var next = _held.Dequeue();
            await HandleAsync(next.Frame, next.Payload, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A refused chunk: ERROR naming the blob, and the held messages naming it fail with the same
    /// code (nothing referencing a blob changes until it verified). Junk, order and corruption are
    /// the adapter's doing and cost trust; a limit or the store's failure do not.
    /// </summary>
    private async Task ChunkRefusedAsync(Frame frame, BlobTransferException e, CancellationToken cancel)
    {
        bool charged = e.Code is BlobTransferException.Malformed or BlobTransferException.ChunkOrder or BlobTransferException.Corrupt;
        if (charged) await MinorAsync(frame, e.Code, e.Message, 10, cancel).ConfigureAwait(false);
        else
        {
            _server.Log.Summarized("blob_refused", e.Code, Engine, _remote, e.Message);
            await ErrorAsync(frame, e.Code, e.Message, cancel).ConfigureAwait(false);
        }
        if (e.BlobId != null && !(_assembler?.Wants(e.BlobId) ?? false)) await FailHeldAsync(e.BlobId, e.Code, e.Message, cancel).ConfigureAwait(false);
    }

    /// <summary>Drops every held message naming <paramref name="blob"/> (answered ERROR with <paramref name="code"/>), then handles what may now go.</summary>
    private async Task FailHeldAsync(string blob, string code, string why, CancellationToken cancel)
    {
        if (_held.Count == 0) return;
        var keep = new Queue<HeldMessage>();
        var still = new HashSet<string>(StringComparer.Ordinal);
        while (_held.Count > 0)
        {
            var h = _held.Dequeue();
            if (!h.Blobs.Contains(blob))
            {
                keep.Enqueue(h);
                still.UnionWith(h.Blobs);
                continue;
            }
            string message = $"{MessageType.Name(h.Frame.Type)} names blob {blob}, which did not arrive: {why}; nothing of it was applied";
            if (h.Frame.Type == MessageType.State) FailRequest(h.Payload, code, message);
            else await ErrorAsync(h.Frame, code, message, cancel).ConfigureAwait(false);
        }
        foreach (var h in keep) _held.Enqueue(h);
        // Blobs only the dropped messages wanted are no longer asked for (what came of them stays for a resume).
        if (_assembler != null)
            foreach (var id in _assembler.Wanted.ToList())
                if (!still.Contains(id)) _assembler.Abandon(id);
        await ReleaseHeldAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>BLOB_GONE: the adapter cannot provide blobs it named; the message that named them is dropped (BLOB_MISSING). No trust: its content changed meanwhile.</summary>
    private async Task BlobGoneAsync(Frame frame, JsonObject payload, CancellationToken cancel)
    {
        BlobGone gone;
        try { gone = BlobGone.Read(payload); }
        catch (JsonFieldException e) { throw SessionEnded.BadFields("BLOB_GONE", e); }
        _server.Log.Write("blob_gone", null, Engine, _remote, $"the adapter no longer holds {gone.Ids.Count} blob(s) that message {gone.Re} named: it is dropped");
        foreach (var id in gone.Ids) await FailHeldAsync(id, BlobTransferException.Missing, "the adapter no longer holds it (BLOB_GONE); report again", cancel).ConfigureAwait(false);
    }

    /// <summary>A held STATE that cannot be handled: the READ it answers fails with an ERROR reply.</summary>
    private void FailRequest(JsonObject state, string code, string message)
    {
        if (state.Get("re") is JsonNumber { IsInteger: true } n && n.Value >= 0 && _requests.TryRemove((ulong)n.Value, out var pending))
            pending.TrySetResult(new LinkReply(MessageType.Error, (JsonObject)JsonParser.Parse(Replies.Error((ulong)n.Value, code, message))));
    }

    // ---- the other way: blobs an APPLY named, asked for by the adapter ----

    /// <summary>
    /// Remembers the blobs a request names, so the adapter's BLOB_WANT for them is answered. Only a
    /// request with a member where BlobReferences finds blobs (a mesh's, an image's, a skin's, an
    /// animation's) is parsed.
    /// </summary>
    private void Offer(ulong seq, string json)
    {
        if (Store == null || !BlobReferences.MayName(json)) return;
        var named = BlobReferences.In(JsonParser.Parse(json));
        if (named.Count > 0) lock (_offered) _offered[seq] = new HashSet<string>(named, StringComparer.Ordinal);
    }

    private void Withdraw(ulong seq)
    {
        lock (_offered) _offered.Remove(seq);
    }

    /// <summary>The adapter's BLOB_WANT: chunks from the store for the blobs the named request offered, BLOB_GONE for the rest.</summary>
    private async Task BlobWantAsync(Frame frame, JsonObject payload, CancellationToken cancel)
    {
        BlobWant want;
        try { want = BlobWant.Read(payload); }
        catch (JsonFieldException e) { throw SessionEnded.BadFields("BLOB_WANT", e); }
        HashSet<string>? offered;
        lock (_offered) _offered.TryGetValue(want.Re, out offered);
        var serve = new List<WantedBlob>();
        var gone = new List<string>();
        foreach (var w in want.Blobs)
            if (offered != null && offered.Contains(w.Id) && (Store!.Has(w.Id) || Store.Follow(w.Id) is { } arriving && Dispose(arriving))) serve.Add(w);
            else gone.Add(w.Id);
        if (gone.Count > 0)
        {
            _server.Log.Write("blob_gone", null, Engine, _remote, $"BLOB_WANT for {gone.Count} blob(s) message {want.Re} did not name or the store does not hold: BLOB_GONE");
            await SendAsync(MessageType.BlobGone, new BlobGone(want.Re, gone).ToJson(), cancel, flush: true).ConfigureAwait(false);
        }
        if (serve.Count > 0) _ = Task.Run(() => ServeBlobsAsync(want.Re, serve, _end.Token));
    }

    /// <summary>Streams the wanted blobs from the store, a chunk at a time (one buffer, never a whole blob).</summary>
    private async Task ServeBlobsAsync(ulong re, IReadOnlyList<WantedBlob> blobs, CancellationToken cancel)
    {
        try
        {
            await _serving.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                int chunkBytes = _server.Options.ChunkBytes;
                var buffer = new byte[BlobChunk.HeaderSize + chunkBytes];
                var gone = new List<string>();
                foreach (var w in blobs)
                {
                    var sent = Store!.Has(w.Id) ? await SendHeldAsync(w, buffer, cancel).ConfigureAwait(false) : await SendArrivingAsync(w, buffer, cancel).ConfigureAwait(false);
                    if (sent == null)
                    {
                        gone.Add(w.Id);
                        continue;
                    }
                    // What went out, a line per blob as the "blob" line says what came in (`vibesync bench content` counts both, by blob).
                    _server.Log.Write("blob_served", null, Engine, _remote, $"blob {w.Id} for message {re} sent: {sent.Value.Bytes:N0} bytes in {sent.Value.Chunks} BLOB_CHUNK frame(s)");
                }
                if (gone.Count > 0) await SendAsync(MessageType.BlobGone, new BlobGone(re, gone).ToJson(), cancel, flush: true).ConfigureAwait(false);
            }
            finally { _serving.Release(); }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The session ended mid-transfer: the adapter asks again (with what it kept) in the next one.
        }
    }

    /// <summary>Sends a held blob from the store's file, from the offset asked (past the end: from 0). Null when it is gone.</summary>
    private async Task<(long Bytes, int Chunks)?> SendHeldAsync(WantedBlob w, byte[] buffer, CancellationToken cancel, long? from = null)
    {
        BlobShape shape;
        FileStream file;
        try { (shape, file) = Store!.OpenPayload(w.Id); }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException) { return null; }
        int chunks = 0;
        long bytes = 0;
        using (file)
        {
            long start = from ?? (w.Offset <= shape.ByteLength ? w.Offset : 0); // an offset past the end restarts it
            file.Position += start;
            foreach (var (offset, length) in BlobChunk.Spans(shape.ByteLength, start, buffer.Length - BlobChunk.HeaderSize))
            {
                file.ReadExactly(buffer.AsSpan(BlobChunk.HeaderSize, length));
                await SendChunkAsync(w.Id, shape, offset, length, buffer, cancel).ConfigureAwait(false);
                chunks++;
                bytes += length;
            }
        }
        return (bytes, chunks);
    }

    /// <summary>
    /// Forwards a blob while another engine's transfer writes it (from 0: what an adapter asks), in
    /// chunks of what has arrived. A transfer that fails or stalls ends it: the rest comes from the
    /// store if the blob is there by then, else null (BLOB_GONE; the APPLY naming it asks again).
    /// </summary>
    private async Task<(long Bytes, int Chunks)?> SendArrivingAsync(WantedBlob w, byte[] buffer, CancellationToken cancel)
    {
        using var follower = Store!.Follow(w.Id);
        // An empty blob has nothing to overlap: it is sent from the store (gone if not there yet; the APPLY asks again).
        if (follower == null || await follower.ShapeAsync(ForwardIdle, cancel).ConfigureAwait(false) is not { ByteLength: > 0 } shape)
            return Store.Has(w.Id) ? await SendHeldAsync(w, buffer, cancel).ConfigureAwait(false) : null;
        long offset = 0;
        int chunks = 0;
        while (offset < shape.ByteLength)
        {
            int n = await follower.ReadAsync(offset, buffer.AsMemory(BlobChunk.HeaderSize), ForwardIdle, cancel).ConfigureAwait(false);
            if (n == 0)
            {
                // Stopped short: the rest from the store when it holds the blob now, else the receiver is told it is gone.
                if (!Store.Has(w.Id)) return null;
                var rest = await SendHeldAsync(w, buffer, cancel, from: offset).ConfigureAwait(false);
                return rest == null ? null : (offset + rest.Value.Bytes, chunks + rest.Value.Chunks);
            }
            await SendChunkAsync(w.Id, shape, offset, n, buffer, cancel).ConfigureAwait(false);
            offset += n;
            chunks++;
        }
        return (offset, chunks);
    }

    /// <summary>Sends one BLOB_CHUNK whose data already sits in <paramref name="buffer"/> after the chunk header.</summary>
    private async Task SendChunkAsync(string id, BlobShape shape, long offset, int length, byte[] buffer, CancellationToken cancel)
    {
        BlobChunk.Encode(id, shape, offset, ReadOnlySpan<byte>.Empty, buffer); // the header in front of the data read in place
        await SendBytesAsync(MessageType.BlobChunk, buffer.AsMemory(0, BlobChunk.HeaderSize + length), cancel).ConfigureAwait(false);
        TouchBlobs();
    }

    private static bool Dispose(IDisposable d)
    {
        d.Dispose();
        return true;
    }

    private void TouchBlobs() => Interlocked.Exchange(ref _blobProgressMs, _server.Time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>When the last chunk went in or out (extends an answer's deadline while chunks flow).</summary>
    private DateTimeOffset LastBlobProgress => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _blobProgressMs));

    /// <summary>Sends a frame with a binary payload (BLOB_CHUNK) at once.</summary>
    private async Task SendBytesAsync(byte type, ReadOnlyMemory<byte> payload, CancellationToken cancel)
    {
        await _send.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            await FlushOutboxAsync(cancel).ConfigureAwait(false);
            await WriteAsync(FrameCodec.Encode(_sendKeys.ServerToClient, new Frame(type, _nextOut++, _server.Time.GetUtcNow().ToUnixTimeMilliseconds(), payload)), cancel).ConfigureAwait(false);
        }
        finally { _send.Release(); }
    }

    /// <summary>The session ended: transfers stop (what came is kept in the store for a resume), held messages are dropped (the adapter reports again).</summary>
    private void EndBlobs()
    {
        _assembler?.Dispose();
        _held.Clear();
    }
}
