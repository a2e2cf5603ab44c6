using System;
using System.Text;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.Link
{
    /// <summary>The engines that may hold a session; each has its own bootstrap key.</summary>
    public static class Engines
    {
        /// <summary>Blender's adapter.</summary>
        public const string Blender = "blender";
        /// <summary>Unity's adapter.</summary>
        public const string Unity = "unity";
        /// <summary>Both default instances (the bare kinds), in a fixed order; named instances are <see cref="EngineInstance"/>s.</summary>
        public static readonly string[] All = { Blender, Unity };

        /// <summary>True for an engine kind (a default instance's name).</summary>
        public static bool IsKnown(string name) => name == Blender || name == Unity;
    }

    /// <summary>HELLO: the adapter says who it is. MAC'd with its engine's bootstrap key.</summary>
    /// <param name="Engine">The engine instance: blender, unity, or KIND:NAME (<see cref="EngineInstance"/>).</param>
    /// <param name="Protocol">The link protocol version it speaks (major.minor).</param>
    /// <param name="Adapter">The adapter's own version, for logs.</param>
    /// <param name="ProjectId">The VibeSync project ID stamped in the file the editor has open; empty when the file carries none.</param>
    /// <param name="Schema">The content schema of that stamp (the adapter's own when the file is unstamped).</param>
    /// <param name="ClientNonce">32 random bytes.</param>
    /// <param name="Generation">Bumped by the adapter on every reload (Unity domain reload, Blender file load).</param>
    /// <param name="File">The editor's file (the .blend, the Unity scene's path); empty when it was never saved.</param>
    public sealed record Hello(string Engine, string Protocol, string Adapter, string ProjectId, int Schema, byte[] ClientNonce, long Generation, string File)
    {
        /// <summary>The longest <see cref="File"/> accepted.</summary>
        public const int MaxFileLength = 4096;

        /// <summary>The payload's JSON.</summary>
        public string ToJson()
        {
            var sb = new StringBuilder("{\"engine\": ");
            JsonText.AppendString(sb, Engine).Append(", \"protocol\": ");
            JsonText.AppendString(sb, Protocol).Append(", \"adapter\": ");
            JsonText.AppendString(sb, Adapter).Append(", \"project_id\": ");
            JsonText.AppendString(sb, ProjectId).Append(", \"schema\": ").Append(Schema).Append(", \"client_nonce\": \"");
            sb.Append(Hex.Encode(ClientNonce)).Append("\", \"generation\": ").Append(Generation).Append(", \"file\": ");
            return JsonText.AppendString(sb, File).Append('}').ToString();
        }

        /// <summary>Reads a HELLO payload strictly.</summary>
        /// <exception cref="JsonFieldException">A field is missing, unknown or wrong.</exception>
        /// <exception cref="JsonParseException">Not JSON.</exception>
        public static Hello Parse(string json)
        {
            var o = AsObject(JsonParser.Parse(json), "hello");
            CheckFields(o, "", new[] { "engine", "protocol", "adapter", "project_id", "schema", "client_nonce", "generation", "file" }, Array.Empty<string>());
            var engine = Text(o.Get("engine")!, "engine");
            if (!EngineInstance.TryParse(engine, out _, out var why)) throw new JsonFieldException("engine", why!);
            return new Hello(engine, Short(o, "protocol"), Short(o, "adapter"), Short(o, "project_id", min: 0),
                (int)Count(o, "schema", int.MaxValue), Nonce(o, "client_nonce"), Count(o, "generation", long.MaxValue), Short(o, "file", 0, MaxFileLength));
        }

        internal static string Short(JsonObject o, string field, int min = 1, int max = 200)
        {
            var s = Text(o.Get(field)!, field);
            if (s.Length < min || s.Length > max) throw new JsonFieldException(field, $"expected {min}–{max} characters");
            return s;
        }

        internal static long Count(JsonObject o, string field, long max)
        {
            var n = o.Get(field) as JsonNumber;
            if (n == null || !n.IsInteger || n.Value < 0 || n.Value > max) throw new JsonFieldException(field, "expected a whole number ≥ 0");
            return (long)n.Value;
        }

        internal static byte[] Nonce(JsonObject o, string field)
        {
            var s = Text(o.Get(field)!, field);
            if (s.Length != 2 * SessionKeys.NonceSize || !IsLowerHex(s)) throw new JsonFieldException(field, "expected 64 lowercase hex digits");
            return Hex.Decode(s);
        }

        internal static bool IsLowerHex(string s)
        {
            foreach (char c in s) if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
            return true;
        }
    }

    /// <summary>What the orchestrator reads at most: an adapter never builds more (it reports RESOURCE_LIMIT instead).</summary>
    /// <param name="FrameBytes">The largest frame the orchestrator reads after the handshake.</param>
    /// <param name="MeshVertices">The most vertices one mesh may have.</param>
    /// <param name="BlobBytes">The most bytes one blob may have (docs/protocol.md §12.2).</param>
    /// <param name="ChunkBytes">The most data bytes one BLOB_CHUNK carries.</param>
    public sealed record LinkLimits(long FrameBytes, long MeshVertices, long BlobBytes, long ChunkBytes);

    /// <summary>WELCOME: the orchestrator's answer to a HELLO. MAC'd with the same bootstrap key.</summary>
    /// <param name="SessionId">32 lowercase hex digits.</param>
    /// <param name="ServerNonce">32 random bytes.</param>
    /// <param name="Protocol">The orchestrator's protocol version.</param>
    /// <param name="HeartbeatMs">How often the adapter must send a heartbeat.</param>
    /// <param name="HeartbeatTimeoutMs">Silence after which the engine is put in PANIC.</param>
    /// <param name="ProjectId">The data directory's project: an adapter whose file carries another (or no) stamp stamps it with this one.</param>
    /// <param name="Schema">The content schema the orchestrator speaks.</param>
    /// <param name="Limits">What the orchestrator reads at most.</param>
    public sealed record Welcome(string SessionId, byte[] ServerNonce, string Protocol, long HeartbeatMs, long HeartbeatTimeoutMs, string ProjectId, int Schema, LinkLimits Limits)
    {
        /// <summary>
        /// The project's tangent policy (config <c>content.tangents</c>): meshes carry TANGENT. Written
        /// as <c>"tangents": true</c> only when on (absent = off), so a WELCOME without it reads as before.
        /// </summary>
        public bool Tangents { get; init; }

        /// <summary>
        /// The project's scene time sync (config <c>sync.scene_time</c>): the adapter sends TIME when its
        /// timeline moves and poses its scene at the TIMEs it receives. Written as
        /// <c>"scene_time": true</c> only when on (absent = off), so a WELCOME without it reads as before.
        /// </summary>
        public bool SceneTime { get; init; }

        /// <summary>The payload's JSON.</summary>
        public string ToJson()
        {
            var sb = new StringBuilder("{\"session_id\": \"").Append(SessionId).Append("\", \"server_nonce\": \"").Append(Hex.Encode(ServerNonce));
            sb.Append("\", \"protocol\": ");
            JsonText.AppendString(sb, Protocol);
            sb.Append(", \"heartbeat_ms\": ").Append(HeartbeatMs).Append(", \"heartbeat_timeout_ms\": ").Append(HeartbeatTimeoutMs).Append(", \"project_id\": ");
            JsonText.AppendString(sb, ProjectId).Append(", \"schema\": ").Append(Schema);
            return sb.Append(", \"limits\": {\"frame_bytes\": ").Append(Limits.FrameBytes).Append(", \"mesh_vertices\": ").Append(Limits.MeshVertices)
                .Append(", \"blob_bytes\": ").Append(Limits.BlobBytes).Append(", \"chunk_bytes\": ").Append(Limits.ChunkBytes).Append('}')
                .Append(Tangents ? ", \"tangents\": true" : "").Append(SceneTime ? ", \"scene_time\": true}" : "}").ToString();
        }

        /// <summary>Reads a WELCOME payload strictly.</summary>
        /// <exception cref="JsonFieldException">A field is missing, unknown or wrong.</exception>
        /// <exception cref="JsonParseException">Not JSON.</exception>
        public static Welcome Parse(string json)
        {
            var o = AsObject(JsonParser.Parse(json), "welcome");
            CheckFields(o, "", new[] { "session_id", "server_nonce", "protocol", "heartbeat_ms", "heartbeat_timeout_ms", "project_id", "schema", "limits" }, new[] { "tangents", "scene_time" });
            bool tangents = Flag(o, "tangents"), sceneTime = Flag(o, "scene_time");
            var id = Text(o.Get("session_id")!, "session_id");
            if (id.Length != 32 || !Hello.IsLowerHex(id)) throw new JsonFieldException("session_id", "expected 32 lowercase hex digits");
            var limits = AsObject(o.Get("limits")!, "limits");
            CheckFields(limits, "limits", new[] { "frame_bytes", "mesh_vertices", "blob_bytes", "chunk_bytes" }, Array.Empty<string>());
            return new Welcome(id, Hello.Nonce(o, "server_nonce"), Hello.Short(o, "protocol"),
                Hello.Count(o, "heartbeat_ms", int.MaxValue), Hello.Count(o, "heartbeat_timeout_ms", int.MaxValue), Hello.Short(o, "project_id"),
                (int)Hello.Count(o, "schema", int.MaxValue), new LinkLimits(Hello.Count(limits, "frame_bytes", long.MaxValue), Hello.Count(limits, "mesh_vertices", long.MaxValue),
                    Hello.Count(limits, "blob_bytes", long.MaxValue), Hello.Count(limits, "chunk_bytes", long.MaxValue))) { Tangents = tangents, SceneTime = sceneTime };
        }

        private static bool Flag(JsonObject o, string field) => o.Get(field) switch
        {
            null => false,
            JsonBool b => b.Value,
            _ => throw new JsonFieldException(field, "expected true or false"),
        };
    }
}
