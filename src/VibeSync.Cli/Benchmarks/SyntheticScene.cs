using VibeSync.Protocol.State;

namespace VibeSync.Cli.Benchmarks;

/// <summary>Seeded synthetic canonical scenes for benchmarks: the same seed gives the same scene.</summary>
internal static class SyntheticScene
{
    public static Scene Objects(int count, int seed)
    {
        var random = new Random(seed);
        var objects = new SceneObject[count];
        for (int i = 0; i < count; i++)
        {
            string? parent = i > 0 && random.Next(10) == 0 ? objects[random.Next(i)].Uuid : null;
            objects[i] = new SceneObject(
                Uuid(random), $"Object.{i:D6}",
                (ObjectKind)(random.Next(20) switch { 0 => 2, 1 => 3, _ => 0 }),
                parent,
                new Vector3d(Coordinate(random), Coordinate(random), Coordinate(random)),
                Rotation(random),
                new Vector3d(1 + random.NextDouble(), 1 + random.NextDouble(), 1 + random.NextDouble()),
                random.Next(8) != 0,
                Array.Empty<string?>(),
                null);
        }
        return new Scene(objects, Array.Empty<Material>(), Array.Empty<Mesh>());
    }

    public static double Coordinate(Random random) => (random.NextDouble() - 0.5) * 200;

    public static Quaterniond Rotation(Random random)
    {
        double x = random.NextDouble() - 0.5, y = random.NextDouble() - 0.5, z = random.NextDouble() - 0.5, w = random.NextDouble() - 0.5;
        double n = Math.Sqrt(x * x + y * y + z * z + w * w);
        return new Quaterniond(x / n, y / n, z / n, w / n);
    }

    private static string Uuid(Random random)
    {
        Span<byte> b = stackalloc byte[16];
        random.NextBytes(b);
        b[6] = (byte)(b[6] & 0x0F | 0x40);
        b[8] = (byte)(b[8] & 0x3F | 0x80);
        var hex = Convert.ToHexStringLower(b);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
