using System;
using System.Globalization;

namespace VibeSync.Protocol.Link
{
    /// <summary>The link protocol's version, <c>major.minor</c>, and the skew the orchestrator accepts.</summary>
    public static class ProtocolVersion
    {
        /// <summary>The version this build speaks.</summary>
        public const string Current = "1.1";

        /// <summary>
        /// Null when a peer speaking <paramref name="peer"/> may talk to one speaking
        /// <paramref name="ours"/>: the same major version and at most one minor version apart.
        /// Otherwise a sentence saying what to upgrade.
        /// </summary>
        public static string? Incompatibility(string ours, string peer)
        {
            if (!TryParse(ours, out int oMajor, out int oMinor)) return $"this side's protocol version '{ours}' is not major.minor";
            if (!TryParse(peer, out int pMajor, out int pMinor)) return $"protocol version '{peer}' is not major.minor";
            if (pMajor != oMajor)
                return $"protocol {peer} cannot talk to {ours}: the major versions differ; install matching VibeSync versions of the orchestrator and the adapter";
            if (Math.Abs(pMinor - oMinor) > 1)
                return $"protocol {peer} is more than one minor version from {ours}; update the {(pMinor < oMinor ? "adapter" : "orchestrator")}";
            return null;
        }

        private static bool TryParse(string text, out int major, out int minor)
        {
            major = minor = 0;
            var parts = text.Split('.');
            return parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out major)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out minor);
        }
    }
}

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// The content schema: what records mean (the scene model of docs/protocol.md §2). A file
    /// stamped by a newer schema is refused (SCHEMA_MISMATCH) rather than read with the wrong meaning.
    /// </summary>
    public static class ContentSchema
    {
        /// <summary>The schema this build writes (4: armatures, joints, skins, morph targets, animations; 3 added glTF materials with textures, images, camera and light parameters; 2 added meshes over blobs).</summary>
        public const int Current = 4;

        /// <summary>The oldest schema this build still reads (1: its meshes are the inline form, read into records).</summary>
        public const int Oldest = 1;

        /// <summary>True when a stamp or HELLO of <paramref name="schema"/> can be read by this build.</summary>
        public static bool IsReadable(int schema) => schema >= Oldest && schema <= Current;
    }
}
