using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Unity.Meshes;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Threading;

namespace VibeSync.Unity.Link
{
    /// <summary>
    /// The adapter's session with the orchestrator: a background loop that only reads frames and
    /// posts them to the main-thread queue, and a heartbeat loop. Heartbeats are proof that the
    /// editor's main thread is alive: they carry the state it last published, say "busy" when it
    /// has been silent for 2 s, and stop when it has been silent for 5 s, so a hung editor trips the
    /// orchestrator's circuit breaker instead of pretending to be well.
    /// </summary>
    public sealed class AdapterLink : IDisposable
    {
        private readonly LinkClient _client;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private long _lastTickMs;
        private volatile string _state = "ready";
        // Frames leave in the order they were sent from the main thread (SCENE parts must): one writer drains this queue.
        private readonly System.Collections.Concurrent.ConcurrentQueue<(byte Type, string? Json, byte[]? Bytes)> _outbox = new System.Collections.Concurrent.ConcurrentQueue<(byte, string?, byte[]?)>();
        private AdapterBlobExchange? _blobs;
        private readonly SemaphoreSlim _pending = new SemaphoreSlim(0);
        private MainThreadQueue? _queue;

        private AdapterLink(LinkClient client, long generation)
        {
            _client = client;
            Generation = generation;
            _lastTickMs = Environment.TickCount;
        }

        /// <summary>The session id.</summary>
        public string SessionId => _client.SessionId;

        /// <summary>Called (from the background loop) when the session ends, with the reason.</summary>
        public event Action<string>? Closed;

        /// <summary>Frames sent that failed (the session was closing).</summary>
        public int SendFailures;

        /// <summary>
        /// Connects as the key file of <paramref name="instance"/> says (default <c>unity</c>:
        /// DIR/keys/unity.key; <c>unity:NAME</c>: DIR/keys/unity.NAME.key): over TLS 1.3 to its
        /// endpoints in order, pinning its certificate fingerprint, when it names any (an orchestrator
        /// across the LAN); else on loopback with the port in DIR/serve.json. HELLO says the editor's
        /// scene <paramref name="file"/> ("" when never saved) and its project <paramref name="stamp"/>
        /// ("" and this build's schema when it has none).
        /// </summary>
        /// <exception cref="LinkRefusedException">Refused: another project's scene, a schema or protocol the orchestrator does not speak,
        /// or <c>TLS_PIN_MISMATCH</c> (the orchestrator's certificate is not the one the key file pins).</exception>
        /// <exception cref="FormatException"><paramref name="instance"/> is not a Unity engine instance.</exception>
        public static async Task<AdapterLink> ConnectAsync(string dataDir, long generation, string file, ProjectStamp? stamp, CancellationToken cancel = default,
            string instance = Engines.Unity)
        {
            var engine = EngineInstance.Parse(instance);
            if (engine.Kind != Engines.Unity) throw new FormatException($"'{instance}' is not a Unity instance (unity or unity:NAME)");
            KeyFile keyFile;
            try { keyFile = KeyFile.Read(Path.Combine(dataDir, "keys", engine.KeyFileName)); }
            catch (InvalidDataException e) { throw new LinkRefusedException("BAD_KEY_FILE", e.Message); }
            var client = await LinkClient.ConnectAsync(keyFile, () => LoopbackPort(dataDir), instance, stamp != null ? stamp.Id : "", generation, cancel,
                schema: stamp != null ? stamp.Schema : ContentSchema.Current, file: file).ConfigureAwait(false);
            return new AdapterLink(client, generation);
        }

        private static int LoopbackPort(string dataDir)
        {
            var serve = JsonFields.AsObject(JsonParser.Parse(File.ReadAllText(Path.Combine(dataDir, "serve.json"))), "serve.json");
            return (int)JsonFields.Real(JsonFields.Required(serve, "", "link_port"), "link_port");
        }

        /// <summary>Where this session is connected over TLS, or null on loopback.</summary>
        public LinkEndpoint? Endpoint => _client.Endpoint;

        /// <summary>
        /// On the main thread, after the handshake: stamps the scene with WELCOME's project when it
        /// does not carry it, then starts reading (frames go to <paramref name="queue"/> for
        /// <paramref name="adapter"/>) and heartbeating. The blob exchange runs on the reading thread (docs/protocol.md §12.2): an APPLY
        /// reaches the adapter only once every blob it names is in the cache, and the orchestrator's
        /// BLOB_WANT is answered from the adapter's meshes, its textures' files and what it received.
        /// </summary>
        public void Start(UnityAdapter adapter, MainThreadQueue queue)
        {
            _blobs = new AdapterBlobExchange(new FirstOf(adapter.Received, adapter.Meshes, adapter.Images, adapter.Rigging), adapter.Received, _client.Welcome.Limits, frame => Post(adapter, queue, frame), (type, json) => Send(type, json),
                    (type, bytes) => SendBytes(type, bytes), message => { });
            adapter.Welcomed(_client.Welcome.ProjectId, _client.Welcome.Schema, _client.Welcome.SceneTime); // Start runs on the main thread: the scene may be written
            adapter.Send = Send;
            _queue = queue;
            _ = Task.Run(() => ListenAsync(adapter, queue));
            _ = Task.Run(HeartbeatAsync);
            _ = Task.Run(WriteAsync);
        }

