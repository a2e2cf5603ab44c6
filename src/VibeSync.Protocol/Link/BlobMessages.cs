// Design rationale (docs/protocol.md §12.2): the message that names blobs is the "have"; the
// receiver answers BLOB_WANT for the ones it lacks (with the offset it kept of an interrupted
// one), and the sender answers BLOB_GONE for the ones it can no longer provide. Where a message
// names blobs is one rule for every message: a string member of a mesh record's `attributes`
// object, the `indices` of an entry of its `primitives` list, or the `blob` of an image record or
// of create_image/replace_image, wherever it sits (SCENE, STATE, an operation of EDIT or APPLY).
using System;
using System.Collections.Generic;
using System.Text;
using VibeSync.Protocol.Json;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.Link
{
    /// <summary>One blob asked for: its name and the bytes of it the asker kept (0: from the start).</summary>
    /// <param name="Id">The blob's name.</param>
    /// <param name="Offset">Where the sender starts.</param>
    public sealed record WantedBlob(string Id, long Offset);

    /// <summary>BLOB_WANT <c>{"re": SEQ, "blobs": [{"id": B, "offset": O}…]}</c>: the blobs a message named that its receiver lacks.</summary>
    /// <param name="Re">The sequence number of the message that named them.</param>
    /// <param name="Blobs">What is asked for, at most 4,096.</param>
    public sealed record BlobWant(ulong Re, IReadOnlyList<WantedBlob> Blobs)
    {
        /// <summary>Most blobs one BLOB_WANT (or BLOB_GONE) lists.</summary>
        public const int MaxBlobs = 4096;

        /// <summary>The payload's JSON.</summary>
        public string ToJson()
        {
            var sb = new StringBuilder("{\"re\": ").Append(Re).Append(", \"blobs\": [");
            for (int i = 0; i < Blobs.Count; i++)
                sb.Append(i > 0 ? ", " : "").Append("{\"id\": \"").Append(Blobs[i].Id).Append("\", \"offset\": ").Append(Blobs[i].Offset).Append('}');
            return sb.Append("]}").ToString();
        }

        /// <summary>Reads a BLOB_WANT payload strictly.</summary>
        /// <exception cref="JsonFieldException">A field missing, unknown or wrong.</exception>
        public static BlobWant Read(JsonObject o)
        {
            CheckFields(o, "", new[] { "re", "blobs" }, Array.Empty<string>());
            var items = AsArray(o.Get("blobs")!, "blobs").Items;
            if (items.Count == 0 || items.Count > MaxBlobs) throw new JsonFieldException("blobs", $"expected 1–{MaxBlobs} blobs");
            var blobs = new List<WantedBlob>(items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                var b = AsObject(items[i], $"blobs[{i}]");
                CheckFields(b, $"blobs[{i}]", new[] { "id", "offset" }, Array.Empty<string>());
                blobs.Add(new WantedBlob(BlobId(b.Get("id")!, $"blobs[{i}].id"), Whole(b, "offset", $"blobs[{i}].offset")));
            }
            return new BlobWant((ulong)Whole(o, "re", "re"), blobs);
        }

        internal static long Whole(JsonObject o, string field, string path) =>
            o.Get(field) is JsonNumber { IsInteger: true } n && n.Value >= 0 && n.Value <= 9.007199254740992e15 ? (long)n.Value
            : throw new JsonFieldException(path, "expected a whole number ≥ 0");
    }

    /// <summary>BLOB_GONE <c>{"re": SEQ, "ids": [B…]}</c>: the sender of a reference cannot provide these blobs; the referencing message is dropped.</summary>
    /// <param name="Re">The sequence number of the message that named them.</param>
    /// <param name="Ids">The blobs it cannot provide.</param>
    public sealed record BlobGone(ulong Re, IReadOnlyList<string> Ids)
    {
        /// <summary>The payload's JSON.</summary>
        public string ToJson()
        {
            return AppendIds(new StringBuilder("{\"re\": ").Append(Re).Append(", \"ids\": ["), Ids).Append("]}").ToString();
        }

        /// <summary>Reads a BLOB_GONE payload strictly.</summary>
        /// <exception cref="JsonFieldException">A field missing, unknown or wrong.</exception>
        public static BlobGone Read(JsonObject o)
        {
            CheckFields(o, "", new[] { "re", "ids" }, Array.Empty<string>());
            return new BlobGone((ulong)BlobWant.Whole(o, "re", "re"), ReadIds(o));
        }

        /// <summary>Writes blob names as JSON strings, comma-separated (BLOB_GONE's and BLOB_OFFER's <c>ids</c>).</summary>
        internal static StringBuilder AppendIds(StringBuilder sb, IReadOnlyList<string> ids)
        {
            for (int i = 0; i < ids.Count; i++) sb.Append(i > 0 ? ", \"" : "\"").Append(ids[i]).Append('"');
            return sb;
        }

        /// <summary>The <c>ids</c> list of BLOB_GONE and BLOB_OFFER: 1–4,096 blob names.</summary>
        internal static IReadOnlyList<string> ReadIds(JsonObject o)
        {
            var items = AsArray(o.Get("ids")!, "ids").Items;
            if (items.Count == 0 || items.Count > BlobWant.MaxBlobs) throw new JsonFieldException("ids", $"expected 1–{BlobWant.MaxBlobs} blob names");
            var ids = new List<string>(items.Count);
            for (int i = 0; i < items.Count; i++) ids.Add(BlobId(items[i], $"ids[{i}]"));
            return ids;
        }
    }

    /// <summary>
    /// BLOB_OFFER <c>{"ids": [B…]}</c>, orchestrator → adapter: blobs arriving from another engine (or
    /// held) that an APPLY may soon name. The adapter answers BLOB_WANT (<c>re</c>: the offer's
    /// sequence number) for those it neither holds nor is receiving, or nothing: an offer asks for no answer.
    /// </summary>
    /// <param name="Ids">The blobs offered, 1–4,096.</param>
    public sealed record BlobOffer(IReadOnlyList<string> Ids)
    {
        /// <summary>The payload's JSON.</summary>
        public string ToJson()
        {
            return BlobGone.AppendIds(new StringBuilder("{\"ids\": ["), Ids).Append("]}").ToString();
        }

        /// <summary>Reads a BLOB_OFFER payload strictly.</summary>
        /// <exception cref="JsonFieldException">A field missing, unknown or wrong.</exception>
        public static BlobOffer Read(JsonObject o)
        {
            CheckFields(o, "", new[] { "ids" }, Array.Empty<string>());
            return new BlobOffer(BlobGone.ReadIds(o));
        }
    }

    /// <summary>The blobs a message names (docs/protocol.md §12.2): the one rule every side applies to SCENE, STATE, EDIT and APPLY.</summary>
    public static class BlobReferences
    {
        /// <summary>The members <see cref="In"/> reads blob names from (quoted, as they stand in JSON text).</summary>
        private static readonly string[] Members =
            { "\"attributes\"", "\"primitives\"", "\"targets\"", "\"blob\"", "\"inverse_bind_matrices\"", "\"times\"", "\"values\"" };

        /// <summary>
        /// False when <paramref name="json"/> cannot name a blob (none of the members <see cref="In"/>
        /// reads appears in it): a caller may then skip parsing it (the link's transform APPLYs).
        /// </summary>
        public static bool MayName(string json)
        {
            foreach (var member in Members)
                if (json.IndexOf(member, StringComparison.Ordinal) >= 0) return true;
            return false;
        }

        /// <summary>
        /// The distinct well-formed blob names in <paramref name="payload"/>, in the order they first
        /// appear: string members of any <c>attributes</c> object, <c>indices</c> of any entry of a
        /// <c>primitives</c> array, <c>POSITION</c>/<c>NORMAL</c> of any entry of a <c>targets</c>
        /// array, and the <c>blob</c>, <c>inverse_bind_matrices</c>, <c>times</c> and <c>values</c>
        /// members of any object (an image record, create_image, replace_image; a skin; an animation
        /// channel). A malformed name is not listed (the record's reader refuses it).
        /// </summary>
        public static IReadOnlyList<string> In(JsonNode payload)
        {
            var found = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            Walk(payload);
            return found;

            void Walk(JsonNode node) // the parser bounds nesting at 64
            {
                if (node is JsonArray array)
                    foreach (var item in array.Items) Walk(item);
                if (node is not JsonObject o) return;
                foreach (var m in o.Members)
                {
                    if (m.Key == "attributes" && m.Value is JsonObject attributes)
                        foreach (var a in attributes.Members) Add(a.Value);
                    else if (m.Key == "primitives" && m.Value is JsonArray primitives)
                        foreach (var p in primitives.Items) { if (p is JsonObject po) Add(po.Get("indices")); }
                    else if (m.Key == "targets" && m.Value is JsonArray targets)
                        foreach (var t in targets.Items) { if (t is JsonObject to) { Add(to.Get("POSITION")); Add(to.Get("NORMAL")); } }
                    else if (m.Key is "blob" or "inverse_bind_matrices" or "times" or "values") Add(m.Value);
                    else Walk(m.Value);
                }
            }

            void Add(JsonNode? node)
            {
                if (node is JsonString s && Blobs.BlobId.IsValid(s.Value) && seen.Add(s.Value)) found.Add(s.Value);
            }
        }
    }
}
