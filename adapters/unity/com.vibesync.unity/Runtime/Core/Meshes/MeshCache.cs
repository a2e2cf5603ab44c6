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
        private readonly BlobMemory _blobs = new BlobMemory();
        private readonly Dictionary<string, (long Version, Mesh Record)> _records = new Dictionary<string, (long, Mesh)>(StringComparer.Ordinal);
        private readonly Dictionary<string, HeldMesh> _written = new Dictionary<string, HeldMesh>(StringComparer.Ordinal); // until read back

        /// <summary>Geometry reads (a mesh read from the host, converted and named), for tests and benchmarks.</summary>
        public int Reads { get; private set; }

        /// <summary>Reads whose blobs were named by hashing (the others read back exactly as written), for tests and benchmarks.</summary>
        public int Named { get; private set; }

        /// <summary>The canonical record of mesh <paramref name="id"/>, read from the host only if its version changed.</summary>
        /// <exception cref="BlobFormatException">The host holds a value that cannot be named (NaN, ±1e12).</exception>
        public Mesh Record(IUnityScene scene, string id)
        {
            long version = scene.MeshVersion(id);
            if (_records.TryGetValue(id, out var known) && known.Version == version) return known.Record;
            var notes = scene.NotesOf(id);
            var canonical = UnitySpace.Convert(UnityMeshIo.Read(scene.Mesh(id), notes.NormalsComputed));
            Mesh record;
            if (_written.TryGetValue(id, out var written) && written.Describes(canonical, notes.Derived))
            {
                // What was written reads back bit for bit: its names stand, nothing is hashed.
                record = MeshRecords.Encode(id, canonical, notes.Derived, (_, _, _) => { }, written.Record);
                foreach (var blob in record.BlobIds())
                    if (written.Blobs.TryGet(blob, out var shape, out var bytes)) _blobs.Hold(blob, shape, bytes);
            }
            else
            {
                record = MeshRecords.Encode(id, canonical, notes.Derived, (blob, shape, bytes) => _blobs.Hold(blob, shape, bytes), null,
                    new HashSet<string>(notes.TargetsWithoutNormals, StringComparer.Ordinal));
                Named++;
            }
            _written.Remove(id);
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
            _written.Remove(id);
        }

        /// <summary>
        /// Writes <paramref name="held"/> into the host's mesh <paramref name="id"/> (its arrays:
        /// <paramref name="canonical"/> when already decoded). When the mesh reads back exactly as
        /// written, <see cref="Record"/> reports this record without naming its blobs again.
        /// </summary>
        public void Write(IUnityScene scene, string id, HeldMesh held, MeshArrays? canonical = null)
        {
            Write(scene, id, canonical ?? held.Arrays(), held.Record.Derived);
            _written[id] = held;
        }

        /// <summary>The record of mesh <paramref name="id"/> with its blobs, kept apart from this cache (an undo step restores it).</summary>
        public HeldMesh Held(IUnityScene scene, string id) => HeldMesh.Of(Record(scene, id), this);

        /// <summary>Fills a Unity mesh with canonical arrays (converted to Unity space); returns the notes the host keeps beside it.</summary>
        public static MeshNotes Fill(IUnityMeshApi mesh, MeshArrays canonical, IReadOnlyList<string> derived)
        {
            UnityMeshIo.Write(mesh, UnitySpace.Convert(canonical));
            var noNormals = new List<string>();
            foreach (var t in canonical.Targets) if (t.Normals == null) noNormals.Add(t.Name);
            return new MeshNotes(derived, canonical.Normals == null) { TargetsWithoutNormals = noNormals };
        }

        /// <summary>The canonical arrays of what the host holds now.</summary>
        public MeshArrays Arrays(IUnityScene scene, string id) => MeshRecords.Decode(Record(scene, id), this);
    }
}