        /// <summary>The main thread is alive; <paramref name="state"/> is what heartbeats say. Call every tick.</summary>
        public void Tick(string state)
        {
            _state = state;
            Interlocked.Exchange(ref _lastTickMs, Environment.TickCount);
        }

        /// <summary>Sends a frame without waiting (safe on the editor's main thread).</summary>
        public bool Send(byte type, string json)
        {
            if (_stop.IsCancellationRequested) return false;
            _outbox.Enqueue((type, json, null));
            _pending.Release();
            return true;
        }

        /// <summary>Sends a frame with a binary payload (BLOB_CHUNK) without waiting, in order with the others.</summary>
        public bool SendBytes(byte type, byte[] payload)
        {
            if (_stop.IsCancellationRequested) return false;
            _outbox.Enqueue((type, null, payload));
            _pending.Release();
            return true;
        }

        private async Task WriteAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    await _pending.WaitAsync(_stop.Token).ConfigureAwait(false);
                    if (!_outbox.TryPeek(out var frame)) continue;
                    try
                    {
                        if (frame.Bytes != null) await _client.SendBytesAsync(frame.Type, frame.Bytes, _stop.Token).ConfigureAwait(false);
                        else await _client.SendAsync(frame.Type, frame.Json!, _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException) { Interlocked.Increment(ref SendFailures); }
                    _outbox.TryDequeue(out _); // dequeued once written: Close waits for an empty queue
                }
            }
            catch (OperationCanceledException) { }
        }

        private async Task ListenAsync(UnityAdapter adapter, MainThreadQueue queue)
        {
            string reason = "the orchestrator closed the connection";
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var frame = await _client.ReceiveAsync(_stop.Token).ConfigureAwait(false);
                    if (frame == null) break;
                    if (frame.Type == MessageType.Bye) { reason = "BYE: " + Encoding.UTF8.GetString(frame.Payload.ToArray()); break; }
                    if (frame.Type == MessageType.Ack || frame.Type == MessageType.Error) continue; // answers to our EDIT/SCENE/HEARTBEAT
                    if (_blobs != null && _blobs.Take(frame)) continue; // blob transfer, and APPLYs that wait for blobs
                    Post(adapter, queue, frame);
                }
            }
            catch (Exception e) when (!(e is OperationCanceledException)) { reason = e.GetType().Name + ": " + e.Message; }
            catch (OperationCanceledException) { return; }
            _blobs?.Reset();
            Close(reason);
        }

        /// <summary>
        /// Hands a frame to the main thread: by then this session may have ended (a domain reload, a
        /// reconnect). A request is answered only on the session it came on, or not at all.
        /// </summary>
        private void Post(UnityAdapter adapter, MainThreadQueue queue, Frame frame) =>
            queue.Post(() => { if (!_stop.IsCancellationRequested) adapter.Handle(frame, Send); });

        private async Task HeartbeatAsync()
        {
            var every = TimeSpan.FromMilliseconds(Math.Max(100, _client.Welcome.HeartbeatMs / 2));
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    await Task.Delay(every, _stop.Token).ConfigureAwait(false);
                    long silent = unchecked(Environment.TickCount - Interlocked.Read(ref _lastTickMs));
                    if (silent > every.TotalMilliseconds) _queue?.Wake(); // an unfocused editor ticks rarely: ask for a tick, so liveness means "hung", not "in the background"
                    if (silent > 5_000) continue; // a hung main thread gets no heartbeat: let the breaker open
                    var state = silent > 2_000 && _state == "ready" ? "busy" : _state;
                    Send(MessageType.Heartbeat, "{\"state\": \"" + state + "\", \"generation\": " + Generation + ", \"undo_depth\": 0}");
                }
            }
            catch (OperationCanceledException) { }
        }

        /// <summary>The generation the handshake said (heartbeats must repeat it).</summary>
        public long Generation { get; }

        /// <summary>Ends the session (before a domain reload, on quit).</summary>
        public void Close(string reason = "closed by the adapter")
        {
            if (_stop.IsCancellationRequested) return;
            // BYE goes last, after what is queued (a SCENE in parts must arrive whole); bounded so a dead peer cannot hold a domain reload.
            Send(MessageType.Bye, "{\"code\": \"BYE\", \"message\": " + JsonText.AppendString(new StringBuilder(), reason) + "}");
            var deadline = DateTime.UtcNow.AddSeconds(2);
            while (!_outbox.IsEmpty && DateTime.UtcNow < deadline) Thread.Sleep(5);
            _stop.Cancel();
            _client.Dispose();
            Closed?.Invoke(reason);
        }

        /// <inheritdoc />
        public void Dispose() => Close();
    }
}
