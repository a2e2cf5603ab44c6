using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace VibeSync.Protocol.Blobs
{

    /// <summary>
    /// The blobs a scene JSON file's mesh records name, kept beside it in <c>FILE.blobs/</c>: one file
    /// per blob, named by its id, holding its 11-byte header (docs/protocol.md §12) and its canonical
    /// bytes. The simulator's project is such a file and folder; scene files handed to Blender's
    /// builder, the demo's and the benchmarks' are too (Python: <c>protocol.blobs.read_folder</c>).
    /// </summary>
    public static class BlobFolder
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
                file.Write(header, 0, header.Length);
                file.Write(bytes.Span);
                file.Close();
                if (File.Exists(path)) File.Delete(path);
                File.Move(path + ".tmp", path);
            }
        }

        /// <summary>
        /// Writes <paramref name="canonical"/> as scene JSON in <paramref name="space"/> to
        /// <paramref name="path"/>, and the blobs its meshes and images name (from <paramref name="blobs"/>) to
        /// <see cref="DirectoryOf"/> it.
        /// </summary>
        public static void WriteScene(string path, State.Scene canonical, Spaces.Space space, IBlobSource blobs)
        {
            Write(DirectoryOf(path), canonical.BlobIds(), blobs);
            File.WriteAllText(path, SceneJson.SceneJsonWriter.Write(canonical, space));
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
}
