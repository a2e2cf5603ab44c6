using System.Collections.Generic;
using System.Linq;

namespace VibeSync.Protocol.State
{
    /// <summary>What an object is. The numeric values are part of the hash encoding.</summary>
    public enum ObjectKind : byte
    {
        /// <summary>A transform with nothing attached.</summary>
        Empty = 0,
        /// <summary>An object that renders a mesh.</summary>
        Mesh = 1,
        /// <summary>A camera (looks down local −Z in canonical space).</summary>
        Camera = 2,
        /// <summary>A light (points down local −Z in canonical space).</summary>
        Light = 3,
        /// <summary>An armature: the node whose children are its root joints (content schema 4).</summary>
        Armature = 4,
        /// <summary>A joint (a bone): its transform is the rest transform local to its parent joint or armature.</summary>
        Joint = 5,
    }

    /// <summary>
    /// One synced object. Values are in whatever space the containing <see cref="Scene"/> is
    /// expressed in; canonical unless a conversion says otherwise.
    /// </summary>
    public sealed record SceneObject(
        string Uuid,
        string Name,
        ObjectKind Kind,
        string? Parent,
        Vector3d Translation,
        Quaterniond Rotation,
        Vector3d Scale,
        bool Visible,
        IReadOnlyList<string?> Materials,
        string? Mesh)
    {
        /// <summary>True for kinds whose local frame looks down −Z (the axis-corrected kinds).</summary>
        public bool HasViewAxis => Kind == ObjectKind.Camera || Kind == ObjectKind.Light;

        /// <summary>The records this object uses: its mesh and the materials in its slots (empty slots left out).</summary>
        public IEnumerable<string> Uses()
        {
            if (Mesh != null) yield return Mesh;
            foreach (var m in Materials) if (m != null) yield return m;
            if (Skin != null) yield return Skin;
        }

        /// <summary>A camera's parameters (kind camera only); null = not synced (schema 2's bare transform).</summary>
        public CameraParameters? Camera { get; init; }

        /// <summary>A light's parameters (kind light only); null = not synced, or a light glTF cannot represent.</summary>
        public LightParameters? Light { get; init; }

        /// <summary>The skin this mesh object is skinned by (kind mesh only, content schema 4); null = not skinned.</summary>
        public string? Skin { get; init; }
    }

    /// <summary>A triangle as three vertex indices, in the winding of the space it is in (the inline mesh form, docs/protocol.md §8).</summary>
    public readonly struct Triangle : System.IEquatable<Triangle>
    {
        /// <summary>Creates a triangle.</summary>
        public Triangle(int a, int b, int c) { A = a; B = b; C = c; }
        /// <summary>First index.</summary>
        public int A { get; }
        /// <summary>Second index.</summary>
        public int B { get; }
        /// <summary>Third index.</summary>
        public int C { get; }
        /// <summary>The same triangle wound the other way: (a, b, c) → (a, c, b).</summary>
        public Triangle Flipped() => new Triangle(A, C, B);
        /// <inheritdoc />
        public bool Equals(Triangle other) => A == other.A && B == other.B && C == other.C;
        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is Triangle t && Equals(t);
        /// <inheritdoc />
        public override int GetHashCode() => System.HashCode.Combine(A, B, C);
    }

    /// <summary>The triangles of one material slot of a mesh: a u32 index blob (count a multiple of 3).</summary>
    /// <param name="Material">The object material slot index (0–1024) these triangles use.</param>
    /// <param name="Indices">The blob id of the canonical, counter-clockwise u32 indices.</param>
    public sealed record MeshPrimitive(int Material, string Indices);

