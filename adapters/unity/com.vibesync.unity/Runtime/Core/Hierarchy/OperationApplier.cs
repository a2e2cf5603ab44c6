// Design rationale: the undo token is the core's own record of the values each step overwrote,
// not Unity's Undo stack. Undo.RevertAllDownToGroup would also revert whatever a human did after
// the intent (humans outrank AI, so their edits must survive an AI rollback), and a domain reload
// clears Unity's stack anyway. The glue still records every write with Undo.RecordObject so a human
// can Ctrl+Z what VibeSync did; rollback itself writes the recorded values back, which is exact
// because the recorded values are the host's own float32 values.
using System;
using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Operations;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Unity.Looks;
using VibeSync.Unity.Meshes;
using VibeSync.Unity.Rigging;

namespace VibeSync.Unity.Hierarchy
{
    /// <summary>The engine could not apply an operation; nothing of its intent stays applied.</summary>
    public sealed class ApplyException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public ApplyException(string code, string message) : base(message) { Code = code; }

        /// <summary>UNKNOWN_UUID, UUID_IN_USE, UNKNOWN_ASSET, INVALID_VALUE, ENGINE_FAULT, UNREPRESENTABLE_LIGHT; for mesh and image content BLOB_MISSING, BLOB_SHAPE, INDEX_RANGE, IMAGE_FORMAT.</summary>
        public string Code { get; }
    }

    /// <summary>One intent applied provisionally: how to undo it, what FINALIZE removes, what it touched.</summary>
    public sealed class Provisional
    {
        internal Provisional(ulong intent, IReadOnlyList<Operation> operations) { Intent = intent; Operations = operations; }

        /// <summary>The intent's id.</summary>
        public ulong Intent { get; }

        /// <summary>What was applied (re-applied after a save that took it out).</summary>
        public IReadOnlyList<Operation> Operations { get; private set; }

        /// <summary>IDs whose records the intent changed.</summary>
        public HashSet<string> Touched { get; } = new HashSet<string>(StringComparer.Ordinal);

        internal List<Action> Undo { get; } = new List<Action>();
        internal List<Action> OnFinalize { get; } = new List<Action>();

        /// <summary>
        /// Takes in a later APPLY of the same intent (a coalesced micro-intent): its operations
        /// follow these, its undo runs before these on rollback, so a rollback restores the state
        /// from before the first APPLY.
        /// </summary>
        public void Absorb(Provisional later)
        {
            Operations = Operations.Concat(later.Operations).ToList();
            Undo.AddRange(later.Undo);
            OnFinalize.AddRange(later.OnFinalize);
            Touched.UnionWith(later.Touched);
        }
    }

    /// <summary>Applies typed operations (canonical values) to the scene through the port, all or none.</summary>
    public sealed class OperationApplier
    {
        private readonly IUnityScene _scene;
        private readonly IdentityIndex _index;
        private readonly MeshCache _meshes;
        private readonly IBlobSource _blobs;
        private readonly ImageCache _images;

        /// <summary>
        /// Applies to <paramref name="scene"/> through <paramref name="index"/>; meshes are written through
        /// <paramref name="meshes"/>, their blobs looked up in <paramref name="received"/> (what the link
        /// received for this APPLY), then in <paramref name="meshes"/> (what the scene's meshes already hold).
        /// </summary>
        public OperationApplier(IUnityScene scene, IdentityIndex index, MeshCache meshes, ImageCache images, IBlobSource received)
        {
            _scene = scene;
            _index = index;
            _meshes = meshes;
            _images = images;
            _blobs = new FirstOf(received, meshes, images, scene.Rig.Blobs);
        }

        /// <summary>Applies every operation or none.</summary>
        /// <exception cref="ApplyException">Nothing stays applied.</exception>
        public Provisional Apply(ulong intent, IReadOnlyList<Operation> operations)
        {
            var p = new Provisional(intent, operations);
            try
            {
                foreach (var op in operations)
                {
                    ApplyOne(p, op);
                    p.Touched.Add(op.Uuid);
                }
                Rebind(p);
            }
            catch (ApplyException)
            {
                Rollback(p);
                throw;
            }
            catch (MeshContentException e)
            {
                Rollback(p);
                throw new ApplyException(e.Code, e.Message);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or UnknownAssetException or BlobFormatException)
            {
                Rollback(p);
                throw new ApplyException(e is UnknownAssetException ? "UNKNOWN_ASSET" : "ENGINE_FAULT", e.Message);
            }
            return p;
        }

        /// <summary>Restores exactly what the intent overwrote, newest first.</summary>
        public void Rollback(Provisional p)
        {
            for (int i = p.Undo.Count - 1; i >= 0; i--)
            {
                // A GameObject a step would write to (or under) may have been destroyed by a human since: that step
                // has nothing left to restore, the others still must run. The orchestrator verifies the result by hash.
                try { p.Undo[i](); }
                catch (InvalidOperationException) { }
            }
            p.Undo.Clear();
        }

        /// <summary>Makes the intent permanent: destroys what a provisional delete kept.</summary>
        public void Finalize(Provisional p)
        {
            foreach (var step in p.OnFinalize) step();
            p.OnFinalize.Clear();
            p.Undo.Clear();
        }

        private UnityObject Object(string id, string what = "object") =>
            _index.HandleOf(id) is int h && _scene.Find(h) is { } o ? o : throw new ApplyException("UNKNOWN_UUID", $"no {what} {id} in this Unity scene");

        private bool ViewAxis(int? handle) => handle is int h && _scene.Find(h) is { } o && (o.Kind == ObjectKind.Camera || o.Kind == ObjectKind.Light);

        private void Remember(Provisional p, UnityObject before) => p.Undo.Add(() => { if (_scene.Find(before.Handle) != null) _scene.Write(before); });

        private Material MaterialOf(string id) =>
            _scene.MaterialIds().Contains(id) ? LookRecords.Material(_scene, id) : throw new ApplyException("UNKNOWN_UUID", $"no material {id} in this Unity project");

        /// <summary>Writes <paramref name="m"/> over material <paramref name="m"/>.Uuid, recording how to restore it exactly.</summary>
        private void WriteMaterial(Provisional p, Material m)
        {
            p.Undo.Add(LookRecords.Snapshot(_scene, m.Uuid));
            LookRecords.WriteMaterial(_scene, m, false, p.Undo, _images);
        }

        private void ApplyOne(Provisional p, Operation op)
        {
            switch (op)
            {
                case SetTransform t:
                {
                    var o = Object(t.Uuid);
                    Remember(p, o);
                    bool pa = ViewAxis(o.Parent), sa = o.Kind == ObjectKind.Camera || o.Kind == ObjectKind.Light;
                    _scene.Write(o with
                    {
                        LocalPosition = t.Translation is { } tr ? FrameMaps.TranslationUnity(tr, pa) : o.LocalPosition,
                        LocalRotation = t.Rotation is { } r ? FrameMaps.RotationToUnity(r, pa, sa) : o.LocalRotation,
                        LocalScale = t.Scale ?? o.LocalScale,
                    });
                    break;
                }
                case SetVisibility v:
                {
                    var o = Object(v.Uuid);
                    Remember(p, o);
                    _scene.Write(o with { Active = v.Visible });
                    break;
                }
                case Rename r when _index.Contains(r.Uuid):
                {
                    var o = Object(r.Uuid);
                    Remember(p, o);
                    _scene.Write(o with { Name = r.NewName });
                    break;
                }
                case Rename r:
                {
                    var m = MaterialOf(r.Uuid);
                    WriteMaterial(p, m with { Name = r.NewName });
                    break;
                }
                case SetMaterialParams mp:
                {
                    // Every field, textures by slot; an unsynced reason Blender states is kept beside the material (notes).
                    WriteMaterial(p, mp.ApplyTo(MaterialOf(mp.Uuid)));
                    break;
                }
                case AssignMaterial a:
                {
                    var o = Object(a.Uuid);
                    if (o.Kind != ObjectKind.Mesh) throw new ApplyException("INVALID_VALUE", $"{a.Uuid} has no renderer, so no material slots");
                    if (a.Slot > o.Materials.Count) throw new ApplyException("INVALID_VALUE", $"slot {a.Slot} is beyond the {o.Materials.Count} slots of {a.Uuid} (use {o.Materials.Count} to append)");
                    if (a.Material != null) MaterialOf(a.Material);
                    Remember(p, o);
                    var slots = o.Materials.ToList();
                    if (a.Slot == slots.Count) slots.Add(a.Material); else slots[a.Slot] = a.Material;
                    _scene.Write(o with { Materials = slots });
                    break;
                }
                case SetMesh sm:
                {
                    var o = Object(sm.Uuid);
                    if (o.Kind != ObjectKind.Mesh) throw new ApplyException("INVALID_VALUE", $"{sm.Uuid} has no MeshFilter, so no mesh");
                    if (!_scene.MeshIds().Contains(sm.Mesh)) throw new ApplyException("UNKNOWN_UUID", $"no mesh {sm.Mesh} in this Unity project");
                    Remember(p, o);
                    _scene.Write(o with { Mesh = sm.Mesh }); // the MeshFilter's shared mesh; the renderer's materials stay
                    break;
                }
                case SetParent sp:
                {
                    var o = Object(sp.Uuid);
                    int? parent = sp.Parent == null ? (int?)null : Object(sp.Parent, "parent").Handle;
                    Remember(p, o);
                    _scene.Write(o with { Parent = parent }); // keeps the local transform, as the operation says
                    break;
                }
                case CreateObject c:
                {
                    CheckNew(c.Uuid);
                    int? parent = c.Parent == null ? (int?)null : Object(c.Parent, "parent").Handle;
                    if (c.Kind != ObjectKind.Mesh && (c.Mesh != null || c.Materials.Count > 0)) throw new ApplyException("INVALID_VALUE", $"a {c.Kind} has no mesh or material slots");
                    if (c.Kind == ObjectKind.Joint && (parent == null || !(_scene.Find(parent.Value)?.Kind is ObjectKind.Joint or ObjectKind.Armature)))
                        throw new ApplyException("INVALID_VALUE", $"joint {c.Uuid}: its parent must be a joint or an armature");
                    if (c.Skin != null && c.Kind != ObjectKind.Mesh) throw new ApplyException("INVALID_VALUE", $"a {c.Kind} cannot be skinned");
                    foreach (var m in c.Materials) if (m != null) MaterialOf(m);
                    bool pa = ViewAxis(parent), sa = c.Kind == ObjectKind.Camera || c.Kind == ObjectKind.Light;
                    var handle = _scene.Create(new UnityObject(0, c.Uuid, c.ObjectName, c.Kind, parent, FrameMaps.TranslationUnity(c.Translation, pa),
                        FrameMaps.RotationToUnity(c.Rotation, pa, sa), c.Scale, c.Visible, c.Materials, c.Mesh, null));
                    Created(p, c.Uuid, handle);
                    if (c.Skin != null) BindSkin(p, c.Uuid, c.Skin);
                    if (_scene.Find(handle) is { } made)
                    {
                        if (c.Camera != null && made.Camera != null) _scene.Write(made with { Camera = LookRecords.CameraFor(_scene, c.Uuid, c.Camera, made.Camera) });
                        else if (c.Light != null && made.Light != null) _scene.Write(made with { Light = LookRecords.LightFor(_scene, c.Uuid, c.Light, made.Light) });
                        else ViewsUnsynced(p, c.Uuid, made); // no parameters given: not synced until set_camera/set_light or a human's change
                        p.Undo.Add(() => { _scene.Notes.SetCamera(c.Uuid, null); _scene.Notes.SetLight(c.Uuid, null); });
                    }
                    break;
                }
                case InstantiatePrefab ip:
                {
                    CheckNew(ip.Uuid);
                    int? parent = ip.Parent == null ? (int?)null : Object(ip.Parent, "parent").Handle;
                    bool pa = ViewAxis(parent);
                    var handle = _scene.Instantiate(ip.Prefab, new UnityObject(0, ip.Uuid, ip.ObjectName, ObjectKind.Empty, parent,
                        FrameMaps.TranslationUnity(ip.Translation, pa), FrameMaps.RotationToUnity(ip.Rotation, pa, false), ip.Scale, true, new string?[0], null, ip.Prefab));
                    Created(p, ip.Uuid, handle);
                    break;
                }
                case DuplicateObject d:
                {
                    CheckNew(d.NewUuid);
                    var o = Object(d.Uuid);
                    // Unity's Instantiate puts the copy at the scene root and names it "X(Clone)": nothing of
                    // the copy but its components is assumed, it is made the operation's copy here.
                    var handle = _scene.Duplicate(o.Handle);
                    Created(p, d.NewUuid, handle);
                    _scene.Write(o with { Handle = handle, Name = d.NewName ?? o.Name }); // the original's parent, local transform, activeSelf, materials
                    p.Touched.Add(d.NewUuid);
                    break;
                }
                case DeleteObject del:
                {
                    var o = Object(del.Uuid);
                    var doomed = new List<UnityObject> { o };
                    var all = _scene.Objects();
                    if (del.Children == ChildrenPolicy.Delete)
                        for (int i = 0; i < doomed.Count; i++) doomed.AddRange(all.Where(c => c.Parent == doomed[i].Handle));
                    else
                        foreach (var child in all.Where(c => c.Parent == o.Handle))
                        {
                            Remember(p, child);
                            _scene.Write(child with { Parent = o.Parent });
                            // Its record changed by this intent: known as the intent's doing (no echo), and in its OBSERVED.
                            if (_index.IdOf(child.Handle) is string moved) p.Touched.Add(moved);
                        }
                    foreach (var d in doomed)
                    {
                        var id = d.Id ?? _index.Ids.First(i => _index.HandleOf(i) == d.Handle);
                        _scene.SetPendingDelete(d.Handle, true);
                        _index.Unbind(id);
                        p.Touched.Add(id);
                        p.Undo.Add(() => { _scene.SetPendingDelete(d.Handle, false); _index.Bind(id, d.Handle); });
                        p.OnFinalize.Add(() => { _scene.Destroy(d.Handle); _index.Tombstones.Add(id); });
                    }
                    break;
                }
                case ReplaceMesh rm:
                {
                    if (!_scene.MeshIds().Contains(rm.Uuid)) throw new ApplyException("UNKNOWN_UUID", $"no mesh {rm.Uuid} in this Unity project");
                    var arrays = MeshCache.Check(rm.Mesh, _blobs); // the whole record, before anything is written
                    var applied = HeldMesh.Of(rm.Mesh, _blobs);
                    var before = _meshes.Held(_scene, rm.Uuid); // its blobs held, decoded only if rolled back
                    p.Undo.Add(() => _meshes.Write(_scene, rm.Uuid, before));
                    _meshes.Write(_scene, rm.Uuid, applied, arrays);
                    NoteWeights(p, rm.Uuid, rm.Mesh.Weights);
                    foreach (var user in _scene.Objects().Where(u => u.Mesh == rm.Uuid)) SkinBinding.Refresh(_scene, _index.HandleOf, user, rm.Mesh.Weights, p.Undo);
                    break;
                }
                case CreateMaterial cm:
                {
                    if (_scene.MaterialIds().Contains(cm.Uuid)) throw new ApplyException("UUID_IN_USE", $"material {cm.Uuid} already exists in this Unity project");
                    CheckNew(cm.Uuid);
                    p.Undo.Add(() => { _scene.RemoveAsset(cm.Uuid); _scene.Notes.SetMaterial(cm.Uuid, null); });
                    LookRecords.WriteMaterial(_scene, cm.Material with { Uuid = cm.Uuid }, true, p.Undo, _images);
                    p.OnFinalize.Add(() => _scene.PersistAsset(cm.Uuid));
                    break;
                }
                case CreateMesh cm:
                {
                    if (_scene.MeshIds().Contains(cm.Uuid)) throw new ApplyException("UUID_IN_USE", $"mesh {cm.Uuid} already exists in this Unity project");
                    var arrays = MeshCache.Check(cm.Mesh, _blobs);
                    var applied = HeldMesh.Of(cm.Mesh, _blobs);
                    _scene.CreateMesh(cm.Uuid);
                    p.Undo.Add(() => _scene.RemoveAsset(cm.Uuid));
                    p.OnFinalize.Add(() => _scene.PersistAsset(cm.Uuid));
                    _meshes.Write(_scene, cm.Uuid, applied, arrays);
                    NoteWeights(p, cm.Uuid, cm.Mesh.Weights);
                    break;
                }
                case CreateImage ci:
                {
                    CheckNew(ci.Uuid);
                    var bytes = ImageFile(ci.Image);
                    _scene.CreateImage(ci.Uuid, ImageCache.ToUnity(ci.Image with { Uuid = ci.Uuid }, null), bytes);
                    p.Undo.Add(() => _scene.RemoveAsset(ci.Uuid));
                    p.OnFinalize.Add(() => _scene.PersistAsset(ci.Uuid)); // imported under Assets/VibeSync/Textures/
                    break;
                }
                case ReplaceImage ri:
                {
                    if (!_scene.ImageIds().Contains(ri.Uuid)) throw new ApplyException("UNKNOWN_UUID", $"no image {ri.Uuid} in this Unity project");
                    var after = ri.ApplyTo(_images.Record(_scene, ri.Uuid));
                    var bytes = ImageFile(after);
                    var before = _scene.ReadImage(ri.Uuid);
                    var beforeBytes = _scene.ImageBytes(ri.Uuid);
                    p.Undo.Add(() => _scene.WriteImage(ri.Uuid, before, beforeBytes));
                    _scene.WriteImage(ri.Uuid, ImageCache.ToUnity(after, before), bytes);
                    // Materials that show it through a derived texture get the one derived from the new bytes.
                    foreach (var id in _scene.MaterialIds())
                        if (_scene.Notes.Material(id) is { } noted && noted.Textures.Any(b => ChannelRepack.Converts(b.Key) && b.Value.Image == ri.Uuid))
                            WriteMaterial(p, LookRecords.Material(_scene, id));
                    break;
                }
                case SetCamera sc:
                {
                    var o = Object(sc.Uuid);
                    if (o.Kind != ObjectKind.Camera || o.Camera == null) throw new ApplyException("INVALID_VALUE", $"{sc.Uuid} has no Camera");
                    var next = sc.ApplyTo(LookRecords.Camera(_scene, sc.Uuid, o.Camera), out var field, out var problem)
                        ?? throw new ApplyException("INVALID_VALUE", $"set_camera on {sc.Uuid}: {field} is {problem}");
                    Remember(p, o);
                    var (note, unsynced) = (_scene.Notes.Camera(sc.Uuid), _scene.Notes.UnsyncedCamera(sc.Uuid));
                    p.Undo.Add(() => { _scene.Notes.SetCamera(sc.Uuid, note); _scene.Notes.SetUnsyncedCamera(sc.Uuid, unsynced); });
                    _scene.Write(o with { Camera = LookRecords.CameraFor(_scene, sc.Uuid, next, o.Camera) });
                    break;
                }
                case SetLight sl:
                {
                    var o = Object(sl.Uuid);
                    if (o.Kind != ObjectKind.Light || o.Light == null) throw new ApplyException("INVALID_VALUE", $"{sl.Uuid} has no Light");
                    // A light never synced (reported null) takes the parameters whole, over its Unity values.
                    var current = LookRecords.Light(_scene, sl.Uuid, o.Light) ?? LightMapping.FromUnity(o.Light, null)
                        ?? throw new ApplyException("UNREPRESENTABLE_LIGHT", $"{sl.Uuid} is a {o.Light.Type} light, which glTF cannot represent");
                    var next = sl.ApplyTo(current, out var missing) ?? throw new ApplyException("INVALID_VALUE", $"set_light on {sl.Uuid}: {missing} is missing");
                    Remember(p, o);
                    var (note, unsynced) = (_scene.Notes.Light(sl.Uuid), _scene.Notes.UnsyncedLight(sl.Uuid));
                    p.Undo.Add(() => { _scene.Notes.SetLight(sl.Uuid, note); _scene.Notes.SetUnsyncedLight(sl.Uuid, unsynced); });
                    _scene.Write(o with { Light = LookRecords.LightFor(_scene, sl.Uuid, next, o.Light) });
                    break;
                }
                case CreateSkin cs:
                {
                    CheckNew(cs.Uuid);
                    if (_scene.Rig.Skin(cs.Uuid) != null) throw new ApplyException("UUID_IN_USE", $"skin {cs.Uuid} already exists in this Unity scene");
                    var skin = CheckSkin(cs.Skin with { Uuid = cs.Uuid });
                    _scene.Rig.SetSkin(cs.Uuid, skin);
                    p.Undo.Add(() => _scene.Rig.SetSkin(cs.Uuid, null));
                    break;
                }
                case UpdateSkin us:
                {
                    var before = _scene.Rig.Skin(us.Uuid) ?? throw new ApplyException("UNKNOWN_UUID", $"no skin {us.Uuid} in this Unity scene");
                    _scene.Rig.SetSkin(us.Uuid, CheckSkin(us.ApplyTo(before)));
                    p.Undo.Add(() => _scene.Rig.SetSkin(us.Uuid, before));
                    break;
                }
                case DeleteSkin ds:
                {
                    var before = _scene.Rig.Skin(ds.Uuid) ?? throw new ApplyException("UNKNOWN_UUID", $"no skin {ds.Uuid} in this Unity scene");
                    if (_scene.Rig.Bindings.FirstOrDefault(b => b.Value == ds.Uuid && _index.Contains(b.Key)).Key is string user)
                        throw new ApplyException("CLOSURE", $"skin {ds.Uuid} still skins {user} (set_skin null first, in the same intent)");
                    _scene.Rig.SetSkin(ds.Uuid, null);
                    p.Undo.Add(() => _scene.Rig.SetSkin(ds.Uuid, before));
                    break;
                }
                case SetSkin ss:
                {
                    var o = Object(ss.Uuid);
                    if (o.Kind != ObjectKind.Mesh) throw new ApplyException("INVALID_VALUE", $"{ss.Uuid} is a {o.Kind}, not a mesh: it cannot be skinned");
                    BindSkin(p, ss.Uuid, ss.Skin);
                    break;
                }
                case SetMorphWeights mw:
                {
                    if (!_scene.MeshIds().Contains(mw.Uuid)) throw new ApplyException("UNKNOWN_UUID", $"no mesh {mw.Uuid} in this Unity project");
                    int targets = _scene.Mesh(mw.Uuid).BlendShapeCount;
                    if (mw.Weights.Count != targets) throw new ApplyException("INVALID_VALUE", $"set_morph_weights on {mw.Uuid}: {mw.Weights.Count} weights for {targets} blend shapes");
                    foreach (var w in mw.Weights)
                        if (!(w >= 0 && w <= 1)) throw new ApplyException(double.IsNaN(w) ? "NON_FINITE" : "INVALID_VALUE", $"set_morph_weights on {mw.Uuid}: weight {w:R} is not within 0…1");
                    NoteWeights(p, mw.Uuid, mw.Weights);
                    foreach (var user in _scene.Objects().Where(u => u.Mesh == mw.Uuid))
                        SkinBinding.Refresh(_scene, _index.HandleOf, user, mw.Weights, p.Undo);
                    break;
                }
                case CreateAnimation ca:
                {
                    CheckNew(ca.Uuid);
                    var animation = ca.Animation with { Uuid = ca.Uuid };
                    var clip = Clip(animation);
                    _scene.CreateClip(ca.Uuid, clip);
                    _scene.Rig.SetClip(ca.Uuid, animation, clip);
                    p.Undo.Add(() => { _scene.RemoveAsset(ca.Uuid); _scene.Rig.SetClip(ca.Uuid, null, null); });
                    p.OnFinalize.Add(() => _scene.PersistAsset(ca.Uuid)); // Assets/VibeSync/Animations/<uuid>.anim
                    break;
                }
                case SetAnimationChannel sc:
                {
                    if (!_scene.ClipIds().Contains(sc.Uuid)) throw new ApplyException("UNKNOWN_UUID", $"no animation {sc.Uuid} in this Unity project");
                    var current = SceneReader.Canonical(_scene, _index, _meshes, _images, new HashSet<string> { sc.Uuid }).Animations.Single();
                    if (sc.Channel != null && (sc.Channel.Target != sc.Target || sc.Channel.Path != sc.Path))
                        throw new ApplyException("INVALID_VALUE", $"set_animation_channel on {sc.Uuid}: the channel's target and path differ from the operation's");
                    var animation = sc.ApplyTo(current);
                    var clip = Clip(animation);
                    var (beforeClip, beforeNote) = (_scene.ReadClip(sc.Uuid), _scene.Rig.Clip(sc.Uuid));
                    p.Undo.Add(() => { _scene.WriteClip(sc.Uuid, beforeClip); _scene.Rig.SetClip(sc.Uuid, beforeNote?.Record, beforeNote?.Written); });
                    _scene.WriteClip(sc.Uuid, clip);
                    _scene.Rig.SetClip(sc.Uuid, animation, clip);
                    break;
                }
                case DeleteAnimation da:
                {
                    if (!_scene.ClipIds().Contains(da.Uuid)) throw new ApplyException("UNKNOWN_UUID", $"no animation {da.Uuid} in this Unity project");
                    var (beforeClip, beforeNote) = (_scene.ReadClip(da.Uuid), _scene.Rig.Clip(da.Uuid));
                    _scene.RemoveAsset(da.Uuid);
                    _scene.Rig.SetClip(da.Uuid, null, null);
                    p.Undo.Add(() => { _scene.CreateClip(da.Uuid, beforeClip); _scene.Rig.SetClip(da.Uuid, beforeNote?.Record, beforeNote?.Written); });
                    break;
                }
                case ReplaceAsset ra:
                {
                    var o = Object(ra.Uuid);
                    if (o.Prefab == null) throw new ApplyException("INVALID_VALUE", $"{ra.Uuid} is not a prefab instance");
                    Remember(p, o);
                    _scene.Write(o with { Prefab = ra.Asset });
                    break;
                }
                default:
                    throw new ApplyException("INVALID_VALUE", $"{op.Name} has no Unity meaning here");
            }
        }

        /// <summary>
        /// A skin record checked against this scene before anything is written: its bind matrices present
        /// and one per joint (BLOB_SHAPE), its joints objects of kind joint (UNKNOWN_UUID, INVALID_VALUE)
        /// whose parents lead up to an armature without a cycle, its skeleton present. Its blobs are kept.
        /// </summary>
        private Skin CheckSkin(Skin skin)
        {
            if (skin.Joints.Count == 0 || skin.Joints.Count > Skin.MaxJoints) throw new ApplyException("INVALID_VALUE", $"skin {skin.Uuid}: {skin.Joints.Count} joints (1…{Skin.MaxJoints})");
            if (skin.Joints.Distinct().Count() != skin.Joints.Count) throw new ApplyException("INVALID_VALUE", $"skin {skin.Uuid}: a joint is named twice");
            RiggingContent.CheckSkin(skin, _blobs, "skin " + skin.Uuid);
            foreach (var j in skin.Joints)
            {
                var o = Object(j, "joint");
                if (o.Kind != ObjectKind.Joint) throw new ApplyException("INVALID_VALUE", $"skin {skin.Uuid}: {j} is a {o.Kind}, not a joint");
                var seen = new HashSet<int>();
                var c = o;
                while (c.Kind == ObjectKind.Joint)
                {
                    if (!seen.Add(c.Handle)) throw new ApplyException("INVALID_VALUE", $"skin {skin.Uuid}: Cycle through joint {j}");
                    c = c.Parent is int h && _scene.Find(h) is { } parent ? parent
                        : throw new ApplyException("INVALID_VALUE", $"skin {skin.Uuid}: joint {j}'s parents do not lead up to an armature");
                }
                if (c.Kind != ObjectKind.Armature) throw new ApplyException("INVALID_VALUE", $"skin {skin.Uuid}: joint {j}'s parents lead to a {c.Kind}, not an armature");
            }
            if (skin.Skeleton != null) Object(skin.Skeleton, "skeleton");
            _scene.Rig.Keep(new[] { skin.InverseBindMatrices }, _blobs, "skin " + skin.Uuid);
            return skin;
        }

        /// <summary>Binds (or unbinds) a mesh object to a skin; its mesh's joints must index the skin's joints (INDEX_RANGE).</summary>
        private void BindSkin(Provisional p, string objectId, string? skinId)
        {
            var o = Object(objectId);
            if (skinId != null)
            {
                var skin = _scene.Rig.Skin(skinId) ?? throw new ApplyException("UNKNOWN_UUID", $"no skin {skinId} in this Unity scene");
                if (o.Mesh == null) throw new ApplyException("INVALID_VALUE", $"{objectId} has no mesh to skin");
                RiggingContent.CheckSkinned(_meshes.Record(_scene, o.Mesh), skin, _blobs, "object " + objectId);
            }
            var before = _scene.Rig.SkinOf(objectId);
            _scene.Rig.SetSkinOf(objectId, skinId);
            p.Undo.Add(() => _scene.Rig.SetSkinOf(objectId, before));
        }

        private void NoteWeights(Provisional p, string meshId, IReadOnlyList<double>? weights)
        {
            var before = _scene.Rig.Weights(meshId);
            _scene.Rig.SetWeights(meshId, weights);
            p.Undo.Add(() => _scene.Rig.SetWeights(meshId, before));
        }

        /// <summary>An animation checked whole (times increasing, value counts, unit rotations: the protocol's RiggingContent) and converted to a clip; its blobs kept.</summary>
        private UnityClip Clip(Animation animation)
        {
            if (!(animation.FrameRate > 0 && animation.FrameRate <= Animation.MaxFrameRate))
                throw new ApplyException("INVALID_VALUE", $"animation {animation.Uuid}: frame rate {animation.FrameRate:R} is not within 0…{Animation.MaxFrameRate}");
            foreach (var c in animation.Channels) Object(c.Target, "animation target");
            RiggingContent.CheckAnimation(animation, t => _index.HandleOf(t) is int h && _scene.Find(h) is { Mesh: string m } && _scene.MeshIds().Contains(m)
                ? _scene.Mesh(m).BlendShapeCount : 0, _blobs, "animation " + animation.Uuid);
            var clip = ClipMapping.ToUnity(_scene, _index.HandleOf, animation, _blobs);
            _scene.Rig.Keep(animation.BlobIds(), _blobs, "animation " + animation.Uuid);
            return clip;
        }

        /// <summary>
        /// After an intent's operations: every mesh object it touched and every object bound to a skin gets
        /// its renderer, bones and bind poses made what the notes say (<see cref="SkinBinding.Refresh"/>; a
        /// write that changes nothing is not made). Users of a mesh an operation rewrote were refreshed by
        /// that operation. Looked up by ID, never by walking the scene: an intent costs what it touches.
        /// </summary>
        private void Rebind(Provisional p)
        {
            var ids = new HashSet<string>(p.Touched, StringComparer.Ordinal);
            ids.UnionWith(_scene.Rig.Bindings.Keys);
            foreach (var id in ids)
                if (_index.HandleOf(id) is int h && _scene.Find(h) is { Kind: ObjectKind.Mesh } o)
                    SkinBinding.Refresh(_scene, _index.HandleOf, o, null, p.Undo);
        }

        /// <summary>The encoded file <paramref name="image"/> names: present (what the APPLY brought, or a texture already holds it).</summary>
        private byte[] ImageFile(Image image)
        {
            if (!_blobs.TryGet(image.Blob, out var shape, out var payload))
                throw new ApplyException("BLOB_MISSING", $"image {image.Uuid}: blob {image.Blob} is in no store (upload it first)");
            if (shape.Element != BlobElement.U8 || shape.Components != 1)
                throw new ApplyException("BLOB_SHAPE", $"image {image.Uuid}: blob {image.Blob} is not bytes (u8 × 1)");
            // The orchestrator checked it before admitting; an engine checks again before applying (CONTENT-V3 §3).
            if (ImageHeader.Problem(payload.Span, image) is string problem) throw new ApplyException("IMAGE_FORMAT", $"image {image.Uuid}: {problem}");
            return payload.ToArray();
        }

        /// <summary>Marks a new object's Camera or Light as not synced while it holds what Unity gave it.</summary>
        private void ViewsUnsynced(Provisional p, string id, UnityObject made)
        {
            if (made.Camera != null) _scene.Notes.SetUnsyncedCamera(id, made.Camera);
            if (made.Light != null) _scene.Notes.SetUnsyncedLight(id, made.Light);
            if (made.Camera != null || made.Light != null) p.Undo.Add(() => { _scene.Notes.SetUnsyncedCamera(id, null); _scene.Notes.SetUnsyncedLight(id, null); });
        }

        private void CheckNew(string id)
        {
            if (_index.Contains(id) || _index.Tombstones.Contains(id) || _scene.MaterialIds().Contains(id) || _scene.ImageIds().Contains(id) || _scene.MeshIds().Contains(id)
                || _scene.ClipIds().Contains(id) || _scene.Rig.Skin(id) != null)
                throw new ApplyException("UUID_IN_USE", $"{id} already names something in this Unity scene (or did once)");
        }

        private void Created(Provisional p, string id, int handle)
        {
            _scene.SetId(handle, id);
            _index.Bind(id, handle);
            p.Undo.Add(() => { _scene.Destroy(handle); _index.Unbind(id); });
        }
    }
}
