using System.Runtime.InteropServices;
using System.Text;
using VibeSync.Blobs;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;

namespace VibeSync.Link.Tests;

/// <summary>
/// Blob transfer on the link (docs/protocol.md §12.2) against a real <see cref="LinkServer"/> on
/// loopback with a raw client: a SCENE naming blobs the store lacks is held while BLOB_WANT brings
/// them, blobs the store holds are never asked for, an interrupted transfer resumes in the next
/// session, refusals name their blob and leave the session up, and a 60 MB blob crosses both ways
/// in chunks with the server's memory bounded. Forwarding: blobs one engine sends are offered to the
/// other engine and stream to it while they arrive, never resent, never completed if refused.
/// </summary>
[Collection(ProcessMemory.Collection)] // a test here measures the process's memory: nothing else may allocate meanwhile
public sealed class BlobTransferTests : IAsyncLifetime
{
    private const string MeshUuid = "00000000-0000-4000-8000-000000000009";
    private readonly RecordingHost _host = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-blobs-" + Guid.NewGuid().ToString("N"));
    private readonly StringWriter _log = new();
    private readonly Dictionary<string, byte[]> _keys = new() { [Engines.Blender] = new byte[32], [Engines.Unity] = Enumerable.Repeat((byte)7, 32).ToArray() };
    private BlobStore _store = null!;
    private LinkServer _server = null!;

