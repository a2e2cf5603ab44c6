// Design rationale (issue #17): a 1M-vertex mesh is ~40 MB of arrays and ~100 ms to name. Reading it
// back from Unity on every tick, or for every transform edit, would cost that each time, so the core
// keeps each mesh's record and its canonical blob bytes keyed by the host's version token, and reads
// a mesh again only when the token says it may have changed. The bytes kept also answer BLOB_WANT.
using System;
using System.Collections.Generic;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;

namespace VibeSync.Unity.Meshes
{
    /// <summary>
    /// The canonical records of the scene's meshes and the canonical bytes of their blobs, read from
    /// the host once per change (<see cref="IUnityScene.MeshVersion"/>), and the one place meshes are
    /// written to the host.
    /// </summary>
    public sealed class MeshCache : IBlobSource
    {
        private readonly BlobCache _blobs = new BlobCache();
        private readonly Dictionary<string, (long Version, Mesh Record)> _records = new Dictionary<string, (long, Mesh)>(StringComparer.Ordinal);

        /// <summary>Geometry reads (a mesh read from the host, converted and named), for tests and benchmarks.</summary>
        public int Reads { get; private set; }

        /// <summary>The canonical record of mesh <paramref name="id"/>, read from the host only if its version changed.</summary>
        /// <exception cref="BlobFormatException">The host holds a value that cannot be named (NaN, ±1e12).</exception>
        public Mesh Record(IUnityScene scene, string id)
        {
            long version = scene.MeshVersion(id);
            if (_records.TryGetValue(id, out var known) && known.Version == version) return known.Record;
            var notes = scene.NotesOf(id);
            var canonical = UnitySpace.Convert(UnityMeshIo.Read(scene.Mesh(id), notes.NormalsComputed));
            var record = MeshRecords.Encode(id, canonical, notes.Derived, (blob, shape, bytes) => _blobs.Put(blob, shape, bytes));
            Reads++;
            _records[id] = (version, record);
            return record;
        }

        /// <summary>Forgets meshes no longer in <paramref name="present"/> and the blobs only they used.</summary>
        public void Retain(ICollection<string> present)
        {
            var gone = new List<string>();
            foreach (var id in _records.Keys) if (!present.Contains(id)) gone.Add(id);
            foreach (var id in gone) _records.Remove(id);
            var keep = new List<string>();
            foreach (var entry in _records.Values) keep.AddRange(entry.Record.BlobIds());
            _blobs.Retain(keep);
        }

        /// <inheritdoc />
        public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload) => _blobs.TryGet(id, out shape, out payload);

        /// <summary>True when a blob of a current mesh has this id.</summary>
        public bool Has(string id) => _blobs.Has(id);

        /// <summary>
        /// The canonical arrays <paramref name="record"/> names, checked whole against <paramref name="blobs"/>
        /// (nothing is written when this throws).
        /// </summary>
        /// <exception cref="MeshContentException">A blob is missing or of the wrong shape, an index out of range.</exception>
        public static MeshArrays Check(Mesh record, IBlobSource blobs) => MeshRecords.Decode(record, blobs);

        /// <summary>
        /// Writes canonical <paramref name="canonical"/> arrays into the host's mesh <paramref name="id"/>
        /// (converted to Unity space), with its notes. The mesh is read back (and named) on the next
        /// <see cref="Record"/>: what is reported is what Unity holds.
        /// </summary>
        public void Write(IUnityScene scene, string id, MeshArrays canonical, IReadOnlyList<string> derived)
        {
            scene.SetNotes(id, Fill(scene.EditMesh(id), canonical, derived));
            _records.Remove(id);
        }

        /// <summary>Fills a Unity mesh with canonical arrays (converted to Unity space); returns the notes the host keeps beside it.</summary>
        public static MeshNotes Fill(IUnityMeshApi mesh, MeshArrays canonical, IReadOnlyList<string> derived)
        {
            UnityMeshIo.Write(mesh, UnitySpace.Convert(canonical));
            return new MeshNotes(derived, canonical.Normals == null);
        }

        /// <summary>The canonical arrays of what the host holds now (for an undo step).</summary>
        public MeshArrays Arrays(IUnityScene scene, string id) => MeshRecords.Decode(Record(scene, id), this);
    }
}
