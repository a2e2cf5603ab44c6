using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;

namespace VibeSync.Cli.Chaos;

/// <summary>Who may change a record during a soak; it is what makes an echo provable from outside.</summary>
internal enum Owner
{
    /// <summary>Only the human in Blender edits it.</summary>
    Blender,
    /// <summary>Only the human in Unity edits it.</summary>
    Unity,
    /// <summary>Only the AI (through MCP) changes it.</summary>
    Ai,
    /// <summary>Everyone does (conflicts: humans against each other and against the AI).</summary>
    Shared,
}

/// <summary>
/// The soak's project: a seeded, realistic canonical scene (a few hundred objects in a hierarchy,
/// meshes with UVs, materials, cameras, lights and a few objects kept from AI) and who may edit
/// which record. Every real is a float32, the precision both engines store, so the file Blender
/// builds and the scene the simulator loads are the same scene.
/// </summary>
internal sealed class ChaosScene
{
    private readonly Dictionary<string, Owner> _owners = new(StringComparer.Ordinal);

    private ChaosScene(Scene scene, BlobMemory blobs) { Scene = scene; Blobs = blobs; }

    /// <summary>The bytes of the blobs the scene's meshes name (content schema 2), for whoever writes the scene into an engine.</summary>
    public BlobMemory Blobs { get; }

    public Scene Scene { get; }

    /// <summary>Objects and materials each editor may touch, in scene order (the plan indexes into them).</summary>
    public IReadOnlyList<SceneObject> ObjectsOf(Owner owner) => Scene.Objects.Where(o => _owners[o.Uuid] == owner).ToList();

    public IReadOnlyList<Material> MaterialsOf(Owner owner) => Scene.Materials.Where(m => _owners[m.Uuid] == owner).ToList();

    /// <summary>Who may change a record; records created during the soak belong to whoever created them (<see cref="Adopt"/>).</summary>
    public Owner? OwnerOf(string uuid)
    {
        lock (_owners) return _owners.TryGetValue(uuid, out var o) ? o : null;
    }

    /// <summary>A record the AI created during the soak.</summary>
    public void Adopt(string uuid, Owner owner)
    {
        lock (_owners) _owners[uuid] = owner;
    }

