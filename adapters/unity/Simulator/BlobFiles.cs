using VibeSync.Protocol.Blobs;

namespace VibeSync.Unity.Simulator;

/// <summary>
/// The blobs a simulator scene file's mesh records name, kept beside it in <c>FILE.blobs/</c>: one
/// file per blob, named by its id, holding its 11-byte header (docs/protocol.md §12) and its canonical
/// bytes. A Unity project keeps meshes as assets; the simulator's project is this file and folder.
/// </summary>
public static class BlobFiles
{
    /// <summary>The blob folder of scene file <paramref name="sceneFile"/>.</summary>
    public static string DirectoryOf(string sceneFile) => sceneFile + ".blobs";

    /// <summary>Writes the blobs <paramref name="ids"/> from <paramref name="source"/> (those already there are kept).</summary>
    public static void Write(string directory, IEnumerable<string> ids, IBlobSource source)
    {
        var wanted = ids.Distinct().ToList();
        if (wanted.Count == 0) return;
        Directory.CreateDirectory(directory);
        var header = new byte[BlobId.HeaderSize];
        foreach (var id in wanted)
        {
            var path = Path.Combine(directory, id);
            if (File.Exists(path)) continue; // named by content: the same name is the same bytes
            if (!source.TryGet(id, out var shape, out var bytes)) throw new InvalidOperationException($"blob {id} of the scene is not held");
            BlobId.WriteHeader(shape, header);
            using var file = File.Create(path + ".tmp");
            file.Write(header);
            file.Write(bytes.Span);
            file.Close();
            File.Move(path + ".tmp", path, overwrite: true);
        }
    }

    /// <summary>The blobs of <paramref name="directory"/> (none when it does not exist), each checked against its name.</summary>
    /// <exception cref="BlobFormatException">A file is not a blob, or its bytes do not hash to its name.</exception>
    public static BlobMemory Read(string directory)
    {
        var blobs = new BlobMemory();
        if (!Directory.Exists(directory)) return blobs;
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var id = Path.GetFileName(path);
            if (!BlobId.IsValid(id)) continue;
            var data = File.ReadAllBytes(path);
            if (data.Length < BlobId.HeaderSize || data[0] != BlobId.Tag) throw new BlobFormatException(id, "not a blob file");
            var shape = new BlobShape((BlobElement)data[1], data[2], (long)BitConverter.ToUInt64(data, 3));
            var payload = data.AsSpan(BlobId.HeaderSize);
            if (BlobId.Of(shape, payload) != id) throw new BlobFormatException(id, "its bytes do not hash to its name");
            blobs.Put(id, shape, payload);
        }
        return blobs;
    }
}
