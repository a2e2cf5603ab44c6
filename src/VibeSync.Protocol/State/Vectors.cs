using System;

namespace VibeSync.Protocol.State
{
    /// <summary>A 2-vector of doubles (texture coordinates).</summary>
    public readonly struct Vector2d : IEquatable<Vector2d>
    {
        /// <summary>Creates a vector.</summary>
        public Vector2d(double x, double y) { X = x; Y = y; }
        /// <summary>First component.</summary>
        public double X { get; }
        /// <summary>Second component.</summary>
        public double Y { get; }
        /// <inheritdoc />
        public bool Equals(Vector2d other) => X.Equals(other.X) && Y.Equals(other.Y);
        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is Vector2d v && Equals(v);
        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(X, Y);
        /// <inheritdoc />
        public override string ToString() => $"({X:R}, {Y:R})";
    }

    /// <summary>A 3-vector of doubles (positions, scales, RGB colours).</summary>
    public readonly struct Vector3d : IEquatable<Vector3d>
    {
        /// <summary>Creates a vector.</summary>
        public Vector3d(double x, double y, double z) { X = x; Y = y; Z = z; }
        /// <summary>The zero vector.</summary>
        public static Vector3d Zero => default;
        /// <summary>(1, 1, 1).</summary>
        public static Vector3d One => new Vector3d(1, 1, 1);
        /// <summary>First component.</summary>
        public double X { get; }
        /// <summary>Second component.</summary>
        public double Y { get; }
        /// <summary>Third component.</summary>
        public double Z { get; }
        /// <summary>Every component multiplied by <paramref name="k"/>.</summary>
        public Vector3d Times(double k) => new Vector3d(X * k, Y * k, Z * k);
        /// <summary>Every component divided by <paramref name="k"/>.</summary>
        public Vector3d DividedBy(double k) => new Vector3d(X / k, Y / k, Z / k);
        /// <inheritdoc />
        public bool Equals(Vector3d other) => X.Equals(other.X) && Y.Equals(other.Y) && Z.Equals(other.Z);
        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is Vector3d v && Equals(v);
        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(X, Y, Z);
        /// <inheritdoc />
        public override string ToString() => $"({X:R}, {Y:R}, {Z:R})";
    }

    /// <summary>A 4-vector of doubles (RGBA colours).</summary>
    public readonly struct Vector4d : IEquatable<Vector4d>
    {
        /// <summary>Creates a vector.</summary>
        public Vector4d(double x, double y, double z, double w) { X = x; Y = y; Z = z; W = w; }
        /// <summary>First component (red).</summary>
        public double X { get; }
        /// <summary>Second component (green).</summary>
        public double Y { get; }
        /// <summary>Third component (blue).</summary>
        public double Z { get; }
        /// <summary>Fourth component (alpha).</summary>
        public double W { get; }
        /// <inheritdoc />
        public bool Equals(Vector4d other) => X.Equals(other.X) && Y.Equals(other.Y) && Z.Equals(other.Z) && W.Equals(other.W);
        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is Vector4d v && Equals(v);
        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(X, Y, Z, W);
        /// <inheritdoc />
        public override string ToString() => $"({X:R}, {Y:R}, {Z:R}, {W:R})";
    }

    /// <summary>
    /// A quaternion of doubles stored as (x, y, z, w), whatever order an engine uses natively.
    /// </summary>
    public readonly struct Quaterniond : IEquatable<Quaterniond>
    {
        /// <summary>Creates a quaternion from its (x, y, z, w) components.</summary>
        public Quaterniond(double x, double y, double z, double w) { X = x; Y = y; Z = z; W = w; }
        /// <summary>The identity rotation.</summary>
        public static Quaterniond Identity => new Quaterniond(0, 0, 0, 1);
        /// <summary>i component.</summary>
        public double X { get; }
        /// <summary>j component.</summary>
        public double Y { get; }
        /// <summary>k component.</summary>
        public double Z { get; }
        /// <summary>Real component.</summary>
        public double W { get; }

        /// <summary>
        /// Hamilton product <c>a · b</c>, evaluated term by term left to right exactly as
        /// docs/protocol.md §7.1 writes it, so that C# and Python agree bit for bit.
        /// </summary>
        public static Quaterniond Multiply(Quaterniond a, Quaterniond b) => new Quaterniond(
            a.W * b.X + a.X * b.W + a.Y * b.Z - a.Z * b.Y,
            a.W * b.Y - a.X * b.Z + a.Y * b.W + a.Z * b.X,
            a.W * b.Z + a.X * b.Y - a.Y * b.X + a.Z * b.W,
            a.W * b.W - a.X * b.X - a.Y * b.Y - a.Z * b.Z);

        /// <inheritdoc />
        public bool Equals(Quaterniond other) => X.Equals(other.X) && Y.Equals(other.Y) && Z.Equals(other.Z) && W.Equals(other.W);
        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is Quaterniond q && Equals(q);
        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(X, Y, Z, W);
        /// <inheritdoc />
        public override string ToString() => $"(x {X:R}, y {Y:R}, z {Z:R}, w {W:R})";
    }
}
