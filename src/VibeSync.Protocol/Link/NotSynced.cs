using System;
using System.Collections.Generic;
using System.Text;
using VibeSync.Protocol.Json;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// Something an adapter does not sync right now, and why (NOT_SYNCED, and SCENE's
    /// <c>not_synced</c>): an object type VibeSync does not represent yet, content over a limit, a
    /// datablock that failed to read. The editor keeps it; nothing of it reaches Reality.
    /// </summary>
    /// <param name="Name">The datablock's name, as the editor shows it.</param>
    /// <param name="Type">The editor's type of it (Blender: CURVE, ARMATURE, …; MESH or MATERIAL for data).</param>
    /// <param name="Code">UNSUPPORTED_TYPE, RESOURCE_LIMIT, READ_FAILED, or LOSSY (content schema 4: synced with a named loss, e.g. "12 vertices lost influences beyond 4").</param>
    /// <param name="Reason">One sentence naming the object, the datablock and what failed or which limit.</param>
    /// <param name="Uuid">Its VibeSync ID when it has one (e.g. a mesh object that grew past the limit), else null.</param>
    public sealed record NotSyncedItem(string Name, string Type, string Code, string Reason, string? Uuid)
    {
        /// <summary>The codes an item may carry.</summary>
        public static readonly string[] Codes = { "UNSUPPORTED_TYPE", "RESOURCE_LIMIT", "READ_FAILED", "LOSSY" };

        /// <summary>Most items in one list (an adapter with more lists the first ones and one "MORE" item).</summary>
        public const int MaxItems = 10_000;

        /// <summary>Reads a list strictly (the payload's <c>items</c>, or SCENE's <c>not_synced</c>).</summary>
        /// <exception cref="JsonFieldException">Not a list of well-formed items.</exception>
        public static IReadOnlyList<NotSyncedItem> ReadList(JsonNode node, string path)
        {
            var items = AsArray(node, path).Items;
            if (items.Count > MaxItems) throw new JsonFieldException(path, $"expected at most {MaxItems:N0} items, got {items.Count:N0}");
            var list = new List<NotSyncedItem>(items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                string at = $"{path}[{i}]";
                var o = AsObject(items[i], at);
                CheckFields(o, at, new[] { "name", "type", "code", "reason" }, new[] { "uuid" });
                var code = Text(o.Get("code")!, at + ".code");
                if (Array.IndexOf(Codes, code) < 0) throw new JsonFieldException(at + ".code", $"expected one of {string.Join(", ", Codes)}");
                list.Add(new NotSyncedItem(Bounded(o, at, "name", 200), Bounded(o, at, "type", 64), code, Bounded(o, at, "reason", 1000),
                    o.Get("uuid") is { } u ? Id(u, at + ".uuid") : null));
            }
            return list;
        }

        private static string Bounded(JsonObject o, string at, string field, int max)
        {
            var s = Text(o.Get(field)!, at + "." + field);
            if (s.Length == 0 || s.Length > max) throw new JsonFieldException(at + "." + field, $"expected 1–{max} characters");
            return s;
        }

        /// <summary>The NOT_SYNCED payload for <paramref name="items"/>.</summary>
        public static string PayloadJson(IReadOnlyList<NotSyncedItem> items)
        {
            var sb = new StringBuilder("{\"items\": [");
            for (int i = 0; i < items.Count; i++)
            {
                var it = items[i];
                if (i > 0) sb.Append(", ");
                sb.Append("{\"name\": ");
                JsonText.AppendString(sb, it.Name).Append(", \"type\": ");
                JsonText.AppendString(sb, it.Type).Append(", \"code\": ");
                JsonText.AppendString(sb, it.Code).Append(", \"reason\": ");
                JsonText.AppendString(sb, it.Reason);
                if (it.Uuid != null) JsonText.AppendString(sb.Append(", \"uuid\": "), it.Uuid);
                sb.Append('}');
            }
            return sb.Append("]}").ToString();
        }
    }
}
