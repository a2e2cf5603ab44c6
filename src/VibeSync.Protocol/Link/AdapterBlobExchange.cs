// Design rationale (docs/protocol.md §12.2): the adapter's half of blob transfer, run on the
// link's reading thread so the editor's main thread never waits for a chunk. An APPLY naming
// blobs the cache lacks is held (with every APPLY after it: intents keep their order) while
// BLOB_WANT brings them; it reaches the main thread only once every blob it names verified and is
// in the cache. The orchestrator's BLOB_WANT is answered from the cache. A BLOB_OFFER (blobs
// another engine is sending the orchestrator) is taken up at once, so the blob is here, or on its
// way, when the APPLY naming it comes; what no APPLY claims is bounded in bytes and the oldest is
// dropped. The Python twin is vibesync_blender/link/blob_exchange.py.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Json;

namespace VibeSync.Protocol.Link
{
    /// <summary>The adapter's blob exchange for one session (the Unity core's link runs it). Thread-safe.</summary>
    public sealed class AdapterBlobExchange
    {
        /// <summary>APPLYs held at most while their blobs arrive.</summary>
        public const int MaxHeld = 256;

        private readonly IBlobSource _blobsHeld;
        private readonly BlobMemory _received;
        private readonly long _maxUnclaimedBytes;
        private readonly LinkedList<(string Id, long Bytes)> _unclaimed = new LinkedList<(string, long)>(); // offered blobs received, no APPLY named yet; oldest first
        private readonly HashSet<string> _offeredInFlight = new HashSet<string>(StringComparer.Ordinal);   // wanted for an offer, not complete
        private long _unclaimedBytes;
        private readonly int _chunkBytes;
        private readonly Action<Frame> _post;
        private readonly Action<byte, string> _send;
        private readonly Action<byte, byte[]> _sendBytes;
        private readonly Action<string> _log;
        private readonly object _gate = new object();
        private readonly List<(Frame Frame, HashSet<string> Blobs)> _held = new List<(Frame, HashSet<string>)>();
        private readonly BlobAssembler _assembler;

        /// <summary>
        /// <paramref name="held"/> is every blob the adapter can give or use (what its scene holds and what it received);
        /// <paramref name="received"/> keeps the blobs that arrive (offered blobs no APPLY named are held
        /// up to <see cref="LinkLimits.BlobBytes"/> bytes together, then the oldest dropped). <paramref name="post"/> hands an APPLY whose blobs are all held on
        /// (to the main thread); <paramref name="send"/> and <paramref name="sendBytes"/> write JSON
        /// and binary frames on this session.
        /// </summary>
        public AdapterBlobExchange(IBlobSource held, BlobMemory received, LinkLimits limits, Action<Frame> post, Action<byte, string> send, Action<byte, byte[]> sendBytes, Action<string> log)
        {
            _blobsHeld = held;
            _received = received;
            _chunkBytes = (int)Math.Min(int.MaxValue - BlobChunk.HeaderSize, Math.Max(1, limits.ChunkBytes));
            _post = post;
            _send = send;
            _sendBytes = sendBytes;
            _log = log;
            _assembler = new BlobAssembler(limits.BlobBytes, limits.ChunkBytes);
            _maxUnclaimedBytes = limits.BlobBytes;
        }

        private bool Has(string id) => _blobsHeld.TryGet(id, out _, out _);

        /// <summary>Takes a blob transfer frame, or an APPLY; false for any other frame (the caller handles it).</summary>
        public bool Take(Frame frame)
        {
            switch (frame.Type)
            {
                case MessageType.Apply: ApplyArrived(frame); return true;
                case MessageType.BlobChunk: ChunkArrived(frame.Payload); return true;
                case MessageType.BlobWant:
                case MessageType.BlobGone:
                case MessageType.BlobOffer:
                    JsonObject o;
                    try { o = JsonFields.AsObject(JsonParser.Parse(Encoding.UTF8.GetString(frame.Payload.ToArray())), "payload"); }
                    catch (Exception e) when (e is JsonParseException || e is JsonFieldException || e is DecoderFallbackException) { _log($"VibeSync: a malformed {MessageType.Name(frame.Type)}: {e.Message}"); return true; }
                    try
                    {
                        if (frame.Type == MessageType.BlobWant) WantArrived(BlobWant.Read(o));
                        else if (frame.Type == MessageType.BlobOffer) OfferArrived(frame.Sequence, BlobOffer.Read(o));
                        else foreach (var id in BlobGone.Read(o).Ids) Fail(id, BlobTransferException.Missing, $"blob {id}: the orchestrator no longer holds it (BLOB_GONE)");
                    }
                    catch (JsonFieldException e) { _log($"VibeSync: a malformed {MessageType.Name(frame.Type)}: {e.Message}"); }
                    return true;
                default: return false;
            }
        }

        private void ApplyArrived(Frame frame)
        {
            IReadOnlyList<string> named;
            try { named = BlobReferences.In(JsonParser.Parse(Encoding.UTF8.GetString(frame.Payload.ToArray()))); }
            catch (Exception e) when (e is JsonParseException || e is DecoderFallbackException)
            {
                _post(frame); // the main thread's reader answers it MALFORMED
                return;
            }
            var missing = named.Where(id => !Has(id)).ToList();
            var want = new List<WantedBlob>();
            lock (_gate)
            {
                Claim(named);
                if (missing.Count == 0 && _held.Count == 0)
                {
                    _post(frame);
                    return;
                }
                if (_held.Count >= MaxHeld)
                {
                    Error(frame.Sequence, "RESOURCE_LIMIT", $"{MaxHeld} APPLYs already wait for blobs");
                    return;
                }
                _held.Add((frame, new HashSet<string>(missing, StringComparer.Ordinal)));
                foreach (var id in missing)
                    if (!_assembler.Wants(id) && want.Count < BlobWant.MaxBlobs) want.Add(new WantedBlob(id, _assembler.Want(id, new MemoryIncomingBlob((b, shape, data) => Received(b, shape, data)))));
            }
            if (want.Count > 0) _send(MessageType.BlobWant, new BlobWant(frame.Sequence, want).ToJson());
        }