    public Task InitializeAsync()
    {
        _store = BlobStore.Open(_dir);
        _server = new LinkServer(new LinkOptions(), _keys, _host, new LinkLog(TextWriter.Synchronized(_log), TimeProvider.System), TimeProvider.System, _store);
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<LinkClient> ConnectAsync() => LinkClient.ConnectAsync(_server.Port, Engines.Blender, _keys[Engines.Blender]);

    /// <summary>Positions and indices of a small mesh, as blobs: (id, shape, bytes).</summary>
    private static (string Id, BlobShape Shape, byte[] Bytes) Floats(int vertices, int seed)
    {
        var r = new Random(seed);
        var values = Enumerable.Range(0, vertices * 3).Select(_ => (float)(r.NextDouble() * 20 - 10)).ToArray();
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var shape = new BlobShape(BlobElement.F32, 3, vertices);
        return (BlobId.Of(shape, bytes), shape, bytes);
    }

    private static (string Id, BlobShape Shape, byte[] Bytes) Indices(params uint[] indices)
    {
        var bytes = MemoryMarshal.AsBytes(indices.AsSpan()).ToArray();
        var shape = new BlobShape(BlobElement.U32, 1, indices.Length);
        return (BlobId.Of(shape, bytes), shape, bytes);
    }

    private static string SceneJson(int vertices, string positions, string indices) =>
        $"{{\"objects\": [], \"materials\": [], \"meshes\": [{{\"uuid\": \"{MeshUuid}\", \"vertex_count\": {vertices}, \"attributes\": {{\"POSITION\": \"{positions}\"}}, " +
        $"\"primitives\": [{{\"material\": 0, \"indices\": \"{indices}\"}}], \"derived\": []}}]}}";

    private static string SceneMessage(string scene)
    {
        var root = Hex.Encode(SceneHasher.Hash(SceneJsonReader.ReadCanonicalRecords(JsonParser.Parse(scene))).Root);
        return $"{{\"generation\": 1, \"root\": \"{root}\", \"scene\": {scene}}}";
    }

    private static JsonObject Json(Frame f) => (JsonObject)JsonParser.Parse(Encoding.UTF8.GetString(f.Payload.Span));

    private static async Task<Frame> NextAsync(LinkClient client, params byte[] types)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var f = await client.ReceiveAsync(timeout.Token) ?? throw new IOException("closed");
            if (types.Contains(f.Type)) return f;
        }
    }

    private static async Task SendBlobAsync(LinkClient client, (string Id, BlobShape Shape, byte[] Bytes) blob, long from = 0, int chunkBytes = BlobChunk.DefaultChunkBytes, int? stopAfter = null)
    {
        int sent = 0;
        foreach (var (offset, length) in BlobChunk.Spans(blob.Bytes.Length, from, chunkBytes))
        {
            if (stopAfter == sent++) return;
            await client.SendBytesAsync(MessageType.BlobChunk, BlobChunk.Encode(blob.Id, blob.Shape, offset, blob.Bytes.AsSpan((int)offset, length)));
        }
    }

    private static Dictionary<string, long> Wanted(Frame want) =>
        Protocol.Link.BlobWant.Read(Json(want)).Blobs.ToDictionary(b => b.Id, b => b.Offset);

    [Fact]
    public async Task a_scene_naming_blobs_the_store_lacks_is_held_until_they_arrive_verified_and_durable()
    {
        var positions = Floats(4, 1);
        var indices = Indices(0, 1, 2, 2, 1, 3);
        using var client = await ConnectAsync();
        ulong seq = await client.SendAsync(MessageType.Scene, SceneMessage(SceneJson(4, positions.Id, indices.Id)));
        var want = await NextAsync(client, MessageType.BlobWant, MessageType.Ack, MessageType.Error);
        Assert.Equal(MessageType.BlobWant, want.Type);
        Assert.Equal(seq, (ulong)((JsonNumber)Json(want).Get("re")!).Value);
        Assert.Equal(new Dictionary<string, long> { [positions.Id] = 0, [indices.Id] = 0 }, Wanted(want));
        Assert.Null(_host.Scene); // held: nothing naming a blob is handled before it verified

        await SendBlobAsync(client, positions, chunkBytes: 7); // pieces that split floats
        Assert.Null(_host.Scene);
        await SendBlobAsync(client, indices);
        var ack = await NextAsync(client, MessageType.Ack, MessageType.Error);
        Assert.True(ack.Type == MessageType.Ack, Encoding.UTF8.GetString(ack.Payload.Span));
        Assert.Equal(seq, (ulong)((JsonNumber)Json(ack).Get("re")!).Value);
        Assert.NotNull(_host.Scene);
        Assert.True(_store.Has(positions.Id) && _store.Has(indices.Id));
        Assert.Equal(positions.Bytes, _store.Read(positions.Id).Payload);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir, ".partial")));
    }

    [Fact]
    public async Task a_blob_the_orchestrator_has_is_never_asked_for_again()
    {
        var positions = Floats(4, 2);
        var indices = Indices(0, 1, 2);
        _store.Put(positions.Shape, positions.Bytes);
        using var client = await ConnectAsync();
        await client.SendAsync(MessageType.Scene, SceneMessage(SceneJson(4, positions.Id, indices.Id)));
        var want = await NextAsync(client, MessageType.BlobWant, MessageType.Ack);
        Assert.Equal(new Dictionary<string, long> { [indices.Id] = 0 }, Wanted(want)); // only what it lacks
        await SendBlobAsync(client, indices);
        Assert.Equal(MessageType.Ack, (await NextAsync(client, MessageType.Ack, MessageType.Error)).Type);

        // The same scene again (a rebind): everything is held, so no BLOB_WANT at all, at once an ACK.
        var frames = new List<byte>();
        ulong again = await client.SendAsync(MessageType.Scene, SceneMessage(SceneJson(4, positions.Id, indices.Id)));
        while (true)
        {
            var f = await NextAsync(client, MessageType.BlobWant, MessageType.Ack, MessageType.Error);
            frames.Add(f.Type);
            if (f.Type != MessageType.BlobWant) break;
        }
        Assert.Equal(new[] { MessageType.Ack }, frames);
    }

    [Fact]
    public async Task an_interrupted_transfer_resumes_from_what_was_kept_in_the_next_session()
    {
        var positions = Floats(200_000, 3); // 2.4 MB: three chunks
        var indices = Indices(0, 1, 2);
        _store.Put(indices.Shape, indices.Bytes);
        using (var first = await ConnectAsync())
        {
            await first.SendAsync(MessageType.Scene, SceneMessage(SceneJson(200_000, positions.Id, indices.Id)));
            Assert.Equal(0, Wanted(await NextAsync(first, MessageType.BlobWant))[positions.Id]);
            await SendBlobAsync(first, positions, stopAfter: 1);
            Assert.Equal(MessageType.Ack, (await first.HeartbeatAsync()).Type); // the chunk was read before the disconnect
        }
        for (int i = 0; i < 100 && _store.PartialLength(positions.Id) < BlobChunk.DefaultChunkBytes; i++) await Task.Delay(20);
        Assert.Equal(BlobChunk.DefaultChunkBytes, _store.PartialLength(positions.Id));
        Assert.False(_store.Has(positions.Id)); // never used half

        using var second = await ConnectAsync();
        await second.SendAsync(MessageType.Scene, SceneMessage(SceneJson(200_000, positions.Id, indices.Id)));
        var offset = Wanted(await NextAsync(second, MessageType.BlobWant))[positions.Id];
        Assert.Equal(BlobChunk.DefaultChunkBytes, offset);
        int chunks = BlobChunk.Spans(positions.Bytes.Length, offset, BlobChunk.DefaultChunkBytes).Count();
        Assert.Equal(2, chunks); // the first megabyte is not sent again
        await SendBlobAsync(second, positions, from: offset);
        var ack = await NextAsync(second, MessageType.Ack, MessageType.Error);
        Assert.True(ack.Type == MessageType.Ack, Encoding.UTF8.GetString(ack.Payload.Span));
        Assert.Equal(positions.Bytes, _store.Read(positions.Id).Payload);
    }

    [Fact]
    public async Task a_sender_that_restarts_from_zero_after_a_disconnect_is_taken_too()
    {
        var positions = Floats(100_000, 4);
        var indices = Indices(0, 1, 2);
        _store.Put(indices.Shape, indices.Bytes);
        using (var first = await ConnectAsync())
        {
            await first.SendAsync(MessageType.Scene, SceneMessage(SceneJson(100_000, positions.Id, indices.Id)));
            await NextAsync(first, MessageType.BlobWant);
            await SendBlobAsync(first, positions, chunkBytes: 100_000, stopAfter: 2);
            await first.HeartbeatAsync();
        }
        using var second = await ConnectAsync();
        await second.SendAsync(MessageType.Scene, SceneMessage(SceneJson(100_000, positions.Id, indices.Id)));
        Assert.Equal(200_000, Wanted(await NextAsync(second, MessageType.BlobWant))[positions.Id]);
        await SendBlobAsync(second, positions); // ignores the offset: starts again
        Assert.Equal(MessageType.Ack, (await NextAsync(second, MessageType.Ack, MessageType.Error)).Type);
        Assert.Equal(positions.Bytes, _store.Read(positions.Id).Payload);
    }

    [Theory]
    [InlineData("order", "BLOB_CHUNK_ORDER")]
    [InlineData("corrupt", "BLOB_CORRUPT")]
    [InlineData("gone", "BLOB_MISSING")]
    [InlineData("too_large", "BLOB_TOO_LARGE")]
    public async Task a_refused_blob_is_named_with_its_code_the_scene_fails_and_the_session_stays_up(string fault, string code)
    {
        var positions = Floats(100_000, 5);
        var indices = Indices(0, 1, 2);
        _store.Put(indices.Shape, indices.Bytes);
        await using var small = fault == "too_large" ? new LinkServer(new LinkOptions { MaxBlobBytes = 1000 }, _keys, _host, new LinkLog(TextWriter.Null), TimeProvider.System, _store) : null;
        small?.Start();
        using var client = small == null ? await ConnectAsync() : await LinkClient.ConnectAsync(small.Port, Engines.Blender, _keys[Engines.Blender]);
        int trustBefore = (small ?? _server).Status().Engines.Single(e => e.Engine == Engines.Blender).Trust;
        ulong scene = await client.SendAsync(MessageType.Scene, SceneMessage(SceneJson(100_000, positions.Id, indices.Id)));
        await NextAsync(client, MessageType.BlobWant);
        switch (fault)
        {
            case "order":
                await client.SendBytesAsync(MessageType.BlobChunk, BlobChunk.Encode(positions.Id, positions.Shape, 1000, positions.Bytes.AsSpan(1000, 1000)));
                break;
            case "corrupt":
                var bad = (byte[])positions.Bytes.Clone();
                bad[3] ^= 0x40; // the first float's exponent
                await SendBlobAsync(client, (positions.Id, positions.Shape, bad));
                break;
            case "gone":
                await client.SendAsync(MessageType.BlobGone, $"{{\"re\": {scene}, \"ids\": [\"{positions.Id}\"]}}");
                break;
            default:
                await SendBlobAsync(client, positions, stopAfter: 1);
                break;
        }
        var errors = new List<JsonObject>();
        while (errors.Count < (fault == "gone" ? 1 : 2)) errors.Add(Json(await NextAsync(client, MessageType.Error, MessageType.Ack)));
        Assert.All(errors, e => Assert.Equal(code, ((JsonString)e.Get("code")!).Value));
        Assert.All(errors, e => Assert.Contains(positions.Id, ((JsonString)e.Get("message")!).Value));
        Assert.Contains(errors, e => (ulong)((JsonNumber)e.Get("re")!).Value == scene); // the SCENE itself failed
        Assert.Null(_host.Scene);
        Assert.False(_store.Has(positions.Id));
        Assert.Equal(MessageType.Ack, (await client.HeartbeatAsync()).Type); // the session is up
        int trustAfter = (small ?? _server).Status().Engines.Single(e => e.Engine == Engines.Blender).Trust;
        if (code is "BLOB_MISSING" or "BLOB_TOO_LARGE") Assert.Equal(trustBefore, trustAfter); // not the adapter's misbehaviour
        else Assert.True(trustAfter < trustBefore, $"{code} should cost trust");
    }

    [Fact]
    public async Task a_chunk_of_a_blob_nobody_asked_for_is_junk_that_costs_trust_and_ends_nothing()
    {
        var positions = Floats(10, 6);
        using var client = await ConnectAsync();
        await client.SendBytesAsync(MessageType.BlobChunk, BlobChunk.Encode(positions.Id, positions.Shape, 0, positions.Bytes));
        var e = Json(await NextAsync(client, MessageType.Error));
        Assert.Equal("BLOB_CHUNK_ORDER", ((JsonString)e.Get("code")!).Value);
        await client.SendBytesAsync(MessageType.BlobChunk, new byte[10]);
        Assert.Equal("MALFORMED", ((JsonString)Json(await NextAsync(client, MessageType.Error)).Get("code")!).Value);
        Assert.Equal(MessageType.Ack, (await client.HeartbeatAsync()).Type);
        Assert.False(_store.Has(positions.Id));
        Assert.True(_server.Status().Engines.Single(s => s.Engine == Engines.Blender).Trust < 100);
    }

    /// <summary>A big deterministic float blob made a piece at a time (the test never holds it whole): its shape, a piece of it, its name.</summary>
    private static (BlobShape Shape, Func<long, int, byte[]> Piece, string Id) Big(long vertices, int period)
    {
        var shape = new BlobShape(BlobElement.F32, 3, vertices);
        byte[] Piece(long offset, int length)
        {
            var bytes = new byte[length];
            for (int i = 0; i < length / 4; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), (float)(((offset / 4 + i) % period) * 0.001));
            return bytes;
        }
        using var hasher = new BlobHasher(shape);
        foreach (var (o, l) in BlobChunk.Spans(shape.ByteLength, 0, 1 << 20)) hasher.Append(Piece(o, l));
        return (shape, Piece, hasher.Finish());
    }

    /// <summary>Writes a big blob into the store a chunk at a time.</summary>
    private (string Id, BlobShape Shape) PutBig(long vertices)
    {
        var (shape, Piece, id) = Big(vertices, 10007);
        using var incoming = _store.Receive(id);
        foreach (var (o, l) in BlobChunk.Spans(shape.ByteLength, 0, 1 << 20)) incoming.Append(shape, Piece(o, l));
        incoming.Complete(id, shape);
        return (id, shape);
    }

    [Fact]
    public async Task a_60_mb_blob_an_apply_names_crosses_in_chunks_with_the_server_memory_bounded()
    {
        var (id, shape) = PutBig(5_000_000); // 60 MB of positions
        using var client = await ConnectAsync();
        await client.HeartbeatAsync();
        long baseline = GC.GetTotalMemory(forceFullCollection: true), peak = baseline;
        var apply = _server.RequestAsync(Engines.Blender, MessageType.Apply,
            $"{{\"intent\": 1, \"operations\": [{{\"op\": \"replace_mesh\", \"uuid\": \"{MeshUuid}\", \"vertex_count\": 5000000, \"attributes\": {{\"POSITION\": \"{id}\"}}, \"primitives\": [], \"derived\": []}}]}}",
            TimeSpan.FromSeconds(2)); // shorter than the transfer takes: the deadline extends while chunks flow
        var request = await NextAsync(client, MessageType.Apply);
        await client.SendAsync(MessageType.BlobWant, $"{{\"re\": {request.Sequence}, \"blobs\": [{{\"id\": \"{id}\", \"offset\": 0}}]}}");
        using var hasher = new BlobHasher(shape);
        int chunks = 0, largest = 0;
        while (hasher.Length < shape.ByteLength)
        {
            var f = await NextAsync(client, MessageType.BlobChunk, MessageType.BlobGone);
            Assert.Equal(MessageType.BlobChunk, f.Type);
            largest = Math.Max(largest, f.Payload.Length);
            var chunk = BlobChunk.Decode(f.Payload, BlobChunk.DefaultChunkBytes);
            Assert.Equal(hasher.Length, chunk.Offset);
            hasher.Append(chunk.Data.Span);
            chunks++;
            if (chunks % 8 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true)); // what is held, not garbage not yet collected
            if (chunks % 10 == 0) await Task.Delay(300); // a slow adapter: the APPLY's 2 s deadline must keep extending
        }
        Assert.Equal(id, hasher.Finish());
        await client.SendAsync(MessageType.Applied, $"{{\"re\": {request.Sequence}, \"intent\": 1, \"undo\": \"blender/1/1\"}}");
        var reply = await apply;
        Assert.Equal(MessageType.Applied, reply.Type);
        Assert.Equal((int)Math.Ceiling(shape.ByteLength / (double)BlobChunk.DefaultChunkBytes), chunks);
        Assert.True(largest <= BlobChunk.HeaderSize + BlobChunk.DefaultChunkBytes, $"a chunk payload of {largest} bytes");
        Assert.True(peak - baseline < 16L * 1024 * 1024, $"memory held grew by {(peak - baseline) / 1048576.0:F1} MiB serving a 60 MB blob");
    }

    [Fact]
    public async Task an_image_blob_an_apply_names_is_served_to_the_adapter_that_wants_it()
    {
        var png = new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 1, 2, 3 }; // only the bytes cross here; engines check the format
        var shape = new BlobShape(BlobElement.U8, 1, png.Length);
        string id = _store.Put(shape, png);
        using var client = await ConnectAsync();
        await client.HeartbeatAsync();
        var apply = _server.RequestAsync(Engines.Blender, MessageType.Apply,
            $"{{\"intent\": 2, \"operations\": [{{\"op\": \"create_image\", \"uuid\": \"{MeshUuid}\", \"name\": \"a.png\", \"mime\": \"image/png\", \"blob\": \"{id}\", \"width\": 1, \"height\": 1, \"color_space\": \"srgb\"}}]}}",
            TimeSpan.FromSeconds(10));
        var request = await NextAsync(client, MessageType.Apply);
        await client.SendAsync(MessageType.BlobWant, $"{{\"re\": {request.Sequence}, \"blobs\": [{{\"id\": \"{id}\", \"offset\": 0}}]}}");
        var f = await NextAsync(client, MessageType.BlobChunk, MessageType.BlobGone);
        Assert.Equal(MessageType.BlobChunk, f.Type); // was BLOB_GONE: only meshes' blobs were offered with an APPLY
        Assert.Equal(png, BlobChunk.Decode(f.Payload, BlobChunk.DefaultChunkBytes).Data.ToArray());
        await client.SendAsync(MessageType.Applied, $"{{\"re\": {request.Sequence}, \"intent\": 2, \"undo\": \"blender/1/2\"}}");
        Assert.Equal(MessageType.Applied, (await apply).Type);
    }

    [Fact]
    public async Task a_60_mb_blob_an_adapter_sends_is_streamed_to_the_store_with_memory_bounded()
    {
        var (shape, Piece, id) = Big(5_000_000, 9973);
        var indices = Indices(0, 1, 2);
        _store.Put(indices.Shape, indices.Bytes);
        using var client = await ConnectAsync();
        ulong seq = await client.SendAsync(MessageType.Scene, SceneMessage(SceneJson(5_000_000, id, indices.Id)));
        await NextAsync(client, MessageType.BlobWant);
        long baseline = GC.GetTotalMemory(forceFullCollection: true), peak = baseline;
        int sent = 0;
        foreach (var (o, l) in BlobChunk.Spans(shape.ByteLength, 0, 1 << 20))
        {
            await client.SendBytesAsync(MessageType.BlobChunk, BlobChunk.Encode(id, shape, o, Piece(o, l)));
            if (++sent % 8 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true)); // what the server holds of it, not garbage
        }
        var ack = await NextAsync(client, MessageType.Ack, MessageType.Error);
        Assert.True(ack.Type == MessageType.Ack, Encoding.UTF8.GetString(ack.Payload.Span));
        Assert.Equal(seq, (ulong)((JsonNumber)Json(ack).Get("re")!).Value);
        Assert.True(_store.Has(id));
        Assert.Equal(shape, _store.ShapeOf(id));
        Assert.True(peak - baseline < 16L * 1024 * 1024, $"memory held grew by {(peak - baseline) / 1048576.0:F1} MiB receiving a 60 MB blob");
    }

    [Fact]
    public async Task the_shared_adapter_exchange_holds_an_apply_until_its_blob_came_from_the_store_and_answers_wants_from_its_cache()
    {
        var positions = Floats(300_000, 7); // 3.6 MB: four chunks
        _store.Put(positions.Shape, positions.Bytes);
        using var client = await ConnectAsync();
        var cache = new BlobMemory();
        var posted = new List<Frame>();
        var exchange = new Protocol.Link.AdapterBlobExchange(cache, cache, client.Welcome.Limits, f => { lock (posted) posted.Add(f); },
            (type, json) => client.SendAsync(type, json).GetAwaiter().GetResult(), (type, bytes) => client.SendBytesAsync(type, bytes).GetAwaiter().GetResult(), _ => { });
        var apply = _server.RequestAsync(Engines.Blender, MessageType.Apply,
            $"{{\"intent\": 3, \"operations\": [{{\"op\": \"replace_mesh\", \"uuid\": \"{MeshUuid}\", \"vertex_count\": 300000, \"attributes\": {{\"POSITION\": \"{positions.Id}\"}}, \"primitives\": [], \"derived\": []}}]}}",
            TimeSpan.FromSeconds(10));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int chunks = 0;
        while (true)
        {
            var f = await client.ReceiveAsync(timeout.Token) ?? throw new IOException("closed");
            if (f.Type == MessageType.BlobChunk) chunks++;
            if (!exchange.Take(f)) continue;
            lock (posted) if (posted.Count > 0) break;
        }
        Assert.Equal(4, chunks);
        Assert.True(cache.TryGet(positions.Id, out _, out var held));
        Assert.Equal(positions.Bytes, held.ToArray());
        Assert.Equal(MessageType.Apply, posted.Single().Type); // handed on only now, with its blob in the cache
        await client.SendAsync(MessageType.Applied, $"{{\"re\": {posted.Single().Sequence}, \"intent\": 3, \"undo\": \"x\"}}");
        Assert.Equal(MessageType.Applied, (await apply).Type);

        // The other way: the orchestrator's BLOB_WANT (after a SCENE naming a blob it lacks) is answered from the cache.
        var indices = Indices(0, 1, 2);
        cache.Put(indices.Id, indices.Shape, indices.Bytes);
        await client.SendAsync(MessageType.Scene, SceneMessage(SceneJson(300_000, positions.Id, indices.Id)));
        while (true)
        {
            var f = await client.ReceiveAsync(timeout.Token) ?? throw new IOException("closed");
            if (f.Type == MessageType.Ack) break;
            Assert.NotEqual(MessageType.Error, f.Type);
            exchange.Take(f);
        }
        Assert.True(_store.Has(indices.Id));
    }

    /// <summary>
    /// The Unity side of a forwarding test: its session, the shared adapter exchange over a cache, and
    /// every BLOB_CHUNK it received with whether the store held that blob at that moment.
    /// </summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _reading;
        public readonly BlobMemory Cache = new();
        public readonly List<(string Id, bool StoreHadIt)> Chunks = new();
        public readonly List<Frame> Posted = new(), Offers = new(), Gone = new();

        public Receiver(LinkClient client, BlobStore store)
        {
            Client = client;
            var exchange = new Protocol.Link.AdapterBlobExchange(Cache, Cache, client.Welcome.Limits, f => { lock (Posted) Posted.Add(f); },
                (type, json) => client.SendAsync(type, json).GetAwaiter().GetResult(), (type, bytes) => client.SendBytesAsync(type, bytes).GetAwaiter().GetResult(), _ => { });
            _reading = Task.Run(async () =>
            {
                while (await client.ReceiveAsync(_stop.Token) is { } f)
                {
                    lock (Posted)
                    {
                        if (f.Type == MessageType.BlobChunk) { var id = Hex.Encode(f.Payload.Span[..32]); Chunks.Add((id, store.Has(id))); }
                        if (f.Type == MessageType.BlobOffer) Offers.Add(f);
                        if (f.Type == MessageType.BlobGone) Gone.Add(f);
                    }
                    exchange.Take(f);
                }
            });
        }

        public LinkClient Client { get; }

        public async Task UntilAsync(Func<bool> done)
        {
            for (var until = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < until; await Task.Delay(10))
                lock (Posted) if (done()) return;
            throw new TimeoutException("the receiver never got there");
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            try { await _reading; } catch (Exception e) when (e is OperationCanceledException or IOException) { }
            Client.Dispose();
        }
    }

    [Fact]
    public async Task a_blob_one_engine_sends_is_forwarded_to_the_other_while_it_arrives_and_a_blob_it_holds_is_not_resent()
    {
        var positions = Floats(300_000, 11); // 3.6 MB: four chunks
        var indices = Indices(0, 1, 2);
        await using var unity = new Receiver(await LinkClient.ConnectAsync(_server.Port, Engines.Unity, _keys[Engines.Unity]), _store);
        unity.Cache.Put(indices.Id, indices.Shape, indices.Bytes); // Unity holds the indices already
        using var blender = await ConnectAsync();
        await blender.SendAsync(MessageType.Scene, SceneMessage(SceneJson(300_000, positions.Id, indices.Id)));
        var want = await NextAsync(blender, MessageType.BlobWant);
        Assert.Equal(2, Wanted(want).Count);

        await SendBlobAsync(blender, positions, stopAfter: 2); // half of it, then the sender pauses
        await unity.UntilAsync(() => unity.Chunks.Count > 0);
        await Task.Delay(200);
        lock (unity.Posted)
        {
            Assert.Equal(Wanted(want).Keys.OrderBy(k => k), Protocol.Link.BlobOffer.Read(Json(Assert.Single(unity.Offers))).Ids.OrderBy(k => k)); // offered what Blender was asked for
            Assert.All(unity.Chunks, c => Assert.False(c.StoreHadIt)); // forwarded while it arrives: the store did not hold it yet
            Assert.True(unity.Chunks.Count <= 2);
            Assert.False(unity.Cache.Has(positions.Id));
        }

        await SendBlobAsync(blender, positions, from: 2L << 20);
        await SendBlobAsync(blender, indices);
        var ack = await NextAsync(blender, MessageType.Ack, MessageType.Error);
        Assert.True(ack.Type == MessageType.Ack, Encoding.UTF8.GetString(ack.Payload.Span));
        await unity.UntilAsync(() => unity.Cache.Has(positions.Id));
        Assert.True(unity.Cache.TryGet(positions.Id, out _, out var got));
        Assert.Equal(positions.Bytes, got.ToArray());
        lock (unity.Posted)
        {
            Assert.Equal(4, unity.Chunks.Count(c => c.Id == positions.Id)); // each byte once
            Assert.DoesNotContain(unity.Chunks, c => c.Id == indices.Id);  // held already: never sent
        }

        // The APPLY that names them goes on at once: nothing is asked for again.
        var apply = _server.RequestAsync(Engines.Unity, MessageType.Apply,
            $"{{\"intent\": 4, \"operations\": [{{\"op\": \"replace_mesh\", \"uuid\": \"{MeshUuid}\", \"vertex_count\": 300000, \"attributes\": {{\"POSITION\": \"{positions.Id}\"}}, \"primitives\": [{{\"material\": 0, \"indices\": \"{indices.Id}\"}}], \"derived\": []}}]}}",
            TimeSpan.FromSeconds(10));
        await unity.UntilAsync(() => unity.Posted.Count == 1);
        await unity.Client.SendAsync(MessageType.Applied, $"{{\"re\": {unity.Posted[0].Sequence}, \"intent\": 4, \"undo\": \"x\"}}");
        Assert.Equal(MessageType.Applied, (await apply).Type);
        Assert.Equal(4, unity.Chunks.Count);
        Assert.Contains("blob_offer", _log.ToString());
    }

    [Fact]
    public async Task a_forwarded_blob_the_store_refuses_never_completes_at_the_other_engine_which_is_told_it_is_gone()
    {
        var positions = Floats(300_000, 12);
        var indices = Indices(0, 1, 2);
        _store.Put(indices.Shape, indices.Bytes);
        await using var unity = new Receiver(await LinkClient.ConnectAsync(_server.Port, Engines.Unity, _keys[Engines.Unity]), _store);
        using var blender = await ConnectAsync();
        await blender.SendAsync(MessageType.Scene, SceneMessage(SceneJson(300_000, positions.Id, indices.Id)));
        await NextAsync(blender, MessageType.BlobWant);
        var bad = positions.Bytes.ToArray();
        bad[^1] ^= 0x40; // the last byte: every chunk but the verdict looks right
        await SendBlobAsync(blender, (positions.Id, positions.Shape, bad), stopAfter: 2);
        await unity.UntilAsync(() => unity.Chunks.Count > 0); // forwarding has begun
        await SendBlobAsync(blender, (positions.Id, positions.Shape, bad), from: 2L << 20);
        var error = await NextAsync(blender, MessageType.Error);
        Assert.Equal("BLOB_CORRUPT", ((JsonString)Json(error).Get("code")!).Value);
        await unity.UntilAsync(() => unity.Gone.Count > 0);
        lock (unity.Posted)
        {
            Assert.Contains(positions.Id, Protocol.Link.BlobGone.Read(Json(unity.Gone[0])).Ids);
            Assert.False(unity.Cache.Has(positions.Id));
            long forwarded = unity.Chunks.Count(c => c.Id == positions.Id);
            Assert.InRange(forwarded, 1, 3); // never the last chunk
        }
        Assert.False(_store.Has(positions.Id));
    }
}
