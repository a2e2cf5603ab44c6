using System;
using System.Collections.Generic;
using System.Text;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Hashing
{
    /// <summary>Per-record hashes and the Merkle root of one canonical scene.</summary>
    public sealed class SceneHashes
    {
        internal SceneHashes(MerkleTree tree, SortedDictionary<string, byte[]> objects,
            SortedDictionary<string, byte[]> materials, SortedDictionary<string, byte[]> meshes, SortedDictionary<string, byte[]> images,
            SortedDictionary<string, byte[]> skins, SortedDictionary<string, byte[]> animations)
        {
            Tree = tree;
            Objects = objects;
            Materials = materials;
            Meshes = meshes;
            Images = images;
            Skins = skins;
            Animations = animations;
        }

        /// <summary>The tree over every record; keep it to update the root incrementally.</summary>
        public MerkleTree Tree { get; }

        /// <summary>The scene root.</summary>
        public byte[] Root => Tree.Root;

        /// <summary>Object record hashes by uuid (ordinal order).</summary>
        public IReadOnlyDictionary<string, byte[]> Objects { get; }

        /// <summary>Material record hashes by uuid (ordinal order).</summary>
        public IReadOnlyDictionary<string, byte[]> Materials { get; }

        /// <summary>Mesh record hashes by uuid (ordinal order).</summary>
        public IReadOnlyDictionary<string, byte[]> Meshes { get; }

        /// <summary>Image record hashes by uuid (ordinal order).</summary>
        public IReadOnlyDictionary<string, byte[]> Images { get; }

        /// <summary>Skin record hashes by uuid (ordinal order).</summary>
        public IReadOnlyDictionary<string, byte[]> Skins { get; }

        /// <summary>Animation record hashes by uuid (ordinal order).</summary>
        public IReadOnlyDictionary<string, byte[]> Animations { get; }

        /// <summary>
        /// The one-line JSON that <c>vibesync hash</c> prints, byte for byte the same as the Python
        /// module's (docs/protocol.md §8). IDs are validated, so they need no escaping.
        /// </summary>
        public string ToJson()
        {
            var sb = new StringBuilder(128 + 110 * (Objects.Count + Materials.Count + Meshes.Count + Images.Count + Skins.Count + Animations.Count));
            sb.Append("{\"root\": \"").Append(Hex.Encode(Tree.RootSpan)).Append('"');
            AppendMap(sb, "objects", Objects);
            AppendMap(sb, "materials", Materials);
            AppendMap(sb, "meshes", Meshes);
            AppendMap(sb, "images", Images);
            AppendMap(sb, "skins", Skins);
            AppendMap(sb, "animations", Animations);
            return sb.Append('}').ToString();
        }

        private static void AppendMap(StringBuilder sb, string name, IReadOnlyDictionary<string, byte[]> map)
        {
            sb.Append(", \"").Append(name).Append("\": {");
            bool first = true;
            foreach (var pair in map)
            {
                if (!first) sb.Append(", ");
                first = false;
                sb.Append('"').Append(pair.Key).Append("\": \"").Append(Hex.Encode(pair.Value)).Append('"');
            }
            sb.Append('}');
        }
    }

    /// <summary>Hashes canonical scenes (docs/protocol.md §3–§5).</summary>
    public static class SceneHasher
    {
        /// <summary>Hashes every record of <paramref name="canonical"/> and builds its Merkle tree.</summary>
        /// <exception cref="ArgumentException">Two records share a uuid.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A real is not finite or beyond ±1e12.</exception>
        public static SceneHashes Hash(Scene canonical)
        {
            var leaves = Leaves(canonical);
            var tree = MerkleTree.Build(leaves); // refuses a uuid shared by any two records
            int objects = canonical.Objects.Count, materials = canonical.Materials.Count, meshes = canonical.Meshes.Count,
                images = canonical.Images.Count, skins = canonical.Skins.Count;
            int start = 0;
            SortedDictionary<string, byte[]> Next(int count) { var map = Map(leaves, start, count); start += count; return map; }
            return new SceneHashes(tree, Next(objects), Next(materials), Next(meshes), Next(images), Next(skins), Next(canonical.Animations.Count));
        }

        /// <summary>The root alone, without keeping per-kind maps (the hot path for large scenes).</summary>
        public static MerkleTree Tree(Scene canonical) => MerkleTree.Build(Leaves(canonical));

        /// <summary>The scene's root as lowercase hex, as status, logs and SCENE reports print it.</summary>
        public static string RootHex(Scene canonical) => Hex.Encode(Tree(canonical).RootSpan);

        /// <summary>(uuid, record hash) of every record: objects, then materials, meshes, images, skins, animations.</summary>
        private static List<KeyValuePair<string, byte[]>> Leaves(Scene canonical)
        {
            var leaves = new List<KeyValuePair<string, byte[]>>(
                canonical.RecordCount);
            foreach (var o in canonical.Objects) leaves.Add(new KeyValuePair<string, byte[]>(o.Uuid, RecordHash.Of(o)));
            foreach (var m in canonical.Materials) leaves.Add(new KeyValuePair<string, byte[]>(m.Uuid, RecordHash.Of(m)));
            foreach (var m in canonical.Meshes) leaves.Add(new KeyValuePair<string, byte[]>(m.Uuid, RecordHash.Of(m)));
            foreach (var i in canonical.Images) leaves.Add(new KeyValuePair<string, byte[]>(i.Uuid, RecordHash.Of(i)));
            foreach (var s in canonical.Skins) leaves.Add(new KeyValuePair<string, byte[]>(s.Uuid, RecordHash.Of(s)));
            foreach (var a in canonical.Animations) leaves.Add(new KeyValuePair<string, byte[]>(a.Uuid, RecordHash.Of(a)));
            return leaves;
        }

        private static SortedDictionary<string, byte[]> Map(List<KeyValuePair<string, byte[]>> leaves, int start, int count)
        {
            var map = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            for (int i = start; i < start + count; i++) map.Add(leaves[i].Key, leaves[i].Value);
            return map;
        }
    }
}
