using System;
using System.IO;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Json;

namespace VibeSync.Protocol.Link
{
    /// <summary>The orchestrator refused the handshake (REFUSED), or it did not answer as the protocol says.</summary>
    public sealed class LinkRefusedException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public LinkRefusedException(string code, string message, LinkEndpoint? leader = null) : base($"{code}: {message}") { Code = code; Reason = message; Leader = leader; }

        /// <summary>The orchestrator's code, e.g. <c>VERSION_SKEW</c>.</summary>
        public string Code { get; }

        /// <summary>The orchestrator's sentence, without the code: what the editor shows.</summary>
        public string Reason { get; }

        /// <summary>The leader's endpoint a standby's <c>NOT_LEADER</c> names, or null.</summary>
        public LinkEndpoint? Leader { get; }
    }

    /// <summary>
    /// The adapter's end of the link: dials the orchestrator on loopback, does the handshake,
    /// then sends and receives signed frames with per-direction sequence numbers, answering the
    /// orchestrator's REKEY on its own. Used by the Unity adapter's core and by tests; the Python
    /// twin lives in the Blender add-on. Not thread-safe for concurrent sends: one caller at a time.
    /// </summary>
    public sealed class LinkClient : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly Stream _stream;
        private readonly FrameReader _reader;
        private readonly byte[] _bootstrapKey;
        private readonly Hello _hello;
        private SessionKeys _keys = null!;
        private SequenceGuard _inbound = null!;
        private ulong _nextOut = 1;
        // Any thread may send (the editor's main thread, a heartbeat timer) while one thread
        // receives: sequence numbers must leave in order, and nothing may be MAC'd under a key a
        // REKEY is replacing.
        private readonly SemaphoreSlim _send = new SemaphoreSlim(1, 1);

        private LinkClient(TcpClient tcp, Stream stream, byte[] bootstrapKey, Hello hello, int maxFrame)
        {
            _tcp = tcp;
            _stream = stream;
            _reader = new FrameReader(_stream, maxFrame);
            _bootstrapKey = bootstrapKey;
            _hello = hello;
        }

        /// <summary>The session id the orchestrator gave.</summary>
        public string SessionId { get; private set; } = "";

        /// <summary>The orchestrator's WELCOME.</summary>
        public Welcome Welcome { get; private set; } = null!;

        /// <summary>Where it is connected over TLS (a key file's endpoint), or null on loopback.</summary>
        public LinkEndpoint? Endpoint { get; private set; }

        /// <summary>The keys in use now.</summary>
        public SessionKeys Keys => _keys;

        /// <summary>The sequence number the next frame this side sends will carry.</summary>
        public ulong NextSequence => _nextOut;

        /// <summary>Clock used for frame timestamps (Unix ms); tests move it.</summary>
        public Func<long> Clock { get; set; } = () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        /// <summary>Connects to 127.0.0.1:<paramref name="port"/> and completes the handshake.</summary>
        /// <exception cref="LinkRefusedException">The orchestrator refused (version skew, …).</exception>
        /// <exception cref="FrameException">The answer did not authenticate.</exception>
        /// <exception cref="IOException">The connection closed during the handshake.</exception>
        /// <param name="port">The link port (DIR/serve.json).</param>
        /// <param name="engine">blender or unity.</param>
        /// <param name="bootstrapKey">The engine's bootstrap key (DIR/keys/ENGINE.key).</param>
        /// <param name="projectId">The project stamp of the file the editor has open; empty when it carries none.</param>
        /// <param name="generation">The adapter's reload generation.</param>
        /// <param name="protocol">The protocol version to claim (tests claim others).</param>
        /// <param name="cancel">Cancels the handshake.</param>
        /// <param name="maxFrame">The largest frame this side reads.</param>
        /// <param name="clock">Unix ms for frame timestamps.</param>
        /// <param name="schema">The content schema of that stamp (the adapter's own when unstamped).</param>
        /// <param name="file">The editor's file; empty when never saved.</param>
        public static Task<LinkClient> ConnectAsync(int port, string engine, byte[] bootstrapKey, string projectId = "",
            long generation = 1, string protocol = ProtocolVersion.Current, CancellationToken cancel = default, int maxFrame = FrameCodec.DefaultMaxFrame,
            Func<long>? clock = null, int schema = ContentSchema.Current, string file = "") =>
            HandshakeOverAsync(async () =>
            {
                var tcp = new TcpClient { NoDelay = true };
                try { await tcp.ConnectAsync("127.0.0.1", port).ConfigureAwait(false); }
                catch { tcp.Dispose(); throw; }
                return (tcp, (Stream)tcp.GetStream());
            }, null, Identity(engine, protocol, projectId, schema, generation, file), bootstrapKey, maxFrame, clock, cancel);

        /// <summary>
        /// Connects as <paramref name="keyFile"/> says (docs/protocol.md §11.11): to each of its
        /// endpoints in order over TLS 1.3, pinning its <c>tls-sha256</c>, until one welcomes this
        /// adapter (a standby's <c>NOT_LEADER</c> naming another of them makes that one the next, <see cref="DialOrder"/>); without endpoints, to 127.0.0.1:<paramref name="loopbackPort"/> as
        /// <see cref="ConnectAsync(int, string, byte[], string, long, string, CancellationToken, int, Func{long}?, int, string)"/> does.
        /// Never falls back to plaintext when endpoints are named.
        /// </summary>
        /// <exception cref="LinkRefusedException"><c>TLS_PIN_MISMATCH</c> when an endpoint presented another certificate and none welcomed
        /// this adapter; else an orchestrator's refusal.</exception>
        /// <exception cref="IOException">No endpoint could be reached.</exception>
        public static async Task<LinkClient> ConnectAsync(KeyFile keyFile, Func<int> loopbackPort, string engine, string projectId = "",
            long generation = 1, CancellationToken cancel = default, int schema = ContentSchema.Current, string file = "", Func<long>? clock = null)
        {
            if (keyFile.Endpoints.Count == 0)
                return await ConnectAsync(loopbackPort(), engine, keyFile.Key, projectId, generation, cancel: cancel, clock: clock, schema: schema, file: file).ConfigureAwait(false);
            Exception? pin = null, refused = null, other = null;
            var order = new DialOrder(keyFile.Endpoints);
            for (var endpoint = order.Next(); endpoint != null; endpoint = order.Next())
            {
                try
                {
                    var at = endpoint;
                    return await HandshakeOverAsync(() => TlsDialer.ConnectAsync(at, keyFile.Pins, cancel), endpoint,
                        Identity(engine, ProtocolVersion.Current, projectId, schema, generation, file), keyFile.Key, FrameCodec.DefaultMaxFrame, clock, cancel).ConfigureAwait(false);
                }
                catch (LinkRefusedException e) when (e.Code == TlsDialer.PinMismatch) { pin ??= e; }
                catch (LinkRefusedException e) { refused = e; order.Refused(e.Code, e.Leader); }
                catch (Exception e) when (e is IOException or SocketException or FrameException) { other = e; }
            }
            // A wrong certificate is said before anything else: it is the one a human must act on.
            if (pin != null) throw pin;
            if (refused != null) throw refused;
            throw new IOException($"no orchestrator answered at {string.Join(", ", keyFile.Endpoints)}: {other?.Message}", other);
        }

        private static Hello Identity(string engine, string protocol, string projectId, int schema, long generation, string file)
        {
            var nonce = new byte[SessionKeys.NonceSize];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(nonce);
            return new Hello(engine, protocol, "vibesync-dotnet/" + ProtocolVersion.Current, projectId, schema, nonce, generation, file);
        }

        private static async Task<LinkClient> HandshakeOverAsync(Func<Task<(TcpClient Tcp, Stream Stream)>> open, LinkEndpoint? endpoint, Hello hello,
            byte[] bootstrapKey, int maxFrame, Func<long>? clock, CancellationToken cancel)
        {
            var (tcp, stream) = await open().ConfigureAwait(false);
            try
            {
                var client = new LinkClient(tcp, stream, bootstrapKey, hello, maxFrame) { Endpoint = endpoint };
                if (clock != null) client.Clock = clock;
                await client.HandshakeAsync(cancel).ConfigureAwait(false);
                return client;
            }
            catch
            {
                stream.Dispose();
                tcp.Dispose();
                throw;
            }
        }

        private async Task HandshakeAsync(CancellationToken cancel)
        {
            await WriteAsync(FrameCodec.Encode(_bootstrapKey, new Frame(MessageType.Hello, _nextOut++, Clock(), Encoding.UTF8.GetBytes(_hello.ToJson()))), cancel)
                .ConfigureAwait(false);
            var bytes = await _reader.ReadAsync(cancel).ConfigureAwait(false) ?? throw new IOException("the orchestrator closed the connection during the handshake");
            var frame = FrameCodec.Decode(_bootstrapKey, bytes);
            string json = Encoding.UTF8.GetString(frame.Payload.Span);
            if (frame.Type == MessageType.Refused)
            {
                var (code, message, leader) = LeaderHint.ParseRefusal(json);
                throw new LinkRefusedException(code, message, leader);
            }
            if (frame.Type != MessageType.Welcome || frame.Sequence != 1)
                throw new LinkRefusedException("PROTOCOL", $"expected WELCOME with sequence 1, got {MessageType.Name(frame.Type)} {frame.Sequence}");
            Welcome = Welcome.Parse(json);
            SessionId = Welcome.SessionId;
            _keys = SessionKeys.Derive(_bootstrapKey, _hello.ClientNonce, Welcome.ServerNonce, _hello.Engine, SessionId, 0);
            _inbound = new SequenceGuard(2);
        }

        /// <summary>Sends one frame under the session key; returns its sequence number.</summary>
        public async Task<ulong> SendAsync(byte type, string json, CancellationToken cancel = default)
        {
            await _send.WaitAsync(cancel).ConfigureAwait(false);
            try { return await SendLockedAsync(type, json, cancel).ConfigureAwait(false); }
            finally { _send.Release(); }
        }

        private async Task<ulong> SendLockedAsync(byte type, string json, CancellationToken cancel)
        {
            ulong seq = _nextOut++;
            await WriteAsync(FrameCodec.Encode(_keys.ClientToServer, new Frame(type, seq, Clock(), Encoding.UTF8.GetBytes(json))), cancel).ConfigureAwait(false);
            return seq;
        }

        /// <summary>Sends one frame with a binary payload (BLOB_CHUNK) under the session key; returns its sequence number.</summary>
        public async Task<ulong> SendBytesAsync(byte type, ReadOnlyMemory<byte> payload, CancellationToken cancel = default)
        {
            await _send.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                ulong seq = _nextOut++;
                await WriteAsync(FrameCodec.Encode(_keys.ClientToServer, new Frame(type, seq, Clock(), payload)), cancel).ConfigureAwait(false);
                return seq;
            }
            finally { _send.Release(); }
        }

        /// <summary>Sends bytes as they are (tests: replays, forgeries, junk).</summary>
        public Task SendRawAsync(byte[] bytes, CancellationToken cancel = default) => WriteAsync(bytes, cancel);

        /// <summary>
        /// The next frame from the orchestrator, authenticated and checked (sequence, clock), or null
        /// when it closed the connection. A REKEY is answered and switched to here, then skipped.
        /// </summary>
        /// <exception cref="FrameException">A frame that does not authenticate.</exception>
        /// <exception cref="LinkRefusedException">A sequence or clock violation by the orchestrator.</exception>
        public async Task<Frame?> ReceiveAsync(CancellationToken cancel = default)
        {
            while (true)
            {
                var bytes = await _reader.ReadAsync(cancel).ConfigureAwait(false);
                if (bytes == null) return null;
                var frame = FrameCodec.Decode(_keys.ServerToClient, bytes);
                var code = _inbound.Check(frame.Sequence, frame.TimeMs, Clock(), out var reason);
                if (code != null) throw new LinkRefusedException(code, reason);
                if (frame.Type != MessageType.Rekey) return frame;

                // The orchestrator's frames after its REKEY use the next epoch; ours after our REKEY_ACK do.
                var o = JsonFields.AsObject(JsonParser.Parse(Encoding.UTF8.GetString(frame.Payload.Span)), "rekey");
                int epoch = (int)JsonFields.Real(JsonFields.Required(o, "", "epoch"), "epoch");
                var next = SessionKeys.Derive(_bootstrapKey, _hello.ClientNonce, Welcome.ServerNonce, _hello.Engine, SessionId, epoch);
                await _send.WaitAsync(cancel).ConfigureAwait(false);
                try
                {
                    await SendLockedAsync(MessageType.RekeyAck, "{\"epoch\": " + epoch + "}", cancel).ConfigureAwait(false);
                    _keys = next;
                }
                finally { _send.Release(); }
            }
        }

        /// <summary>Sends a request and waits for the ACK or ERROR that echoes its sequence number.</summary>
        /// <exception cref="IOException">The orchestrator closed the connection first.</exception>
        public async Task<Frame> RequestAsync(byte type, string json, CancellationToken cancel = default)
        {
            ulong seq = await SendAsync(type, json, cancel).ConfigureAwait(false);
            while (true)
            {
                var frame = await ReceiveAsync(cancel).ConfigureAwait(false) ?? throw new IOException("the orchestrator closed the connection");
                if ((frame.Type == MessageType.Ack || frame.Type == MessageType.Error || frame.Type == MessageType.Bye) && Echoes(frame, seq)) return frame;
                if (frame.Type == MessageType.Bye) throw new IOException("the orchestrator ended the session: " + Encoding.UTF8.GetString(frame.Payload.Span));
            }
        }

        /// <summary>Sends a heartbeat and waits for its ACK.</summary>
        public Task<Frame> HeartbeatAsync(string state = "ready", long? generation = null, int undoDepth = 0, CancellationToken cancel = default) =>
            RequestAsync(MessageType.Heartbeat, "{\"state\": \"" + state + "\", \"generation\": " + (generation ?? _hello.Generation) + ", \"undo_depth\": " + undoDepth + "}", cancel);

        /// <summary>Encodes a frame under the current session key without sending it (tests).</summary>
        public byte[] Encode(byte type, string json, ulong? sequence = null, long? timeMs = null) =>
            FrameCodec.Encode(_keys.ClientToServer, new Frame(type, sequence ?? _nextOut, timeMs ?? Clock(), Encoding.UTF8.GetBytes(json)));

        /// <summary>Marks <paramref name="count"/> sequence numbers as used (after sending pre-encoded frames).</summary>
        public void Advance(ulong count = 1) => _nextOut += count;

        private static bool Echoes(Frame frame, ulong seq)
        {
            try
            {
                var o = JsonParser.Parse(Encoding.UTF8.GetString(frame.Payload.Span)) as JsonObject;
                return o?.Get("re") is JsonNumber n && n.IsInteger && (ulong)n.Value == seq;
            }
            catch (JsonParseException) { return false; }
        }

        private async Task WriteAsync(byte[] bytes, CancellationToken cancel)
        {
            await _stream.WriteAsync(bytes, 0, bytes.Length, cancel).ConfigureAwait(false);
            await _stream.FlushAsync(cancel).ConfigureAwait(false);
        }

        /// <summary>Closes the connection.</summary>
        public void Dispose()
        {
            _stream.Dispose();
            _tcp.Dispose();
        }
    }
}