    /// <summary>The scene for <paramref name="seed"/>: the same seed, the same scene.</summary>
    public static ChaosScene Generate(int seed, int objectCount)
    {
        var random = new Random(seed);
        var materials = Enumerable.Range(0, Math.Max(8, objectCount / 12)).Select(i => new Material(
            Ids.Next(random), $"Material.{i:D3}",
            new Vector4d(F(random.NextDouble()), F(random.NextDouble()), F(random.NextDouble()), 1),
            F(random.NextDouble()), F(0.05 + 0.9 * random.NextDouble()),
            random.Next(6) == 0 ? new Vector3d(F(random.NextDouble()), F(random.NextDouble() * 0.5), 0) : new Vector3d(0, 0, 0))).ToArray();
        var blobs = new BlobMemory();
        var meshes = Enumerable.Range(0, Math.Max(4, objectCount / 25)).Select(i => Grid(random, 3 + i % 12, blobs)).ToArray();
        // Material slots belong to the mesh in Blender: every object using a mesh has its number of slots.
        var slots = meshes.Select(_ => 1 + random.Next(2)).ToArray();
        var objects = new List<SceneObject>(objectCount);
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < objectCount; i++)
        {
            var kind = random.Next(20) switch { 0 => ObjectKind.Camera, 1 or 2 => ObjectKind.Light, < 8 => ObjectKind.Empty, _ => ObjectKind.Mesh };
            // Parents are earlier empties and meshes, up to five levels deep: rigs, props on props.
            var candidates = objects.Where(o => o.Kind is ObjectKind.Empty or ObjectKind.Mesh && depth[o.Uuid] < 5).ToList();
            string? parent = candidates.Count > 0 && random.Next(2) == 0 ? candidates[random.Next(candidates.Count)].Uuid : null;
            // A few objects a human keeps from AI (h- IDs): never listed to, read by or changed by an agent.
            string uuid = random.Next(40) == 0 ? "h-" + Ids.Next(random) : Ids.Next(random);
            int mesh = random.Next(meshes.Length);
            var meshMaterials = kind == ObjectKind.Mesh
                ? Enumerable.Range(0, slots[mesh]).Select(_ => (string?)materials[random.Next(materials.Length)].Uuid).ToArray()
                : Array.Empty<string?>();
            objects.Add(new SceneObject(uuid, $"{Prefix(kind)}.{i:D3}", kind, parent,
                new Vector3d(F(Coordinate(random)), F(Coordinate(random)), F(Coordinate(random))), Rotation(random),
                new Vector3d(F(0.5 + random.NextDouble()), F(0.5 + random.NextDouble()), F(0.5 + random.NextDouble())),
                random.Next(10) != 0, meshMaterials, kind == ObjectKind.Mesh ? meshes[mesh].Uuid : null));
            depth[uuid] = parent == null ? 0 : depth[parent] + 1;
        }
        var scene = new ChaosScene(new Scene(objects, materials, meshes), blobs);
        // Three in ten objects for each editor's human, three for the AI, one shared by all; the same for materials.
        for (int i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            var owner = (i % 10) switch { < 3 => Owner.Blender, < 6 => Owner.Unity, < 9 => Owner.Ai, _ => Owner.Shared };
            if (owner is Owner.Ai or Owner.Shared && o.Uuid.StartsWith("h-", StringComparison.Ordinal)) owner = Owner.Blender; // the AI cannot touch these
            scene._owners[o.Uuid] = owner;
        }
        for (int i = 0; i < materials.Length; i++)
            scene._owners[materials[i].Uuid] = (i % 4) switch { 0 => Owner.Blender, 1 => Owner.Unity, 2 => Owner.Ai, _ => Owner.Shared };
        return scene;
    }

    private static string Prefix(ObjectKind kind) => kind switch
    {
        ObjectKind.Camera => "Camera",
        ObjectKind.Light => "Lamp",
        ObjectKind.Empty => "Group",
        _ => "Prop",
    };

    /// <summary>A height-field grid of n×n vertices with UVs: a terrain tile, a cloth, a floor.</summary>
    private static Mesh Grid(Random random, int n, IBlobSink blobs)
    {
        var positions = new List<Vector3d>(n * n);
        var uvs = new List<Vector2d>(n * n);
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
            {
                positions.Add(new Vector3d(F(x - (n - 1) / 2.0), F(0.2 * random.NextDouble()), F(y - (n - 1) / 2.0)));
                uvs.Add(new Vector2d(F(x / (n - 1.0)), F(y / (n - 1.0))));
            }
        var triangles = new List<Triangle>();
        for (int y = 0; y + 1 < n; y++)
            for (int x = 0; x + 1 < n; x++)
            {
                int a = y * n + x, b = a + 1, c = a + n, d = c + 1;
                triangles.Add(new Triangle(a, c, b));
                triangles.Add(new Triangle(b, c, d));
            }
        return InlineMesh.ToRecord(Ids.Next(random), positions, triangles, uvs, blobs);
    }

    public static double Coordinate(Random random) => (random.NextDouble() - 0.5) * 40;

    public static Quaterniond Rotation(Random random)
    {
        double x = random.NextDouble() - 0.5, y = random.NextDouble() - 0.5, z = random.NextDouble() - 0.5, w = random.NextDouble() - 0.5;
        double n = Math.Sqrt(x * x + y * y + z * z + w * w);
        return new Quaterniond(F(x / n), F(y / n), F(z / n), F(w / n));
    }

    /// <summary>The nearest float32: what an engine stores.</summary>
    public static double F(double v) => (float)v;
}

/// <summary>Version-4 UUIDs drawn from a seeded random source, so a replay names everything the same.</summary>
internal static class Ids
{
    public static string Next(Random random)
    {
        var b = new byte[16];
        random.NextBytes(b);
        b[7] = (byte)(b[7] & 0x0F | 0x40); // Guid's byte 7 holds the version nibble of its text form
        b[8] = (byte)(b[8] & 0x3F | 0x80); // RFC 4122 variant
        return new Guid(b).ToString();
    }
}
