using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Tests.Support;

/// <summary>Seeded random canonical scenes with every feature: kinds, parent chains, materials, meshes, uv0.</summary>
internal static class RandomScenes
{
    public static Scene Canonical(int seed, int maxObjects = 30)
    {
        var r = new Random(seed);
        int materialCount = r.Next(0, 4), meshCount = r.Next(0, 3), objectCount = r.Next(0, maxObjects + 1);
        var materials = Enumerable.Range(0, materialCount).Select(i => new Material(
            Uuid(r), Name(r), new Vector4d(r.NextDouble(), r.NextDouble(), r.NextDouble(), r.NextDouble()),
            r.NextDouble(), r.NextDouble(), new Vector3d(r.NextDouble() * 5, r.NextDouble(), 0))).ToArray();
        var meshes = Enumerable.Range(0, meshCount).Select(_ => Mesh(r)).ToArray();
        var objects = new List<SceneObject>();
        for (int i = 0; i < objectCount; i++)
        {
            var kind = meshes.Length > 0 && r.Next(3) == 0 ? ObjectKind.Mesh : (ObjectKind)new[] { 0, 0, 2, 3 }[r.Next(4)];
            string? parent = objects.Count > 0 && r.Next(2) == 0 ? objects[r.Next(objects.Count)].Uuid : null;
            var slots = kind == ObjectKind.Mesh
                ? Enumerable.Range(0, r.Next(0, 3)).Select(_ => materials.Length == 0 || r.Next(4) == 0 ? null : materials[r.Next(materials.Length)].Uuid).ToArray()
                : Array.Empty<string?>();
            objects.Add(new SceneObject(
                r.Next(10) == 0 ? "h-" + Uuid(r) : Uuid(r), Name(r), kind, parent,
                new Vector3d(Real(r), Real(r), Real(r)), Rotation(r),
                new Vector3d(0.1 + r.NextDouble() * 3, 0.1 + r.NextDouble() * 3, 0.1 + r.NextDouble() * 3),
                r.Next(5) != 0, slots, kind == ObjectKind.Mesh ? meshes[r.Next(meshes.Length)].Uuid : null));
        }
        return new Scene(objects, materials, meshes);
    }

    public static Mesh Mesh(Random r)
    {
        int n = r.Next(0, 12);
        var positions = Enumerable.Range(0, n).Select(_ => new Vector3d(Real(r), Real(r), Real(r))).ToArray();
        var triangles = n < 3 ? Array.Empty<Triangle>()
            : Enumerable.Range(0, r.Next(0, 6)).Select(_ => new Triangle(r.Next(n), r.Next(n), r.Next(n))).ToArray();
        var uv = r.Next(2) == 0 ? null : Enumerable.Range(0, n).Select(_ => new Vector2d(r.NextDouble(), r.NextDouble())).ToArray();
        return InlineMesh.ToRecord(Uuid(r), positions, triangles, uv, null);
    }

    public static double Real(Random r) => Math.Round((r.NextDouble() - 0.5) * 40, r.Next(1, 9));

    public static Quaterniond Rotation(Random r)
    {
        double x = r.NextDouble() - 0.5, y = r.NextDouble() - 0.5, z = r.NextDouble() - 0.5, w = r.NextDouble() - 0.5;
        double n = Math.Sqrt(x * x + y * y + z * z + w * w);
        return new Quaterniond(x / n, y / n, z / n, w / n);
    }

    public static string Uuid(Random r)
    {
        var b = new byte[16];
        r.NextBytes(b);
        b[6] = (byte)(b[6] & 0x0F | 0x40);
        b[8] = (byte)(b[8] & 0x3F | 0x80);
        var hex = Convert.ToHexStringLower(b);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static string Name(Random r) => r.Next(4) switch
    {
        0 => "Cube." + r.Next(1000).ToString("D3"),
        1 => "Würfel " + r.Next(100),
        2 => "立方体" + r.Next(10),
        _ => "🎲 dice",
    };
}