    /// <summary>
    /// A mesh record (content schema 2, docs/protocol.md §2): glTF's model with the heavy arrays as
    /// blobs. Blob ids always name the canonical arrays, so the record is the same in every space.
    /// </summary>
    /// <param name="Uuid">The mesh's VibeSync ID.</param>
    /// <param name="VertexCount">Elements in every attribute.</param>
    /// <param name="Attributes">Semantic (<see cref="MeshSemantics"/>) → blob id; POSITION is required.</param>
    /// <param name="Primitives">One per material slot used, strictly ascending by slot; empty for a mesh with no faces.</param>
    /// <param name="Derived">What derived this mesh (Blender modifiers as "NAME (TYPE)", or "curve", "surface", "metaball", "text"); empty for an authored mesh.</param>
    public sealed record Mesh(
        string Uuid,
        int VertexCount,
        IReadOnlyDictionary<string, string> Attributes,
        IReadOnlyList<MeshPrimitive> Primitives,
        IReadOnlyList<string> Derived)
    {
        /// <summary>True when something derived this mesh: only its engine of origin may replace or delete it.</summary>
        public bool IsDerived => Derived.Count > 0;

        /// <summary>The blob id of <paramref name="semantic"/>, or null when the mesh has no such attribute.</summary>
        public string? Attribute(string semantic) => Attributes.TryGetValue(semantic, out var id) ? id : null;

        /// <summary>The semantics present, in ascending ordinal order (the order of the encoding and of scene JSON).</summary>
        public string[] SortedSemantics()
        {
            var keys = new string[Attributes.Count];
            int i = 0;
            foreach (var key in Attributes.Keys) keys[i++] = key;
            System.Array.Sort(keys, System.StringComparer.Ordinal);
            return keys;
        }

        /// <summary>The morph targets (content schema 4; Blender's shape keys but the reference key), in key order; empty for none.</summary>
        public IReadOnlyList<MorphTarget> Targets { get; init; } = System.Array.Empty<MorphTarget>();

        /// <summary>The default weight of each target (one per target, 0…1); empty when there are no targets.</summary>
        public IReadOnlyList<double> Weights { get; init; } = System.Array.Empty<double>();

        /// <summary>Every blob id the record references (attributes, primitives, then targets' deltas; repeats possible).</summary>
        public IEnumerable<string> BlobIds()
        {
            foreach (var id in Attributes.Values) yield return id;
            foreach (var p in Primitives) yield return p.Indices;
            foreach (var t in Targets)
            {
                yield return t.Position;
                if (t.Normal != null) yield return t.Normal;
            }
        }

        /// <summary>Value equality (the collections compared element by element).</summary>
        public bool Equals(Mesh? other)
        {
            if (other is null) return false;
            if (ReferenceEquals(this, other)) return true;
            if (Uuid != other.Uuid || VertexCount != other.VertexCount || Attributes.Count != other.Attributes.Count
                || Primitives.Count != other.Primitives.Count || Derived.Count != other.Derived.Count) return false;
            foreach (var pair in Attributes)
                if (!other.Attributes.TryGetValue(pair.Key, out var id) || id != pair.Value) return false;
            for (int i = 0; i < Primitives.Count; i++) if (!Primitives[i].Equals(other.Primitives[i])) return false;
            for (int i = 0; i < Derived.Count; i++) if (Derived[i] != other.Derived[i]) return false;
            if (Targets.Count != other.Targets.Count || Weights.Count != other.Weights.Count) return false;
            for (int i = 0; i < Targets.Count; i++) if (!Targets[i].Equals(other.Targets[i])) return false;
            for (int i = 0; i < Weights.Count; i++) if (!Weights[i].Equals(other.Weights[i])) return false;
            return true;
        }

        /// <inheritdoc />
        public override int GetHashCode() => System.HashCode.Combine(Uuid, VertexCount, Attributes.Count, Primitives.Count);
    }

