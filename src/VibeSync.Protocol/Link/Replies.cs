using System.Globalization;
using System.Text;
using VibeSync.Protocol.Json;

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// The bodies of ACK and ERROR (docs/protocol.md §11.1), written in one place for every sender:
    /// the orchestrator's sessions, the adapters' blob exchange and the Unity adapter.
    /// </summary>
    public static class Replies
    {
        /// <summary>ACK <c>{"re": SEQ}</c>, followed by <paramref name="members"/> (JSON members, e.g. <c>"part": 2</c>) when given.</summary>
        public static string Ack(ulong re, string members = "") =>
            members.Length == 0 ? "{\"re\": " + Number(re) + "}" : "{\"re\": " + Number(re) + ", " + members + "}";

        /// <summary>ERROR <c>{"re": SEQ, "code": CODE, "message": "…"}</c>.</summary>
        public static string Error(ulong re, string code, string message) => Ack(re, ErrorMembers(code, message));

        /// <summary>
        /// BYE and REFUSED <c>{"code": CODE, "message": "…"}</c>: a refusal that answers no sequence; a
        /// standby's NOT_LEADER adds <c>"leader": "HOST:PORT"</c> when it knows the leader's endpoint.
        /// </summary>
        public static string Refusal(string code, string message, string? leader = null) =>
            leader == null ? "{" + ErrorMembers(code, message) + "}" : JsonText.AppendString(new StringBuilder("{" + ErrorMembers(code, message) + ", \"leader\": "), leader).Append('}').ToString();

        /// <summary>The members of an ERROR after <c>re</c>: <c>"code": CODE, "message": "…"</c>.</summary>
        public static string ErrorMembers(string code, string message) =>
            JsonText.AppendString(JsonText.AppendString(new StringBuilder("\"code\": "), code).Append(", \"message\": "), message).ToString();

        private static string Number(ulong re) => re.ToString(CultureInfo.InvariantCulture);
    }
}
