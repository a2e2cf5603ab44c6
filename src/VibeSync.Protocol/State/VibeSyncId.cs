namespace VibeSync.Protocol.State
{
    /// <summary>
    /// VibeSync IDs: lowercase 8-4-4-4-12 UUIDs, optionally prefixed <c>h-</c> for objects
    /// hidden from AI (docs/protocol.md §2). One identity has exactly one spelling, so
    /// uppercase is refused rather than folded.
    /// </summary>
    public static class VibeSyncId
    {
        /// <summary>The prefix that hides an object from AI actors.</summary>
        public const string HiddenPrefix = "h-";

        /// <summary>True when <paramref name="id"/> is a well-formed VibeSync ID.</summary>
        public static bool IsValid(string? id)
        {
            if (id is null) return false;
            int start = id.StartsWith(HiddenPrefix, System.StringComparison.Ordinal) ? 2 : 0;
            if (id.Length - start != 36) return false;
            for (int i = 0; i < 36; i++)
            {
                char c = id[start + i];
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
            }
            return true;
        }

        /// <summary>True when the ID marks an object hidden from AI.</summary>
        public static bool IsHidden(string id) => id.StartsWith(HiddenPrefix, System.StringComparison.Ordinal);
    }
}
