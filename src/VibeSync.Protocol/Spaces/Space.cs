namespace VibeSync.Protocol.Spaces
{
    /// <summary>The coordinate conventions a scene's values are written in.</summary>
    public enum Space
    {
        /// <summary>glTF conventions: right-handed, +Y up, meters, cameras look down −Z.</summary>
        Canonical,
        /// <summary>Blender: right-handed, +Z up, Blender units (× scale_length = meters).</summary>
        Blender,
        /// <summary>Unity: left-handed, +Y up, meters, cameras look down +Z.</summary>
        Unity,
    }

    /// <summary>Names of spaces as they appear on the command line and in JSON.</summary>
    public static class SpaceNames
    {
        /// <summary>Parses "blender", "unity" or "canonical".</summary>
        public static bool TryParse(string? text, out Space space)
        {
            switch (text)
            {
                case "canonical": space = Space.Canonical; return true;
                case "blender": space = Space.Blender; return true;
                case "unity": space = Space.Unity; return true;
                default: space = Space.Canonical; return false;
            }
        }

        /// <summary>The lowercase name of <paramref name="space"/>.</summary>
        public static string Name(Space space) => space switch
        {
            Space.Blender => "blender",
            Space.Unity => "unity",
            _ => "canonical",
        };
    }
}
