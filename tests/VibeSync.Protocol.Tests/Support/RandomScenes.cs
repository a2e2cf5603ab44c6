using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Tests.Support;

/// <summary>Seeded random canonical scenes with every feature: kinds, parent chains, materials with textures, images, meshes, uv0, camera and light parameters.</summary>
internal static class RandomScenes
{
    public static Scene Canonical(int seed, int maxObjects = 30)
    {
        var r = new Random(seed);
        int materialCount = r.Next(0, 4), meshCount = r.Next(0, 3), objectCount = r.Next(0, maxObjects + 1);
        var images = Enumerable.Range(0, r.Next(0, 3)).Select(_ => Image(r)).ToArray();
        var materials = Enumerable.Range(0, materialCount).Select(i => Material(r, images)).ToArray();
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
                r.Next(5) != 0, slots, kind == ObjectKind.Mesh ? meshes[r.Next(meshes.Length)].Uuid : null)
            {
                Camera = kind == ObjectKind.Camera && r.Next(4) != 0 ? Camera(r) : null,
                Light = kind == ObjectKind.Light && r.Next(4) != 0 ? Light(r) : null,
            });
        }
        return new Scene(objects, materials, meshes, images);
    }

    /// <summary>A schema-3 material: every field random, textures on some slots naming <paramref name="images"/>.</summary>
    public static Material Material(Random r, IReadOnlyList<Image> images)
    {
        var textures = new Dictionary<TextureSlot, TextureBinding>();
        if (images.Count > 0)
            for (var slot = TextureSlot.BaseColor; slot <= TextureSlot.Emissive; slot++)
                if (r.Next(2) == 0)
                    textures[slot] = new TextureBinding(images[r.Next(images.Count)].Uuid, r.Next(0, 8), (TextureWrap)r.Next(3), (TextureWrap)r.Next(3),
                        (MagFilter)r.Next(2), (MinFilter)r.Next(6), new Vector2d(Real(r), Real(r)), Real(r), new Vector2d(Real(r), Real(r)));
        return new Material(Uuid(r), Name(r), new Vector4d(r.NextDouble(), r.NextDouble(), r.NextDouble(), r.NextDouble()),
            r.NextDouble(), r.NextDouble(), new Vector3d(r.NextDouble() * 5, r.NextDouble(), 0))
        {
            EmissiveStrength = r.NextDouble() * 10, AlphaMode = (AlphaMode)r.Next(3), AlphaCutoff = r.NextDouble(),
            DoubleSided = r.Next(2) == 0, NormalScale = Real(r), OcclusionStrength = r.NextDouble(), Textures = textures,
            Unsynced = r.Next(5) == 0 ? "Principled BSDF input Subsurface is linked" : null,
        };
    }

    /// <summary>An image record naming a random (well-formed) blob id.</summary>
    public static Image Image(Random r)
    {
        var id = new byte[32];
        r.NextBytes(id);
        return new Image(Uuid(r), Name(r) + ".png", r.Next(2) == 0 ? ImageMime.Png : ImageMime.Jpeg, Convert.ToHexStringLower(id),
            r.Next(1, 4097), r.Next(1, 4097), (ImageColorSpace)r.Next(2));
    }

    /// <summary>Perspective or orthographic parameters within glTF's ranges.</summary>
    public static CameraParameters Camera(Random r)
    {
        double near = 0.01 + r.NextDouble(), far = near + 1 + r.NextDouble() * 1000;
        return r.Next(2) == 0
            ? CameraParameters.Perspective(0.1 + r.NextDouble() * 2.5, 0.5 + r.NextDouble() * 2, near, far)
            : CameraParameters.Orthographic(0.1 + r.NextDouble() * 10, 0.1 + r.NextDouble() * 10, near, far);
    }

    /// <summary>Point, spot or directional parameters within KHR_lights_punctual's ranges.</summary>
    public static LightParameters Light(Random r)
    {
        var type = (LightType)r.Next(3);
        double outer = type == LightType.Spot ? 0.05 + r.NextDouble() * 1.5 : 0;
        return new LightParameters(type, new Vector3d(r.NextDouble(), r.NextDouble(), r.NextDouble()), r.NextDouble() * 2000,
            r.Next(2) == 0 ? null : 0.5 + r.NextDouble() * 100, type == LightType.Spot ? outer * r.NextDouble() : 0, outer);
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

/// <summary>Seeded random content-schema-4 additions: an armature with a joint tree, a skin, a skinned mesh with morph targets, an animation.</summary>
internal static class RandomRigs
{
    /// <summary><see cref="RandomScenes.Canonical"/> with one random rig added (its own random stream, so the base scene is the same).</summary>
    public static Scene Rigged(int seed, int maxObjects = 20)
    {
        var scene = RandomScenes.Canonical(seed, maxObjects);
        var r = new Random(seed ^ 0x5EED);
        var objects = scene.Objects.ToList();
        var armature = new SceneObject(RandomScenes.Uuid(r), "Armature", ObjectKind.Armature, null, new Vector3d(RandomScenes.Real(r), 0, 0),
            RandomScenes.Rotation(r), new Vector3d(1, 1, 1), true, Array.Empty<string?>(), null);
        objects.Add(armature);
        var joints = new List<SceneObject>();
        for (int i = 0, n = r.Next(1, 8); i < n; i++)
        {
            var parent = joints.Count == 0 || r.Next(3) == 0 ? armature.Uuid : joints[r.Next(joints.Count)].Uuid;
            joints.Add(new SceneObject((r.Next(12) == 0 ? "h-" : "") + RandomScenes.Uuid(r), "Bone." + i, ObjectKind.Joint, parent,
                new Vector3d(0, RandomScenes.Real(r), 0), RandomScenes.Rotation(r), new Vector3d(1, 1, 1), r.Next(6) != 0, Array.Empty<string?>(), null));
        }
        objects.AddRange(joints);
        var skin = new Skin(RandomScenes.Uuid(r), "Armature", joints.Select(j => j.Uuid).ToArray(), BlobId(r), r.Next(2) == 0 ? armature.Uuid : null);
        var targets = Enumerable.Range(0, r.Next(0, 3)).Select(i => new MorphTarget("Key " + i, BlobId(r), r.Next(2) == 0 ? BlobId(r) : null)).ToArray();
        var mesh = new Mesh(RandomScenes.Uuid(r), r.Next(1, 100),
            new Dictionary<string, string> { ["POSITION"] = BlobId(r), ["JOINTS_0"] = BlobId(r), ["WEIGHTS_0"] = BlobId(r) },
            Array.Empty<MeshPrimitive>(), Array.Empty<string>())
        { Targets = targets, Weights = targets.Select(_ => Math.Round(r.NextDouble(), r.Next(1, 7))).ToArray() };
        var skinned = new SceneObject(RandomScenes.Uuid(r), "Body", ObjectKind.Mesh, r.Next(2) == 0 ? armature.Uuid : joints[0].Uuid,
            new Vector3d(0, 0, 0), RandomScenes.Rotation(r), new Vector3d(1, 1, 1), true, new string?[] { null }, mesh.Uuid) { Skin = skin.Uuid };
        objects.Add(skinned);
        var channels = new List<AnimationChannel>();
        foreach (var target in joints.Append(skinned).Where(_ => r.Next(2) == 0))
            foreach (var path in new[] { AnimationPath.Translation, AnimationPath.Rotation, AnimationPath.Scale, AnimationPath.Weights })
                if (r.Next(2) == 0 && (path != AnimationPath.Weights || target == skinned && targets.Length > 0))
                    channels.Add(new AnimationChannel(target.Uuid, path, (AnimationInterpolation)r.Next(3), BlobId(r), BlobId(r), r.Next(4) == 0));
        channels.Sort(AnimationChannel.Compare);
        var animation = new Animation(RandomScenes.Uuid(r), "Action." + r.Next(100), new[] { 24.0, 25.0, 30.0, 60.0 }[r.Next(4)], channels);
        return new Scene(objects, scene.Materials, scene.Meshes.Append(mesh).ToArray(), scene.Images)
        {
            Skins = new[] { skin },
            Animations = new[] { animation },
        };
    }

    private static string BlobId(Random r)
    {
        var id = new byte[32];
        r.NextBytes(id);
        return Convert.ToHexStringLower(id);
    }
}
