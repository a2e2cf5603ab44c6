using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VibeSync.Protocol.Json;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.Link
{
    /// <summary>One AI intent waiting for a human, as PENDING_INTENTS lists it.</summary>
    /// <param name="Id">The intent's number, as <c>vibesync status</c> shows it.</param>
    /// <param name="Actor">The AI that asked, <c>ai:NAME</c>.</param>
    /// <param name="Class">cosmetic, structural or destructive.</param>
    /// <param name="Rationale">Why the AI asked, at most <see cref="PendingIntents.MaxRationale"/> characters (clipped by the orchestrator).</param>
    public sealed record PendingIntent(ulong Id, string Actor, string Class, string Rationale);

    /// <summary>
    /// PENDING_INTENTS (docs/protocol.md §11.9): the AI intents waiting for a human and the console's
    /// address, sent by the orchestrator on attach and whenever that set changes. Adapters show it and
    /// open the console's page of an intent; no message lets an adapter decide one.
    /// </summary>
    /// <param name="Console">The console's base URL, <c>http://127.0.0.1:PORT/console/</c>.</param>
    /// <param name="Intents">At most <see cref="MaxIntents"/>, ascending by id.</param>
    /// <param name="Total">How many are pending (more than listed when over <see cref="MaxIntents"/>).</param>
    public sealed record PendingIntents(string Console, IReadOnlyList<PendingIntent> Intents, long Total)
    {
        /// <summary>Most intents listed in one payload.</summary>
        public const int MaxIntents = 100;

        /// <summary>Most characters (Unicode code points) of a listed rationale.</summary>
        public const int MaxRationale = 500;

        /// <summary>Most characters of an actor.</summary>
        public const int MaxActor = 200;

        /// <summary>The largest id or total (what a JSON number holds exactly in every reader).</summary>
        public const long MaxNumber = 9_007_199_254_740_992;

        private static readonly string[] Classes = { "cosmetic", "structural", "destructive" };
        private static readonly Regex ConsoleUrl = new Regex(@"^http://127\.0\.0\.1:([1-9][0-9]{0,4})/console/\z", RegexOptions.CultureInvariant);

        /// <summary>The console's base URL on the control API's loopback port.</summary>
        public static string ConsoleOn(int port) => "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/console/";

        /// <summary>The console's page of intent <paramref name="id"/>.</summary>
        public string PageUrl(ulong id) => Console + "intents/" + id.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// <paramref name="rationale"/> within <see cref="MaxRationale"/> characters (see <see cref="Clip"/>).
        /// </summary>
        public static string ClipRationale(string? rationale) => Clip(rationale ?? "", MaxRationale);

        /// <summary>
        /// <paramref name="text"/> within <paramref name="max"/> code points: longer text keeps its
        /// first max − 1 and ends with "…" (never a surrogate pair cut in half).
        /// </summary>
        public static string Clip(string text, int max)
        {
            if (CodePoints(text) <= max) return text;
            int units = 0;
            for (int n = 0; n < max - 1; n++) units += char.IsHighSurrogate(text[units]) ? 2 : 1;
            return text.Substring(0, units) + "…";
        }

        /// <summary>The payload, byte for byte (docs/protocol.md §11.9).</summary>
        public string ToJson()
        {
            var sb = JsonText.AppendString(new StringBuilder("{\"console\": "), Console).Append(", \"intents\": [");
            for (int i = 0; i < Intents.Count; i++)
            {
                var it = Intents[i];
                if (i > 0) sb.Append(", ");
                sb.Append("{\"id\": ").Append(it.Id.ToString(CultureInfo.InvariantCulture)).Append(", \"actor\": ");
                JsonText.AppendString(sb, it.Actor).Append(", \"class\": ");
                JsonText.AppendString(sb, it.Class).Append(", \"rationale\": ");
                JsonText.AppendString(sb, it.Rationale).Append('}');
            }
            return sb.Append("], \"total\": ").Append(Total.ToString(CultureInfo.InvariantCulture)).Append('}').ToString();
        }

        /// <summary>Reads a payload strictly.</summary>
        /// <exception cref="JsonFieldException">Not what an orchestrator writes; the path names the field.</exception>
        /// <exception cref="JsonParseException">Not strict JSON.</exception>
        public static PendingIntents Parse(string json) => Read(AsObject(JsonParser.Parse(json), "payload"));

        /// <summary>Reads a parsed payload strictly.</summary>
        /// <exception cref="JsonFieldException">Not what an orchestrator writes; the path names the field.</exception>
        public static PendingIntents Read(JsonObject o)
        {
            CheckFields(o, "", new[] { "console", "intents", "total" }, Array.Empty<string>());
            var console = CheckConsole(o.Get("console")!, "console");
            var items = AsArray(o.Get("intents")!, "intents").Items;
            if (items.Count > MaxIntents) throw new JsonFieldException("intents", $"expected at most {MaxIntents} intents, got {items.Count}");
            var list = new List<PendingIntent>(items.Count);
            ulong last = 0;
            for (int i = 0; i < items.Count; i++)
            {
                string at = $"intents[{i}]";
                var item = AsObject(items[i], at);
                CheckFields(item, at, new[] { "id", "actor", "class", "rationale" }, Array.Empty<string>());
                ulong id = (ulong)Whole(item.Get("id")!, at + ".id", 1, MaxNumber, "an intent id: a whole number from 1 to " + MaxNumber);
                if (id <= last) throw new JsonFieldException(at + ".id", "expected ids in ascending order, each once");
                last = id;
                var actor = item.Get("actor") is JsonString a ? a.Value : null;
                if (actor == null || !actor.StartsWith("ai:", StringComparison.Ordinal) || CodePoints(actor) < 4 || CodePoints(actor) > MaxActor)
                    throw new JsonFieldException(at + ".actor", $"expected an AI actor, ai:NAME, 4–{MaxActor} characters");
                var cls = item.Get("class") is JsonString c ? c.Value : null;
                if (cls == null || Array.IndexOf(Classes, cls) < 0) throw new JsonFieldException(at + ".class", "expected one of " + string.Join(", ", Classes));
                var rationale = item.Get("rationale") is JsonString r ? r.Value : null;
                if (rationale == null || CodePoints(rationale) > MaxRationale)
                    throw new JsonFieldException(at + ".rationale", $"expected text of at most {MaxRationale} characters");
                list.Add(new PendingIntent(id, actor, cls, rationale));
            }
            long total = Whole(o.Get("total")!, "total", list.Count, MaxNumber, $"a whole number from the intents listed ({list.Count}) to {MaxNumber}");
            return new PendingIntents(console, list, total);
        }

        /// <summary>
        /// The console's base URL, refused unless it is <c>http://127.0.0.1:PORT/console/</c>: an
        /// adapter opens it in the user's browser, so it never opens anything but the loopback console.
        /// </summary>
        public static string CheckConsole(JsonNode node, string path)
        {
            var m = node is JsonString s ? ConsoleUrl.Match(s.Value) : null;
            if (m == null || !m.Success || int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) > 65535)
                throw new JsonFieldException(path, "expected http://127.0.0.1:PORT/console/ (loopback, port 1–65535)");
            return ((JsonString)node).Value;
        }

        private static long Whole(JsonNode node, string path, long min, long max, string what)
        {
            if (node is not JsonNumber n || !n.IsInteger || n.Value < min || n.Value > max) throw new JsonFieldException(path, "expected " + what);
            return (long)n.Value;
        }

        /// <summary>Characters as Python and the specification count them: Unicode code points.</summary>
        private static int CodePoints(string s)
        {
            int n = 0;
            foreach (char c in s) if (!char.IsLowSurrogate(c)) n++;
            return n;
        }
    }
}