        /// <summary>
        /// BLOB_OFFER: asks at once for the offered blobs this side neither holds nor is receiving (the
        /// APPLY naming them then finds them here, or on their way). Nothing is said when all are.
        /// </summary>
        private void OfferArrived(ulong seq, BlobOffer offer)
        {
            var want = new List<WantedBlob>();
            lock (_gate)
                foreach (var id in offer.Ids)
                    if (!Has(id) && !_assembler.Wants(id) && want.Count < BlobWant.MaxBlobs)
                    {
                        _offeredInFlight.Add(id);
                        want.Add(new WantedBlob(id, _assembler.Want(id, new MemoryIncomingBlob((b, shape, data) => Received(b, shape, data)))));
                    }
            if (want.Count > 0) _send(MessageType.BlobWant, new BlobWant(seq, want).ToJson());
        }

        /// <summary>A blob verified (called under the gate, by the assembler): kept; an offered one is unclaimed until an APPLY names it.</summary>
        private void Received(string id, BlobShape shape, ReadOnlyMemory<byte> data)
        {
            _received.Hold(id, shape, data);
            if (!_offeredInFlight.Remove(id)) return;
            _unclaimed.AddLast((id, data.Length));
            _unclaimedBytes += data.Length;
            while (_unclaimedBytes > _maxUnclaimedBytes && _unclaimed.First != null)
            {
                var oldest = _unclaimed.First.Value;
                _unclaimed.RemoveFirst();
                _unclaimedBytes -= oldest.Bytes;
                _received.Remove(oldest.Id);
                _log($"VibeSync: offered blob {oldest.Id} dropped unclaimed ({oldest.Bytes:N0} bytes): over {_maxUnclaimedBytes:N0} bytes of offers no APPLY named");
            }
        }

        /// <summary>An APPLY names these blobs: offered ones are the APPLY's now, no longer dropped for the bound (called under the gate).</summary>
        private void Claim(IReadOnlyList<string> named)
        {
            if (_unclaimed.Count == 0 && _offeredInFlight.Count == 0) return;
            var ids = new HashSet<string>(named, StringComparer.Ordinal);
            _offeredInFlight.ExceptWith(ids);
            for (var node = _unclaimed.First; node != null;)
            {
                var next = node.Next;
                if (ids.Contains(node.Value.Id))
                {
                    _unclaimedBytes -= node.Value.Bytes;
                    _unclaimed.Remove(node);
                }
                node = next;
            }
        }

        private void ChunkArrived(ReadOnlyMemory<byte> payload)
        {
            try
            {
                lock (_gate) _assembler.Accept(payload);
            }
            catch (BlobTransferException e)
            {
                _log($"VibeSync: a blob chunk was refused: {e.Code}: {e.Message}");
                bool stillWanted;
                lock (_gate) stillWanted = e.BlobId != null && _assembler.Wants(e.BlobId);
                if (e.BlobId != null && !stillWanted) Fail(e.BlobId, e.Code, e.Message);
                return;
            }
            Release();
        }

        private void Release()
        {
            var ready = new List<Frame>();
            lock (_gate)
                while (_held.Count > 0 && _held[0].Blobs.All(Has))
                {
                    ready.Add(_held[0].Frame);
                    _held.RemoveAt(0);
                }
            foreach (var f in ready) _post(f);
        }

        private void Fail(string blob, string code, string why)
        {
            var failed = new List<Frame>();
            lock (_gate)
            {
                var still = new HashSet<string>(StringComparer.Ordinal);
                for (int i = _held.Count - 1; i >= 0; i--)
                    if (_held[i].Blobs.Contains(blob)) { failed.Insert(0, _held[i].Frame); _held.RemoveAt(i); }
                    else still.UnionWith(_held[i].Blobs);
                foreach (var id in _assembler.Wanted.ToList()) if (!still.Contains(id) && !_offeredInFlight.Contains(id)) _assembler.Abandon(id);
                if (_offeredInFlight.Remove(blob)) _assembler.Abandon(blob); // an offer the orchestrator withdrew (BLOB_GONE) or that failed
            }
            foreach (var f in failed) Error(f.Sequence, code, $"APPLY names blob {blob}, which did not arrive: {why}; nothing was applied");
            Release();
        }

        private void Error(ulong re, string code, string message) =>
            _send(MessageType.Error, Replies.Error(re, code, message));

        private void WantArrived(BlobWant want)
        {
            var gone = new List<string>();
            foreach (var w in want.Blobs)
            {
                if (!_blobsHeld.TryGet(w.Id, out var shape, out var data)) { gone.Add(w.Id); continue; }
                long from = w.Offset <= data.Length ? w.Offset : 0;
                foreach (var (offset, length) in BlobChunk.Spans(data.Length, from, _chunkBytes))
                    _sendBytes(MessageType.BlobChunk, BlobChunk.Encode(w.Id, shape, offset, data.Span.Slice((int)offset, length)));
            }
            if (gone.Count > 0) _send(MessageType.BlobGone, new BlobGone(want.Re, gone).ToJson());
        }

        /// <summary>The session ended: held APPLYs and transfers are dropped (the orchestrator asks again in the next session).</summary>
        public void Reset()
        {
            lock (_gate)
            {
                _held.Clear();
                _assembler.Dispose();
                _offeredInFlight.Clear();
            }
        }
    }
}
