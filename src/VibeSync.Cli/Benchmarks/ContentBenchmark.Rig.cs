// Issue #19's attach goal as a case of `bench content`: a rig of N bones (one chain up a cylinder)
// skinning a cylinder of V vertices (each weighted to the two bones nearest its height), built in real
// headless Blender, attached to a serve where the Unity simulator is live on an empty scene; the time
// is Blender's own "attaching" stamp → both engines live at Reality's root (the simulator has bound the
// skin: SkinnedMeshRenderer, bone weights, bind poses). Animations are not part of it (this branch's
// Blender adapter does not read actions; the 250-frame action is not in the figure).
using System.Globalization;
using System.Text.Json;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Control;
using static VibeSync.Cli.Benchmarks.EndToEndBenchmark;

namespace VibeSync.Cli.Benchmarks;

internal static partial class ContentBenchmark
{
    /// <summary>The rig case: a skinned cylinder attached, Blender's "attaching" → both live (goal ≤ 2 s).</summary>
    public sealed record RigResult(int Bones, int Vertices, double AttachToLiveSeconds, double AppliedInUnityMs, IReadOnlyList<Goal> Goals);

    private const string RigScript = """
        import sys, json, math, bpy, numpy as np
        argv = sys.argv[sys.argv.index("--") + 1:]
        bones, vertices, out = int(argv[0]), int(argv[1]), argv[2]
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
        arm = bpy.data.armatures.new("Rig")
        rig = bpy.data.objects.new("Rig", arm)
        bpy.context.scene.collection.objects.link(rig)
        bpy.context.view_layer.objects.active = rig
        bpy.ops.object.mode_set(mode="EDIT")
        height, parent = 2.0, None
        for i in range(bones):
            b = arm.edit_bones.new(f"Bone{i:02d}")
            b.head, b.tail = (0, 0, height * i / bones), (0, 0, height * (i + 1) / bones)
            if parent is not None:
                b.parent, b.use_connect = parent, True
            parent = b
        bpy.ops.object.mode_set(mode="OBJECT")
        around = 100
        rows = max(2, vertices // around)
        mesh = bpy.data.meshes.new("Body")
        co = [(0.2 * math.cos(2 * math.pi * a / around), 0.2 * math.sin(2 * math.pi * a / around), height * r / (rows - 1))
              for r in range(rows) for a in range(around)]
        faces = [(r * around + a, r * around + (a + 1) % around, (r + 1) * around + (a + 1) % around, (r + 1) * around + a)
                 for r in range(rows - 1) for a in range(around)]
        mesh.from_pydata(co, [], faces)
        body = bpy.data.objects.new("Body", mesh)
        bpy.context.scene.collection.objects.link(body)
        body.parent = rig
        body.modifiers.new("Armature", "ARMATURE").object = rig
        groups = [body.vertex_groups.new(name=f"Bone{i:02d}") for i in range(bones)]
        for r in range(rows):
            z = bones * r / (rows - 1) - 0.5
            lo = min(bones - 1, max(0, int(math.floor(z))))
            hi = min(bones - 1, lo + 1)
            w = min(1.0, max(0.0, z - lo))
            ids = list(range(r * around, (r + 1) * around))
            groups[lo].add(ids, 1.0 - w, "REPLACE")
            if hi != lo and w > 0:
                groups[hi].add(ids, w, "REPLACE")
        bpy.ops.wm.save_as_mainfile(filepath=out)
        print(json.dumps({"bones": bones, "vertices": len(mesh.vertices)}))
        """;

    /// <summary>A rig of <paramref name="bones"/> bones skinning about <paramref name="vertices"/> vertices: Blender attach → both live.</summary>
    public static async Task<RigResult> RigAsync(int bones, int vertices, Action<string> progress)
    {
        var work = Path.Combine(Path.GetTempPath(), "vibesync-bench-rig-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var blend = Path.Combine(work, "rig.blend");
            var script = Path.Combine(work, "rig.py");
            await File.WriteAllTextAsync(script, RigScript);
            progress($"building the scene in Blender: a {bones}-bone chain skinning a cylinder of about {vertices:N0} vertices");
            using (var p = BlenderInstall.Start(script, new[] { bones.ToString(CultureInfo.InvariantCulture), vertices.ToString(CultureInfo.InvariantCulture), blend }))
            {
                var errors = p.StandardError.ReadToEndAsync();
                var output = await p.StandardOutput.ReadToEndAsync();
                await p.WaitForExitAsync();
                var last = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
                if (p.ExitCode != 0 || last == null) throw new InvalidOperationException($"building the rig failed: {(await errors).Trim()}\n{output.Trim()}");
                vertices = JsonDocument.Parse(last).RootElement.GetProperty("vertices").GetInt32();
            }

            var dir = Path.Combine(work, "data");
            var (started, startedUnity, api) = await ServeWithEmptyUnityAsync(work, dir, progress);
            await using var serve = started;
            await using var unity = startedUnity;
            await Task.Delay(1000); // idle: JIT and start-up settled

            progress("Blender attaches: attach → both live with the skinned mesh bound in the simulator");
            await using var blender = BlenderInstall.Headless(blend, "--data", dir, "--steps-from-stdin");
            await UntilAsync(() => Task.FromResult(Events(blender, "attaching").Any()), "Blender to load the file", TimeSpan.FromMinutes(3));
            double t0 = Events(blender, "attaching").First().GetProperty("t").GetDouble();
            // The armature, its bones and the body.
            await UntilAsync(async () => InParity(await api.StatusAsync(), objects: bones + 2), "both engines live with the rig", TimeSpan.FromMinutes(3));
            double live = NowMs();
            var reality = await api.StateAsync("reality");
            if (reality.Skins.Count != 1 || reality.Objects.Single(o => o.Name == "Body").Skin == null)
                throw new InvalidOperationException("the body did not reach Reality skinned");
            double attachSeconds = (live - t0) / 1000.0;
            double applied = Round(Events(unity, "applied").Last().GetProperty("t").GetDouble() - t0);
            return new RigResult(bones, vertices, Math.Round(attachSeconds, 3), applied,
                new[] { new Goal("rig_attach_to_live", Math.Round(attachSeconds, 3), 2, "s", attachSeconds <= 2) });
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
