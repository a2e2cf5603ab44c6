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
            sb.Append($"{o.Handle}|{o.Id}|{o.Name}|{o.Kind}|{o.Parent}|{o.LocalPosition}|{o.LocalRotation}|{o.LocalScale}|{o.Active}|{string.Join(",", o.Materials)}|{o.Mesh}|{o.Prefab}|{o.Camera}|{o.Light}|{Skinned(o.Skinned)}\n");
        foreach (var id in scene.MaterialIds()) sb.Append($"{id}|{scene.MaterialOf(id).Name}|{scene.MaterialOf(id)}|{scene.Notes.Material(id)}\n");
        foreach (var id in scene.ImageIds()) sb.Append($"{id}|{scene.ReadImage(id)}|{Convert.ToHexString(scene.ImageBytes(id))}\n");
        foreach (var id in scene.MeshIds()) sb.Append($"{id}|{scene.MeshOf(id).Dump()}|{scene.NotesOf(id)}\n");
        foreach (var n in scene.Notes.Cameras) sb.Append($"camera note {n.Key}|{n.Value}\n");
        foreach (var n in scene.Notes.Lights) sb.Append($"light note {n.Key}|{n.Value}\n");
        foreach (var id in scene.ClipIds())
        {
            var clip = scene.ReadClip(id);
            sb.Append($"{id}|{clip.Name}|{clip.FrameRate}|{clip.Holder}|")
              .Append(string.Join(";", clip.Curves.Select(c => $"{c.Path}:{c.Component}:{c.Property}:" + string.Join(",", c.Keys.Select(k => $"{k.Time}/{k.Value}/{k.InTangent}/{k.OutTangent}"))))).Append('\n');
        }
        return sb.ToString();
    }

    private static string Skinned(Hierarchy.UnitySkinned? s) =>
        s == null ? "-" : $"{string.Join(",", s.Bones)}/{s.RootBone}/{string.Join(",", s.BlendShapeWeights)}";
}
