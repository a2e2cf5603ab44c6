using System;
using System.Collections.Generic;
using VibeSync.Protocol.Json;

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// Following the leader of a team-mode cluster (docs/protocol.md §11.12): a standby orchestrator
    /// answers HELLO with REFUSED <c>NOT_LEADER</c>, whose optional <c>leader</c> names the leader's
    /// endpoint. The Python add-on has the twin <c>link/leader.py</c>; testdata/leader_vectors.json pins both.
    /// </summary>
    public static class LeaderHint
    {
        /// <summary>The code of a standby's refusal.</summary>
        public const string NotLeader = "NOT_LEADER";

        /// <summary>
        /// REFUSED's payload as code, message and leader; <c>leader</c> is null when absent or not
        /// HOST:PORT (a hint the adapter cannot use is no reason to fail differently).
        /// </summary>
        /// <exception cref="JsonFieldException">Not an object with text <c>code</c> and <c>message</c>.</exception>
        /// <exception cref="JsonParseException">Not JSON.</exception>
        public static (string Code, string Message, LinkEndpoint? Leader) ParseRefusal(string json)
        {
            var o = JsonFields.AsObject(JsonParser.Parse(json), "refused");
            var leader = o.Get("leader") is JsonString s ? LinkEndpoint.TryParse(s.Value) : null;
            return (JsonFields.Text(JsonFields.Required(o, "", "code"), "code"), JsonFields.Text(JsonFields.Required(o, "", "message"), "message"), leader);
        }

        /// <summary>Host names compare without case (DNS does), ports exactly.</summary>
        public static bool Same(LinkEndpoint a, LinkEndpoint b) =>
            a.Port == b.Port && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A key file's endpoints in the order to dial them on one (re)connect: each is tried once; a
    /// NOT_LEADER naming an endpoint still to be tried moves it to the front. An endpoint a refusal
    /// names that the key file does not is never dialed: the pin guards only the key file's endpoints.
    /// </summary>
    public sealed class DialOrder
    {
        private readonly List<LinkEndpoint> _queue;

        /// <summary>Starts with <paramref name="endpoints"/> in the key file's order.</summary>
        public DialOrder(IEnumerable<LinkEndpoint> endpoints) { _queue = new List<LinkEndpoint>(endpoints); }

        /// <summary>The next endpoint to dial, or null when every one was tried.</summary>
        public LinkEndpoint? Next()
        {
            if (_queue.Count == 0) return null;
            var next = _queue[0];
            _queue.RemoveAt(0);
            return next;
        }

        /// <summary>What an endpoint refused with; a NOT_LEADER's leader, when still to be tried, is dialed next.</summary>
        public void Refused(string code, LinkEndpoint? leader)
        {
            if (code != LeaderHint.NotLeader || leader == null) return;
            int i = _queue.FindIndex(e => LeaderHint.Same(e, leader));
            if (i <= 0) return;
            var named = _queue[i];
            _queue.RemoveAt(i);
            _queue.Insert(0, named);
        }
    }
}
