using System.CommandLine;
using VibeSync.Blobs;
using VibeSync.Export;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync export --gltf OUT.glb</c>: what an engine holds, or Reality, as a standard GLB.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var data = DataDirectory.Option();
        var gltf = new Option<FileInfo>("--gltf") { Description = "Where to write the binary glTF (.glb).", Required = true };
        var engine = EngineOption.Create("reality (the authoritative scene, default), or an engine instance — blender, unity, KIND:NAME — read back from it now.", "reality", also: "reality");
        var command = new Command("export", "Write what Reality or an engine holds as a glTF 2.0 binary (GLB), readable by any glTF viewer. " +
            "Objects become nodes (their VibeSync IDs in extras), meshes one primitive per material slot with POSITION, NORMAL, TEXCOORD_n, COLOR_0 and TANGENT as synced, " +
            "materials glTF metallic-roughness with their textures (samplers, KHR_texture_transform), KHR_materials_emissive_strength, alpha mode and double-sided, images embedded as their PNG/JPEG bytes, " +
            "cameras as glTF cameras and lights as KHR_lights_punctual; a camera or light whose parameters are not synced gets none (its node carries its kind in extras).") { data, gltf, engine };
        command.SetAction(async (parse, cancel) =>
        {
            string dir = parse.GetValue(data)!.FullName, which = parse.GetValue(engine)!;
            var control = new TerminalControl(dir);
            var (reply, exit) = await control.SendAsync(HttpMethod.Get, $"/v1/state?engine={which}&space=canonical", cancel, timeout: TimeSpan.FromSeconds(60));
            if (reply == null) return exit;
            var body = reply.Body;
            if (!reply.IsSuccess) { Console.Error.WriteLine($"error: reading {which}: {control.Describe(reply)}"); return 1; }
            var out_ = parse.GetValue(gltf)!;
            try
            {
                var scene = SceneJsonReader.ReadCanonical(body, Space.Canonical);
                // The blobs the records name are in the data directory's store (written there, durably,
                // before any record naming them was journaled or admitted).
                var blobs = BlobStore.Open(Path.Combine(dir, "blobs"));
                GltfExport.WriteGlb(scene, blobs, out_.FullName, $"VibeSync {which}");
                Console.WriteLine($"wrote {out_.FullName}: {scene.Objects.Count} objects, {scene.Meshes.Count} meshes, {scene.Materials.Count} materials, {scene.Images.Count} images ({which})");
                return 0;
            }
            catch (Exception e) when (e is SceneFormatException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