    /// <summary>A scene: objects, materials, meshes, images, skins and animations, each keyed by a VibeSync ID.</summary>
    public sealed record Scene(
        IReadOnlyList<SceneObject> Objects,
        IReadOnlyList<Material> Materials,
        IReadOnlyList<Mesh> Meshes)
    {
        /// <summary>A scene with images (content schema 3).</summary>
        public Scene(IReadOnlyList<SceneObject> objects, IReadOnlyList<Material> materials, IReadOnlyList<Mesh> meshes,
            IReadOnlyList<Image> images) : this(objects, materials, meshes)
        {
            Images = images;
        }

        /// <summary>A scene with nothing in it.</summary>
        public static Scene Empty { get; } = new Scene(
            System.Array.Empty<SceneObject>(), System.Array.Empty<Material>(), System.Array.Empty<Mesh>());

        /// <summary>The image records (content schema 3; empty for older scenes).</summary>
        public IReadOnlyList<Image> Images { get; init; } = System.Array.Empty<Image>();

        /// <summary>The skin records (content schema 4; empty for older scenes).</summary>
        public IReadOnlyList<Skin> Skins { get; init; } = System.Array.Empty<Skin>();

        /// <summary>The animation records (content schema 4; empty for older scenes).</summary>
        public IReadOnlyList<Animation> Animations { get; init; } = System.Array.Empty<Animation>();

        /// <summary>Number of records of every kind.</summary>
        public int RecordCount => Objects.Count + Materials.Count + Meshes.Count + Images.Count + Skins.Count + Animations.Count;

        /// <summary>The scene with only the records, of every kind, whose uuid <paramref name="keep"/> accepts (input order kept).</summary>
        public Scene Where(System.Func<string, bool> keep) =>
            new Scene(Objects.Where(o => keep(o.Uuid)).ToArray(), Materials.Where(m => keep(m.Uuid)).ToArray(),
                Meshes.Where(m => keep(m.Uuid)).ToArray(), Images.Where(i => keep(i.Uuid)).ToArray())
            {
                Skins = Skins.Where(k => keep(k.Uuid)).ToArray(),
                Animations = Animations.Where(a => keep(a.Uuid)).ToArray(),
            };

        /// <summary>The records of this scene then those of <paramref name="other"/>, kind by kind (no uuid is checked).</summary>
        public Scene Concat(Scene other) =>
            new Scene(Objects.Concat(other.Objects).ToArray(), Materials.Concat(other.Materials).ToArray(),
                Meshes.Concat(other.Meshes).ToArray(), Images.Concat(other.Images).ToArray())
            {
                Skins = Skins.Concat(other.Skins).ToArray(),
                Animations = Animations.Concat(other.Animations).ToArray(),
            };

        /// <summary>
        /// The records of <paramref name="parts"/>, in order, kind by kind, in one pass (no uuid is
        /// checked). A lazy sequence is read once, so a caller can let each part go once it is taken.
        /// </summary>
        public static Scene Join(IEnumerable<Scene> parts)
        {
            var objects = new List<SceneObject>();
            var materials = new List<Material>();
            var meshes = new List<Mesh>();
            var images = new List<Image>();
            var skins = new List<Skin>();
            var animations = new List<Animation>();
            foreach (var part in parts)
            {
                objects.AddRange(part.Objects);
                materials.AddRange(part.Materials);
                meshes.AddRange(part.Meshes);
                images.AddRange(part.Images);
                skins.AddRange(part.Skins);
                animations.AddRange(part.Animations);
            }
            return new Scene(objects, materials, meshes, images) { Skins = skins, Animations = animations };
        }

        /// <summary>Every record's uuid: objects, materials, meshes, images, skins, animations.</summary>
        public IEnumerable<string> Uuids() =>
            Objects.Select(o => o.Uuid).Concat(Materials.Select(m => m.Uuid)).Concat(Meshes.Select(m => m.Uuid))
                .Concat(Images.Select(i => i.Uuid)).Concat(Skins.Select(k => k.Uuid)).Concat(Animations.Select(a => a.Uuid));

        /// <summary>
        /// Every blob id the scene references: its meshes' arrays (morph deltas included), its images'
        /// files, its skins' inverse bind matrices, its animations' times and values (repeats
        /// possible). Use it wherever blobs are pinned, retained, written beside a scene or collected.
        /// </summary>
        public IEnumerable<string> BlobIds()
        {
            foreach (var m in Meshes)
                foreach (var id in m.BlobIds()) yield return id;
            foreach (var i in Images) yield return i.Blob;
            foreach (var s in Skins) yield return s.InverseBindMatrices;
            foreach (var a in Animations)
                foreach (var id in a.BlobIds()) yield return id;
        }
    }
}

namespace VibeSync.Protocol.State
{
    /// <summary>The names of object kinds in scene JSON: empty, mesh, camera, light, armature, joint.</summary>
    public static class ObjectKindNames
    {
        /// <summary>The lowercase name of <paramref name="kind"/>.</summary>
        public static string Name(ObjectKind kind) => kind switch
        {
            ObjectKind.Mesh => "mesh",
            ObjectKind.Camera => "camera",
            ObjectKind.Light => "light",
            ObjectKind.Armature => "armature",
            ObjectKind.Joint => "joint",
            _ => "empty",
        };

        /// <summary>Every kind's name, for error messages: "empty, mesh, camera, light, armature or joint".</summary>
        public const string Choices = "empty, mesh, camera, light, armature or joint";

        /// <summary>Parses a lowercase kind name.</summary>
        public static bool TryParse(string text, out ObjectKind kind)
        {
            switch (text)
            {
                case "empty": kind = ObjectKind.Empty; return true;
                case "mesh": kind = ObjectKind.Mesh; return true;
                case "camera": kind = ObjectKind.Camera; return true;
                case "light": kind = ObjectKind.Light; return true;
                case "armature": kind = ObjectKind.Armature; return true;
                case "joint": kind = ObjectKind.Joint; return true;
                default: kind = ObjectKind.Empty; return false;
            }
        }
    }
}
