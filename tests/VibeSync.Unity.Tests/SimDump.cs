using System.Text;
using VibeSync.Unity.Simulator;

namespace VibeSync.Unity.Tests;

/// <summary>Everything a simulated scene stores, as text: "restored exactly" means equal dumps.</summary>
internal static class SimDump
{
    public static string Of(SimScene scene)
    {
        var sb = new StringBuilder();
        foreach (var o in scene.Objects())
            sb.Append($"{o.Handle}|{o.Id}|{o.Name}|{o.Kind}|{o.Parent}|{o.LocalPosition}|{o.LocalRotation}|{o.LocalScale}|{o.Active}|{string.Join(",", o.Materials)}|{o.Mesh}|{o.Prefab}|{o.Camera}|{o.Light}\n");
        foreach (var id in scene.MaterialIds()) sb.Append($"{id}|{scene.MaterialOf(id).Name}|{scene.MaterialOf(id)}|{scene.Notes.Material(id)}\n");
        foreach (var id in scene.ImageIds()) sb.Append($"{id}|{scene.ReadImage(id)}|{Convert.ToHexString(scene.ImageBytes(id))}\n");
        foreach (var id in scene.MeshIds()) sb.Append($"{id}|{scene.MeshOf(id).Dump()}|{scene.NotesOf(id)}\n");
        foreach (var n in scene.Notes.Cameras) sb.Append($"camera note {n.Key}|{n.Value}\n");
        foreach (var n in scene.Notes.Lights) sb.Append($"light note {n.Key}|{n.Value}\n");
        return sb.ToString();
    }
}
