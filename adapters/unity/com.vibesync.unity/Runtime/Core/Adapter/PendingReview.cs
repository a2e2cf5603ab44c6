using System;
using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;

namespace VibeSync.Unity.Adapter
{
    /// <summary>One pending AI intent as the editor window shows it.</summary>
    /// <param name="Id">The intent's number (its console page's).</param>
    /// <param name="Heading">"#8 ai:claude · structural".</param>
    /// <param name="Rationale">Why the AI asked (the window wraps it), or "(no rationale given)".</param>
    public sealed record PendingRow(ulong Id, string Heading, string Rationale);

    /// <summary>
    /// The AI intents waiting for a human, as the orchestrator last said (PENDING_INTENTS,
    /// docs/protocol.md §11.9), and what the editor window (<c>Editor/PendingIntentsWindow</c>) and the
    /// simulator show of them: a row per intent and the console page its Review in console button
    /// opens. Engine-free. Nothing here approves or denies: the console does, as the human.
    /// </summary>
    public sealed class PendingReview
    {
        /// <summary>Rows listed at most; the console lists every one.</summary>
        public const int Shown = 10;

        /// <summary>What the orchestrator said last in this session (none yet: nothing pending, no console known).</summary>
        public PendingIntents? Current { get; private set; }

        /// <summary>Changes with every list taken or reset: a window repaints when it moved.</summary>
        public int Version { get; private set; }

        /// <summary>A new session knows of no pending intent until the orchestrator tells it (on attach).</summary>
        public void Reset()
        {
            if (Current == null) return;
            Current = null;
            Version++;
        }

        /// <summary>
        /// A PENDING_INTENTS payload: kept and answered ACK, or refused ERROR MALFORMED naming the
        /// field, the list shown staying what it was.
        /// </summary>
        public (byte Type, string Body) Take(string json)
        {
            try { Current = PendingIntents.Parse(json); }
            catch (Exception e) when (e is JsonParseException or JsonFieldException)
            {
                return (MessageType.Error, Replies.ErrorMembers("MALFORMED", "PENDING_INTENTS " + e.Message));
            }
            Version++;
            return (MessageType.Ack, "");
        }

        /// <summary>"AI intents to review: N", or empty while none waits.</summary>
        public string Title => Current == null || Current.Total == 0 ? "" : $"AI intents to review: {Current.Total}";

        /// <summary>The first <see cref="Shown"/> intents, ascending by id.</summary>
        public IReadOnlyList<PendingRow> Rows() =>
            Current == null ? Array.Empty<PendingRow>()
            : Current.Intents.Take(Shown).Select(i => new PendingRow(i.Id, $"#{i.Id} {i.Actor} · {i.Class}",
                i.Rationale.Length == 0 ? "(no rationale given)" : i.Rationale)).ToArray();

        /// <summary>"… and N more in the console" when more wait than are shown, else null.</summary>
        public string? More => Current != null && Current.Total > Math.Min(Shown, Current.Intents.Count)
            ? $"… and {Current.Total - Math.Min(Shown, Current.Intents.Count)} more in the console" : null;

        /// <summary>The console's page of a listed intent (what Review in console opens).</summary>
        /// <exception cref="InvalidOperationException">It is not listed now (decided meanwhile), with a sentence saying so.</exception>
        public string ReviewUrl(ulong id)
        {
            if (Current == null || !Current.Intents.Any(i => i.Id == id))
                throw new InvalidOperationException($"intent {id} is not waiting any more (the list changed); `vibesync status` shows what is pending");
            return Current.PageUrl(id);
        }
    }
}
