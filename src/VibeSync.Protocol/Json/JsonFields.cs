using System;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Json
{
    /// <summary>A JSON field that is missing, unknown, or of the wrong shape; <see cref="Path"/> names it.</summary>
    public sealed class JsonFieldException : FormatException
    {
        /// <summary>Creates the exception.</summary>
        public JsonFieldException(string path, string reason) : base($"{path}: {reason}") { Path = path; Reason = reason; }
        /// <summary>Where, e.g. <c>objects[3].location[1]</c>.</summary>
        public string Path { get; }
        /// <summary>What is wrong, for humans.</summary>
        public string Reason { get; }

        /// <summary>The <see cref="Reason"/> of a member the schema does not have.</summary>
        public const string UnknownField = "unknown field";

        /// <summary>The <see cref="Reason"/> of a required member that is absent.</summary>
        public const string MissingField = "missing field";

        /// <summary>True when the field is one the schema does not have (as opposed to a bad or missing value).</summary>
        public bool IsUnknownField => Reason == UnknownField;
    }

    /// <summary>
    /// Strict readers for fields of parsed JSON, shared by every schema (scenes, operations): each
    /// refusal names the field's path. One source, so scenes and intents refuse alike.
    /// </summary>
    public static class JsonFields
    {
        /// <summary>Refuses members not in <paramref name="required"/> or <paramref name="optional"/>, then any missing required one.</summary>
        public static void CheckFields(JsonObject o, string path, string[] required, string[] optional)
        {
            string prefix = path.Length == 0 ? "" : path + ".";
            foreach (var member in o.Members)
                if (Array.IndexOf(required, member.Key) < 0 && Array.IndexOf(optional, member.Key) < 0)
                    throw new JsonFieldException(prefix + member.Key, JsonFieldException.UnknownField);
            foreach (var name in required)
                if (o.Get(name) == null)
                    throw new JsonFieldException(prefix + name, JsonFieldException.MissingField);
        }

        /// <summary>The member <paramref name="field"/>, or a missing-field refusal.</summary>
        public static JsonNode Required(JsonObject o, string path, string field) =>
            o.Get(field) ?? throw new JsonFieldException(path + "." + field, JsonFieldException.MissingField);

        /// <summary>The node as an object, or a refusal naming what it is.</summary>
        public static JsonObject AsObject(JsonNode node, string path) =>
            node as JsonObject ?? throw new JsonFieldException(path, $"expected an object, got {node.KindName}");

        /// <summary>The node as an array, or a refusal naming what it is.</summary>
        public static JsonArray AsArray(JsonNode node, string path) =>
            node as JsonArray ?? throw new JsonFieldException(path, $"expected an array, got {node.KindName}");

        /// <summary>The node as a string.</summary>
        public static string Text(JsonNode node, string path) =>
            node is JsonString s ? s.Value : throw new JsonFieldException(path, $"expected a string, got {node.KindName}");

        /// <summary>The node as a finite number (true/false are not numbers).</summary>
        public static double Real(JsonNode node, string path)
        {
            if (node is not JsonNumber n) throw new JsonFieldException(path, $"expected a finite number, got {node.KindName}");
            if (double.IsInfinity(n.Value) || double.IsNaN(n.Value))
                throw new JsonFieldException(path, $"expected a finite number, got {n.Text}");
            return n.Value;
        }

        /// <summary>An array of exactly <paramref name="count"/> finite numbers.</summary>
        public static double[] Reals(JsonNode node, string path, int count)
        {
            var array = AsArray(node, path);
            if (array.Items.Count != count)
                throw new JsonFieldException(path, $"expected {count} numbers, got {array.Items.Count}");
            var values = new double[count];
            for (int i = 0; i < count; i++) values[i] = Real(array.Items[i], $"{path}[{i}]");
            return values;
        }

        /// <summary>An array of three finite numbers.</summary>
        public static Vector3d Vector(JsonNode node, string path)
        {
            var v = Reals(node, path, 3);
            return new Vector3d(v[0], v[1], v[2]);
        }

        /// <summary>An integer literal in [0, <paramref name="vertexCount"/>).</summary>
        public static int Index(JsonNode node, string path, int vertexCount)
        {
            if (node is not JsonNumber n || !n.IsInteger)
                throw new JsonFieldException(path, $"expected an integer vertex index, got {(node is JsonNumber num ? num.Text : node.KindName)}");
            if (n.Value < 0 || n.Value >= vertexCount)
                throw new JsonFieldException(path, $"vertex index {n.Text} is out of range (mesh has {vertexCount} positions)");
            return (int)n.Value;
        }

        /// <summary>An integer literal in [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="what"/> says what it counts.</summary>
        public static long Integer(JsonNode node, string path, long min, long max, string what)
        {
            if (node is not JsonNumber n || !n.IsInteger || n.Value < min || n.Value > max)
                throw new JsonFieldException(path, $"expected {what}: an integer from {min} to {max}, got {(node is JsonNumber num ? num.Text : node.KindName)}");
            return (long)n.Value;
        }

        /// <summary>A blob id (docs/protocol.md §12): 64 lowercase hex digits.</summary>
        public static string BlobId(JsonNode node, string path)
        {
            var id = Text(node, path);
            if (!VibeSync.Protocol.Blobs.BlobId.IsValid(id))
                throw new JsonFieldException(path, $"\"{Shorten(id)}\" is not a blob id (64 lowercase hex digits)");
            return id;
        }

        private static string Shorten(string s) => s.Length <= 80 ? s : s.Substring(0, 77) + "...";

        /// <summary>A VibeSync ID (lowercase 8-4-4-4-12, optionally h-).</summary>
        public static string Id(JsonNode node, string path)
        {
            var id = Text(node, path);
            if (!VibeSyncId.IsValid(id))
                throw new JsonFieldException(path, $"\"{id}\" is not a VibeSync ID (lowercase 8-4-4-4-12 hex UUID, optionally prefixed h-)");
            return id;
        }

        /// <summary>A VibeSync ID or null.</summary>
        public static string? OptionalId(JsonNode node, string path) => node is JsonNull ? null : Id(node, path);

        /// <summary>A string that is valid Unicode (no lone surrogate).</summary>
        public static string Name(JsonNode node, string path)
        {
            var name = Text(node, path);
            for (int i = 0; i < name.Length; i++)
            {
                if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1])) { i++; continue; }
                if (char.IsSurrogate(name[i])) throw new JsonFieldException(path, "contains a lone UTF-16 surrogate (not valid Unicode)");
            }
            return name;
        }
    }
}
