using System.Collections.Generic;

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
    }

    /// <summary>A material: linear base colour, metallic/roughness, emission.</summary>
    public sealed record Material(
        string Uuid,
        string Name,
        Vector4d BaseColor,
        double Metallic,
        double Roughness,
        Vector3d Emission);

    /// <summary>A triangle as three vertex indices, in the winding of the space it is in.</summary>
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

    /// <summary>Mesh data: positions, triangles and optional per-vertex texture coordinates.</summary>
    public sealed record Mesh(
        string Uuid,
        IReadOnlyList<Vector3d> Positions,
        IReadOnlyList<Triangle> Triangles,
        IReadOnlyList<Vector2d>? Uv0);

    /// <summary>A scene: objects, materials and meshes, each keyed by a VibeSync ID.</summary>
    public sealed record Scene(
        IReadOnlyList<SceneObject> Objects,
        IReadOnlyList<Material> Materials,
        IReadOnlyList<Mesh> Meshes)
    {
        /// <summary>A scene with nothing in it.</summary>
        public static Scene Empty { get; } = new Scene(
            System.Array.Empty<SceneObject>(), System.Array.Empty<Material>(), System.Array.Empty<Mesh>());
    }
}

namespace VibeSync.Protocol.State
{
    /// <summary>The names of object kinds in scene JSON: empty, mesh, camera, light.</summary>
    public static class ObjectKindNames
    {
        /// <summary>The lowercase name of <paramref name="kind"/>.</summary>
        public static string Name(ObjectKind kind) => kind switch
        {
            ObjectKind.Mesh => "mesh",
            ObjectKind.Camera => "camera",
            ObjectKind.Light => "light",
            _ => "empty",
        };

        /// <summary>Parses a lowercase kind name.</summary>
        public static bool TryParse(string text, out ObjectKind kind)
        {
            switch (text)
            {
                case "empty": kind = ObjectKind.Empty; return true;
                case "mesh": kind = ObjectKind.Mesh; return true;
                case "camera": kind = ObjectKind.Camera; return true;
                case "light": kind = ObjectKind.Light; return true;
                default: kind = ObjectKind.Empty; return false;
            }
        }
    }
}
