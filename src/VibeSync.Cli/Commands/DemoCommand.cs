using System.CommandLine;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Cli.Commands;

/// <summary>
/// <c>vibesync demo</c>: the main job with embedded defaults. At this stage of the project it shows
/// the foundation every later part stands on, for real: one scene, written the way Blender and
/// Unity each store it, gives one state hash; a change is located by the Merkle diff.
/// </summary>
internal static class DemoCommand
{
    private const string SampleResource = "samples/cube-and-camera.blender.json";

    public static Command Create()
    {
        var command = new Command("demo", "Show VibeSync on an embedded sample scene (currently: state hashing across Blender, canonical and Unity space).");
        command.SetAction(_ => Run());
        return command;
    }

    private static int Run()
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream(SampleResource)
            ?? throw new InvalidOperationException($"embedded {SampleResource} is missing");
        string blenderJson = new StreamReader(stream).ReadToEnd();
        var canonical = SceneJsonReader.ReadCanonical(blenderJson, Space.Blender);

        Console.WriteLine("VibeSync demo: one scene, three coordinate conventions, one state hash");
        Console.WriteLine();
        foreach (var o in canonical.Objects)
            Console.WriteLine($"  {o.Name,-24} {ObjectKindNames.Name(o.Kind),-7} {o.Uuid}{(VibeSyncId.IsHidden(o.Uuid) ? "  (hidden from AI)" : "")}");
        Console.WriteLine();

        var root = SceneHasher.Hash(canonical);
        var unity = SceneConverter.FromCanonical(canonical, Space.Unity);
        var fromUnity = SceneHasher.Hash(SceneConverter.ToCanonical(unity, Space.Unity));
        var blender = SceneConverter.FromCanonical(canonical, Space.Blender);
        var fromBlender = SceneHasher.Hash(SceneConverter.ToCanonical(blender, Space.Blender));
        Console.WriteLine("Scene root (SHA-256 Merkle root over canonical records, ε = 1e-5):");
        Console.WriteLine($"  from Blender values (Z up, w-first quaternions)  {Hex.Encode(fromBlender.Root)}");
        Console.WriteLine($"  canonical (glTF: Y up, right-handed)             {Hex.Encode(root.Root)}");
        Console.WriteLine($"  from Unity values (Y up, left-handed)            {Hex.Encode(fromUnity.Root)}");
        var cube = unity.Objects[0];
        Console.WriteLine($"  e.g. {cube.Name}: Blender location (1, 2, 0.5) is Unity localPosition {cube.Translation}");
        Console.WriteLine();

        Console.WriteLine("What each engine will report once it stores the scene as float32 (the orchestrator's expected hashes):");
        Console.WriteLine($"  Blender {Hex.Encode(SceneHasher.Hash(EngineStorage.StoredAs(canonical, Space.Blender)).Root)}");
        Console.WriteLine($"  Unity   {Hex.Encode(SceneHasher.Hash(EngineStorage.StoredAs(canonical, Space.Unity)).Root)}");
        Console.WriteLine();

        var moved = canonical.Objects.ToArray();
        moved[0] = moved[0] with { Translation = new Vector3d(moved[0].Translation.X + 0.01, moved[0].Translation.Y, moved[0].Translation.Z) };
        var after = SceneHasher.Hash(canonical with { Objects = moved });
        var diff = after.Tree.Diff(root.Tree);
        Console.WriteLine($"Move {moved[0].Name} by 1 cm: root {Hex.Encode(after.Root)[..16]}…, the Merkle diff names {string.Join(", ", diff.Changed)}");
        Console.WriteLine($"  field-wise: {string.Join(", ", FieldComparer.Differences(moved[0], canonical.Objects[0]))} differ beyond ε");
        Console.WriteLine();
        Console.WriteLine("Hash any scene yourself: ./vibesync hash --space blender|unity|canonical FILE (see docs/protocol.md).");
        Console.WriteLine("The live Blender ⇄ Unity sync is not built yet; README › Status says what works today.");
        return 0;
    }
}
