using System.Globalization;

namespace VibeSync.Wal.Storage;

/// <summary>Segment files are <c>NNNNNNNNNN.wal</c>, numbered from 1; a roll writes <c>.tmp</c> first.</summary>
internal static class SegmentNames
{
    public const string Extension = ".wal";
    public const string TempExtension = ".wal.tmp";

    public static string PathOf(string directory, ulong segment) =>
        System.IO.Path.Combine(directory, segment.ToString("D10", CultureInfo.InvariantCulture) + Extension);

    /// <summary>Segment numbers present in <paramref name="directory"/>, ascending.</summary>
    public static List<ulong> List(string directory)
    {
        var numbers = new List<ulong>();
        if (!Directory.Exists(directory)) return numbers;
        foreach (var file in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(file);
            if (name.Length == 10 && ulong.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) numbers.Add(n);
        }
        numbers.Sort();
        return numbers;
    }

    /// <summary>
    /// Accepts either the data directory (which holds <c>wal/</c>) or the WAL directory itself, so
    /// <c>wal verify DIR</c> works with whichever the user has at hand.
    /// </summary>
    public static string ResolveWalDirectory(string dir)
    {
        var nested = System.IO.Path.Combine(dir, "wal");
        return Directory.Exists(nested) && !Directory.EnumerateFiles(dir, "*" + Extension).Any() ? nested : dir;
    }
}
