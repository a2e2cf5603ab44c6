// Design rationale (issue #16 §5): an entry over the WAL's record limit used to throw out of the
// pipeline's spine and stop it for good. Every entry now goes through here. An intent's first
// entry (PENDING or PROVISIONAL) must fit with room to spare, or the intent is refused as
// RESOURCE_LIMIT; its later entries (FINAL, ROLLED_BACK) carry the same operations and scope plus a
// rationale clipped to RationaleChars and a verification, which the room kept covers, so they always
// fit. Entries that are only evidence (a refusal, a note) are slimmed rather than lost.
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Pipeline;

/// <summary>Fits journal entries into one WAL record each.</summary>
internal static class Journaling
{
    /// <summary>The most characters of rationale an entry keeps; longer ones (a refusal quoting input, many notes) are clipped.</summary>
    public const int RationaleChars = 16_384;

    /// <summary>
    /// What an intent's first entry leaves free for its later ones: a rationale of
    /// <see cref="RationaleChars"/> (at most 6 bytes a character once JSON-escaped), a verification and a rollback.
    /// </summary>
    public const int Reserve = 128 * 1024;

    /// <summary>The most an intent's first entry may take.</summary>
    public const int FirstEntryBudget = WriteAheadLog.MaxEntryBytes - Reserve;

    /// <summary>How many uuids an evidence entry that would not fit keeps.</summary>
    private const int SlimUuids = 64;

    /// <summary>
    /// Encodes <paramref name="entry"/> with its rationale clipped. A <paramref name="first"/> entry
    /// over <see cref="FirstEntryBudget"/> refuses its intent; an evidence entry (REFUSED, or one
    /// without operations) over the record limit is slimmed.
    /// </summary>
    /// <exception cref="IntentRefusedException">RESOURCE_LIMIT: the intent's first entry would not fit.</exception>
    /// <exception cref="WalEntryTooLargeException">A later phase of an admitted intent would not fit (the budget above makes it impossible).</exception>
    public static EncodedEntry Encode(WalEntry entry, bool first)
    {
        string? clipped = Clip(entry.Rationale, RationaleChars);
        // A copy only when clipping changed the rationale (nearly never): every entry comes through here.
        var encoded = WriteAheadLog.Encode(ReferenceEquals(clipped, entry.Rationale) ? entry : entry with { Rationale = clipped });
        int budget = first ? FirstEntryBudget : WriteAheadLog.MaxEntryBytes;
        if (encoded.BodyBytes <= budget) return encoded;
        if (first)
            throw new IntentRefusedException(IntentErrorCode.ResourceLimit, "intent",
                $"its journal entry would be {encoded.BodyBytes:N0} bytes, over the {budget:N0} an intent may take of one write-ahead log record " +
                $"({WriteAheadLog.MaxEntryBytes:N0} bytes); heavy data (large meshes) cannot travel in one intent yet");
        if (entry.Phase != IntentPhase.Refused && entry.OperationJson != null) throw new WalEntryTooLargeException(encoded.BodyBytes, WriteAheadLog.MaxEntryBytes);
        var uuids = entry.Scope.Uuids;
        string note = $" [journaled without {(entry.OperationJson != null ? "its operations and " : "")}{Math.Max(0, uuids.Count - SlimUuids):N0} of its {uuids.Count:N0} uuids: " +
            $"the whole entry would have been {encoded.BodyBytes:N0} bytes]";
        return WriteAheadLog.Encode(entry with
        {
            Scope = entry.Scope with { Uuids = uuids.Take(SlimUuids).ToArray() },
            Rationale = Clip(entry.Rationale, 4_096) + note,
            OperationJson = null,
        });
    }

    /// <summary><paramref name="text"/>, or its first <paramref name="chars"/> characters and how many were cut.</summary>
    public static string? Clip(string? text, int chars)
    {
        if (text == null || text.Length <= chars) return text;
        int keep = char.IsHighSurrogate(text[chars - 1]) ? chars - 1 : chars; // never half a character
        return text[..keep] + $"… ({text.Length - keep:N0} more characters not journaled)";
    }
}
