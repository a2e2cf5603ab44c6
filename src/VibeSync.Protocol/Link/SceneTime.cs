using System;
using System.Globalization;
using System.Text;
using VibeSync.Protocol.Json;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// TIME (docs/protocol.md §11.10): an editor's current scene time, for the optional scene time
    /// sync (config <c>sync.scene_time</c>). A pose, not an edit: never journaled, never an intent,
    /// the latest wins. An adapter sends it when its timeline moves; the orchestrator forwards it to
    /// the other engines' sessions with its own sequence number.
    /// </summary>
    /// <param name="Seconds">Seconds from frame 0 (Blender: frame × fps_base / fps), finite, 0 to <see cref="MaxSeconds"/>.</param>
    /// <param name="Seq">The sender's counter in this session, from 1, increasing: a TIME not above the last one taken is late and dropped.</param>
    public sealed record SceneTime(double Seconds, long Seq)
    {
        /// <summary>The latest time a TIME may carry (about 11.5 days; Blender's last frame at 1 fps is 1,048,574).</summary>
        public const double MaxSeconds = 1_000_000;

        /// <summary>The largest sequence number, 2^53 − 1 (2^53 + 1 would read as 2^53 in a double, so 2^53 is not allowed either).</summary>
        public const long MaxSeq = 9_007_199_254_740_991;

        /// <summary>The payload, byte for byte: seconds as the shortest text that reads back as the same double.</summary>
        public string ToJson() =>
            JsonText.AppendReal(new StringBuilder("{\"seconds\": "), Seconds).Append(", \"seq\": ").Append(Seq.ToString(CultureInfo.InvariantCulture)).Append('}').ToString();

        /// <summary>Reads a payload strictly.</summary>
        /// <exception cref="JsonFieldException">Not a TIME; the path names the field.</exception>
        /// <exception cref="JsonParseException">Not strict JSON.</exception>
        public static SceneTime Parse(string json) => Read(AsObject(JsonParser.Parse(json), "payload"));

        /// <summary>Reads a parsed payload strictly: seconds finite and within 0 to <see cref="MaxSeconds"/>, seq a whole number from 1.</summary>
        /// <exception cref="JsonFieldException">Not a TIME; the path names the field.</exception>
        public static SceneTime Read(JsonObject o)
        {
            CheckFields(o, "", new[] { "seconds", "seq" }, Array.Empty<string>());
            if (o.Get("seconds") is not JsonNumber s || double.IsNaN(s.Value) || s.Value < 0 || s.Value > MaxSeconds)
                throw new JsonFieldException("seconds", $"expected a number of seconds from 0 to {MaxSeconds.ToString(CultureInfo.InvariantCulture)}");
            if (o.Get("seq") is not JsonNumber q || !q.IsInteger || q.Value < 1 || q.Value > MaxSeq)
                throw new JsonFieldException("seq", "expected a whole number from 1 to " + MaxSeq);
            return new SceneTime(s.Value + 0.0, (long)q.Value); // + 0.0: -0 reads as 0
        }
    }
}
