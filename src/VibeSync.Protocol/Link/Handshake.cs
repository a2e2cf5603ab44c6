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
        /// <summary>Both, in a fixed order.</summary>
        public static readonly string[] All = { Blender, Unity };

        /// <summary>True for a known engine name.</summary>
        public static bool IsKnown(string name) => name == Blender || name == Unity;
    }

    /// <summary>HELLO: the adapter says who it is. MAC'd with its engine's bootstrap key.</summary>
    /// <param name="Engine">blender or unity.</param>
    /// <param name="Protocol">The link protocol version it speaks (major.minor).</param>
    /// <param name="Adapter">The adapter's own version, for logs.</param>
    /// <param name="ProjectId">Which project it has open.</param>
    /// <param name="Schema">The scene schema version.</param>
    /// <param name="ClientNonce">32 random bytes.</param>
    /// <param name="Generation">Bumped by the adapter on every reload (Unity domain reload, Blender file load).</param>
    public sealed record Hello(string Engine, string Protocol, string Adapter, string ProjectId, int Schema, byte[] ClientNonce, long Generation)
    {
        /// <summary>The payload's JSON.</summary>
        public string ToJson()
        {
            var sb = new StringBuilder("{\"engine\": ");
            JsonText.AppendString(sb, Engine).Append(", \"protocol\": ");
            JsonText.AppendString(sb, Protocol).Append(", \"adapter\": ");
            JsonText.AppendString(sb, Adapter).Append(", \"project_id\": ");
            JsonText.AppendString(sb, ProjectId).Append(", \"schema\": ").Append(Schema).Append(", \"client_nonce\": \"");
            return sb.Append(Hex.Encode(ClientNonce)).Append("\", \"generation\": ").Append(Generation).Append('}').ToString();
        }

        /// <summary>Reads a HELLO payload strictly.</summary>
        /// <exception cref="JsonFieldException">A field is missing, unknown or wrong.</exception>
        /// <exception cref="JsonParseException">Not JSON.</exception>
        public static Hello Parse(string json)
        {
            var o = AsObject(JsonParser.Parse(json), "hello");
            CheckFields(o, "", new[] { "engine", "protocol", "adapter", "project_id", "schema", "client_nonce", "generation" }, Array.Empty<string>());
            var engine = Text(o.Get("engine")!, "engine");
            if (!Engines.IsKnown(engine)) throw new JsonFieldException("engine", $"unknown engine '{engine}' (expected blender or unity)");
            return new Hello(engine, Short(o, "protocol"), Short(o, "adapter"), Short(o, "project_id"),
                (int)Count(o, "schema", int.MaxValue), Nonce(o, "client_nonce"), Count(o, "generation", long.MaxValue));
        }

        internal static string Short(JsonObject o, string field)
        {
            var s = Text(o.Get(field)!, field);
            if (s.Length == 0 || s.Length > 200) throw new JsonFieldException(field, "expected 1–200 characters");
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

    /// <summary>WELCOME: the orchestrator's answer to a HELLO. MAC'd with the same bootstrap key.</summary>
    /// <param name="SessionId">32 lowercase hex digits.</param>
    /// <param name="ServerNonce">32 random bytes.</param>
    /// <param name="Protocol">The orchestrator's protocol version.</param>
    /// <param name="HeartbeatMs">How often the adapter must send a heartbeat.</param>
    /// <param name="HeartbeatTimeoutMs">Silence after which the engine is put in PANIC.</param>
    public sealed record Welcome(string SessionId, byte[] ServerNonce, string Protocol, long HeartbeatMs, long HeartbeatTimeoutMs)
    {
        /// <summary>The payload's JSON.</summary>
        public string ToJson()
        {
            var sb = new StringBuilder("{\"session_id\": \"").Append(SessionId).Append("\", \"server_nonce\": \"").Append(Hex.Encode(ServerNonce));
            sb.Append("\", \"protocol\": ");
            JsonText.AppendString(sb, Protocol);
            return sb.Append(", \"heartbeat_ms\": ").Append(HeartbeatMs).Append(", \"heartbeat_timeout_ms\": ").Append(HeartbeatTimeoutMs).Append('}').ToString();
        }

        /// <summary>Reads a WELCOME payload strictly.</summary>
        /// <exception cref="JsonFieldException">A field is missing, unknown or wrong.</exception>
        /// <exception cref="JsonParseException">Not JSON.</exception>
        public static Welcome Parse(string json)
        {
            var o = AsObject(JsonParser.Parse(json), "welcome");
            CheckFields(o, "", new[] { "session_id", "server_nonce", "protocol", "heartbeat_ms", "heartbeat_timeout_ms" }, Array.Empty<string>());
            var id = Text(o.Get("session_id")!, "session_id");
            if (id.Length != 32 || !Hello.IsLowerHex(id)) throw new JsonFieldException("session_id", "expected 32 lowercase hex digits");
            return new Welcome(id, Hello.Nonce(o, "server_nonce"), Hello.Short(o, "protocol"),
                Hello.Count(o, "heartbeat_ms", int.MaxValue), Hello.Count(o, "heartbeat_timeout_ms", int.MaxValue));
        }
    }
}
