// Design rationale (issue #17 item 1): a git snapshot is restorable forever, so every blob a
// snapshot's meshes name must outlive Reality's use of it. Walking git history at each collection
// would cost more the longer a project lives; instead each blob a snapshot names is pinned here,
// durably, before the commit that names it exists, and collection reads one file.
//
//   DIR/blobs/snapshot-pins   0600   one blob id (64 hex) per line, appended, fsynced; never shrinks
using System.Text;
using VibeSync.Orchestrator.Data;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Orchestrator.Collection;

/// <summary>The blobs git snapshots name: roots of collection for as long as the snapshots exist. Thread-safe.</summary>
public sealed class PinnedBlobs
{
    /// <summary>The file's name in the blob store's directory.</summary>
    public const string FileName = "snapshot-pins";

    private readonly HashSet<string> _ids;
    private readonly string _path;

    private PinnedBlobs(string path, HashSet<string> ids)
    {
        _path = path;
        _ids = ids;
    }

    /// <summary>Where the pins of a data directory are.</summary>
    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, "blobs", FileName);

    /// <summary>True when the data directory has a pin file (a directory made before pins existed has none).</summary>
    public static bool Exist(string dataDirectory) => File.Exists(PathIn(dataDirectory));

    /// <summary>Reads the pins of <paramref name="dataDirectory"/> (none when there is no file yet).</summary>
    public static PinnedBlobs Open(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path, Encoding.ASCII);
            foreach (var line in text.Split('\n'))
                if (BlobId.IsValid(line)) ids.Add(line); // a line torn by a crash was never acknowledged: its commit was not made
            if (text.Length > 0 && text[^1] != '\n') Append(path, "\n"); // the next pin starts on a line of its own
        }
        return new PinnedBlobs(path, ids);
    }

    /// <summary>The pinned ids.</summary>
    public IReadOnlyCollection<string> Ids { get { lock (_ids) return _ids.ToArray(); } }

    /// <summary>True when <paramref name="id"/> is pinned.</summary>
    public bool Contains(string id) { lock (_ids) return _ids.Contains(id); }

    /// <summary>
    /// Pins <paramref name="ids"/> (those not pinned yet), durably (written, fsynced; the file
    /// created 0600 and its directory fsynced) when it returns. Call it before the snapshot that
    /// names them is committed.
    /// </summary>
    public void Pin(IEnumerable<string> ids)
    {
        lock (_ids)
        {
            var fresh = ids.Where(id => BlobId.IsValid(id) && !_ids.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
            if (fresh.Count == 0 && File.Exists(_path)) return;
            bool created = !File.Exists(_path);
            Append(_path, string.Concat(fresh.Select(id => id + "\n")));
            if (created) VibeSync.Wal.Storage.DirectorySync.Fsync(Path.GetDirectoryName(_path)!);
            _ids.UnionWith(fresh);
        }
    }

    private static void Append(string path, string text)
    {
        PrivateFiles.EnsureDirectory(Path.GetDirectoryName(path)!);
        using var file = new FileStream(path, PrivateFiles.Create(FileMode.Append));
        file.Write(Encoding.ASCII.GetBytes(text));
        file.Flush(flushToDisk: true);
    }
}
