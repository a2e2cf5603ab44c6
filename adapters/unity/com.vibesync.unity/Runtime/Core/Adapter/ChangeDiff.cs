using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.Operations;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Adapter
{
    /// <summary>
    /// Human edits found by diffing: the operations that turn the records the orchestrator has into
    /// the records the scene holds now (canonical values). Unity reports changes per object
    /// (ObjectChangeEvents) without values, so diffing the records is the one reliable source.
    /// </summary>
    public static class ChangeDiff
    {
        /// <summary>New materials and meshes, creations parents first, then changes, then deletions (children reparented, as Unity's delete does not do: say so).</summary>
        public static List<Operation> Operations(IReadOnlyDictionary<string, object> known, IReadOnlyDictionary<string, object> current)
        {
            var ops = new List<Operation>();
            // New materials and meshes first: the objects created next may use them.
            foreach (var m in current.Values.OfType<Material>().Where(m => !known.ContainsKey(m.Uuid)))
                ops.Add(new CreateMaterial(m.Uuid, m.Name, m.BaseColor, m.Metallic, m.Roughness, m.Emission));
            foreach (var m in current.Values.OfType<Mesh>().Where(m => !known.ContainsKey(m.Uuid)))
                ops.Add(new CreateMesh(m));
            var created = current.Values.OfType<SceneObject>().Where(o => !known.ContainsKey(o.Uuid)).ToList();
            foreach (var o in ParentsFirst(created))
                ops.Add(new CreateObject(o.Uuid, o.Name, o.Kind, o.Parent, o.Translation, o.Rotation, o.Scale, o.Visible,
                    o.Kind == ObjectKind.Mesh ? o.Mesh : null, o.Kind == ObjectKind.Mesh ? o.Materials : new string?[0]));
            foreach (var pair in current)
            {
                if (!known.TryGetValue(pair.Key, out var before)) continue;
                switch (pair.Value)
                {
                    case SceneObject now when before is SceneObject was:
                        if (now.Mesh != was.Mesh && now.Mesh != null) ops.Add(new SetMesh(now.Uuid, now.Mesh)); // after the meshes created above
                        if (now.Parent != was.Parent) ops.Add(new SetParent(now.Uuid, now.Parent));
                        if (!now.Translation.Equals(was.Translation) || !now.Rotation.Equals(was.Rotation) || !now.Scale.Equals(was.Scale))
                            ops.Add(new SetTransform(now.Uuid, now.Translation.Equals(was.Translation) ? (Vector3d?)null : now.Translation,
                                now.Rotation.Equals(was.Rotation) ? (Quaterniond?)null : now.Rotation, now.Scale.Equals(was.Scale) ? (Vector3d?)null : now.Scale));
                        if (now.Visible != was.Visible) ops.Add(new SetVisibility(now.Uuid, now.Visible));
                        if (now.Name != was.Name) ops.Add(new Rename(now.Uuid, now.Name));
                        for (int slot = 0; slot < now.Materials.Count; slot++)
                            if (slot >= was.Materials.Count || now.Materials[slot] != was.Materials[slot]) ops.Add(new AssignMaterial(now.Uuid, slot, now.Materials[slot]));
                        break;
                    case Material now when before is Material was:
                        if (!now.BaseColor.Equals(was.BaseColor) || now.Metallic != was.Metallic || now.Roughness != was.Roughness || !now.Emission.Equals(was.Emission))
                            ops.Add(new SetMaterialParams(now.Uuid, now.BaseColor.Equals(was.BaseColor) ? (Vector4d?)null : now.BaseColor,
                                now.Metallic != was.Metallic ? now.Metallic : (double?)null, now.Roughness != was.Roughness ? now.Roughness : (double?)null,
                                now.Emission.Equals(was.Emission) ? (Vector3d?)null : now.Emission));
                        if (now.Name != was.Name) ops.Add(new Rename(now.Uuid, now.Name));
                        break;
                    case Mesh now when before is Mesh was:
                        if (!now.Equals(was)) ops.Add(new ReplaceMesh(now)); // blob ids: a changed array has another name
                        break;
                }
            }
            foreach (var gone in known.Values.OfType<SceneObject>().Where(o => !current.ContainsKey(o.Uuid)))
                ops.Add(new DeleteObject(gone.Uuid, ChildrenPolicy.Reparent));
            return ops;
        }

        private static IEnumerable<SceneObject> ParentsFirst(List<SceneObject> objects)
        {
            var byId = objects.ToDictionary(o => o.Uuid);
            var done = new HashSet<string>();
            var order = new List<SceneObject>();
            void Visit(SceneObject o)
            {
                if (!done.Add(o.Uuid)) return;
                if (o.Parent != null && byId.TryGetValue(o.Parent, out var p)) Visit(p);
                order.Add(o);
            }
            foreach (var o in objects) Visit(o);
            return order;
        }
    }
}
