using System;
using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Operations
{
    /// <summary>
    /// One typed change to the scene, in canonical space. No operation carries anything an engine
    /// could execute: every field is data with a schema (OperationReader refuses unknown fields).
    /// </summary>
    public abstract record Operation(string Uuid)
    {
        /// <summary>The operation's name on the wire, e.g. <c>set_transform</c>.</summary>
        public abstract string Name { get; }
    }

    /// <summary>Moves, rotates or scales an object; absent parts stay as they are.</summary>
    public sealed record SetTransform(string Uuid, Vector3d? Translation, Quaterniond? Rotation, Vector3d? Scale) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_transform";
    }

    /// <summary>Shows or hides an object.</summary>
    public sealed record SetVisibility(string Uuid, bool Visible) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_visibility";
    }

    /// <summary>
    /// Changes a material's parameters; absent parts stay as they are. <see cref="Textures"/> names
    /// only the slots that change (a null binding removes the slot).
    /// </summary>
    public sealed record SetMaterialParams(string Uuid, Vector4d? BaseColor, double? Metallic, double? Roughness, Vector3d? Emission) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_material_params";

        /// <summary>KHR_materials_emissive_strength, or null to keep it.</summary>
        public double? EmissiveStrength { get; init; }
        /// <summary>Alpha mode, or null to keep it.</summary>
        public AlphaMode? AlphaMode { get; init; }
        /// <summary>Alpha cutoff, or null to keep it.</summary>
        public double? AlphaCutoff { get; init; }
        /// <summary>Double-sided, or null to keep it.</summary>
        public bool? DoubleSided { get; init; }
        /// <summary>Normal scale, or null to keep it.</summary>
        public double? NormalScale { get; init; }
        /// <summary>Occlusion strength, or null to keep it.</summary>
        public double? OcclusionStrength { get; init; }
        /// <summary>Slot → new binding (null removes it); slots not named stay. Null: no texture changes.</summary>
        public IReadOnlyDictionary<TextureSlot, TextureBinding?>? Textures { get; init; }
        /// <summary>True when the operation states <c>unsynced</c> (only Blender, which alone knows why, may).</summary>
        public bool SetsUnsynced { get; init; }
        /// <summary>The new reason (null: the material is representable again), when <see cref="SetsUnsynced"/>.</summary>
        public string? Unsynced { get; init; }

        /// <summary><paramref name="m"/> with this operation's fields applied.</summary>
        public Material ApplyTo(Material m)
        {
            var textures = m.Textures;
            if (Textures is { Count: > 0 })
            {
                var changed = new Dictionary<TextureSlot, TextureBinding>();
                foreach (var pair in m.Textures) changed[pair.Key] = pair.Value;
                foreach (var pair in Textures)
                    if (pair.Value is null) changed.Remove(pair.Key); else changed[pair.Key] = pair.Value;
                textures = changed;
            }
            return m with
            {
                BaseColor = BaseColor ?? m.BaseColor, Metallic = Metallic ?? m.Metallic, Roughness = Roughness ?? m.Roughness,
                Emission = Emission ?? m.Emission, EmissiveStrength = EmissiveStrength ?? m.EmissiveStrength,
                AlphaMode = AlphaMode ?? m.AlphaMode, AlphaCutoff = AlphaCutoff ?? m.AlphaCutoff, DoubleSided = DoubleSided ?? m.DoubleSided,
                NormalScale = NormalScale ?? m.NormalScale, OcclusionStrength = OcclusionStrength ?? m.OcclusionStrength, Textures = textures,
                Unsynced = SetsUnsynced ? Unsynced : m.Unsynced,
            };
        }

        /// <summary>This change followed by <paramref name="later"/> as one (later fields win; texture slots merge).</summary>
        public SetMaterialParams Then(SetMaterialParams later)
        {
            IReadOnlyDictionary<TextureSlot, TextureBinding?>? textures = Textures;
            if (later.Textures != null)
            {
                var merged = new Dictionary<TextureSlot, TextureBinding?>();
                if (Textures != null) foreach (var pair in Textures) merged[pair.Key] = pair.Value;
                foreach (var pair in later.Textures) merged[pair.Key] = pair.Value;
                textures = merged;
            }
            return new SetMaterialParams(later.Uuid, later.BaseColor ?? BaseColor, later.Metallic ?? Metallic, later.Roughness ?? Roughness, later.Emission ?? Emission)
            {
                EmissiveStrength = later.EmissiveStrength ?? EmissiveStrength, AlphaMode = later.AlphaMode ?? AlphaMode,
                AlphaCutoff = later.AlphaCutoff ?? AlphaCutoff, DoubleSided = later.DoubleSided ?? DoubleSided,
                NormalScale = later.NormalScale ?? NormalScale, OcclusionStrength = later.OcclusionStrength ?? OcclusionStrength,
                Textures = textures, SetsUnsynced = later.SetsUnsynced || SetsUnsynced, Unsynced = later.SetsUnsynced ? later.Unsynced : Unsynced,
            };
        }

        /// <summary>Every field of <paramref name="m"/> as a change (an engine's report of the whole material; textures it lacks removed).</summary>
        public static SetMaterialParams Whole(Material m, Material? before = null)
        {
            var textures = new Dictionary<TextureSlot, TextureBinding?>();
            foreach (var pair in m.Textures) textures[pair.Key] = pair.Value;
            if (before != null) foreach (var slot in before.Textures.Keys) if (!m.Textures.ContainsKey(slot)) textures[slot] = null;
            return new SetMaterialParams(m.Uuid, m.BaseColor, m.Metallic, m.Roughness, m.Emission)
            {
                EmissiveStrength = m.EmissiveStrength, AlphaMode = m.AlphaMode, AlphaCutoff = m.AlphaCutoff, DoubleSided = m.DoubleSided,
                NormalScale = m.NormalScale, OcclusionStrength = m.OcclusionStrength, Textures = textures,
                SetsUnsynced = true, Unsynced = m.Unsynced,
            };
        }
    }

    /// <summary>Puts a material (or nothing) into a mesh object's slot; slot = count appends a slot.</summary>
    public sealed record AssignMaterial(string Uuid, int Slot, string? Material) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "assign_material";
    }

    /// <summary>Reparents an object (null: to the scene root), keeping its local transform.</summary>
    public sealed record SetParent(string Uuid, string? Parent) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_parent";
    }

    /// <summary>
    /// Points a mesh object at another mesh record (its geometry; material slots stay): in Blender
    /// the object's mesh data, in Unity its MeshFilter's shared mesh. An object that gains or loses
    /// modifiers in Blender changes between its shared mesh and its derived one this way.
    /// </summary>
    public sealed record SetMesh(string Uuid, string Mesh) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_mesh";
    }

    /// <summary>Creates an object with a new VibeSync ID (a camera or light optionally with its parameters).</summary>
    public sealed record CreateObject(string Uuid, string ObjectName, ObjectKind Kind, string? Parent, Vector3d Translation,
        Quaterniond Rotation, Vector3d Scale, bool Visible, string? Mesh, IReadOnlyList<string?> Materials) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "create_object";

        /// <summary>A camera's parameters (kind camera only), or null.</summary>
        public CameraParameters? Camera { get; init; }

        /// <summary>A light's parameters (kind light only), or null: a light created without them is not synced (set_light refuses it).</summary>
        public LightParameters? Light { get; init; }

        /// <summary>The object record this creates.</summary>
        public SceneObject ToObject() =>
            new SceneObject(Uuid, ObjectName, Kind, Parent, Translation, Rotation, Scale, Visible, Materials, Mesh) { Camera = Camera, Light = Light, Skin = Skin };

        /// <summary>The skin of a new mesh object (content schema 4); null = not skinned.</summary>
        public string? Skin { get; init; }
    }

    /// <summary>Instantiates a prefab (Unity) / collection instance (Blender) as a new object.</summary>
    public sealed record InstantiatePrefab(string Uuid, string Prefab, string ObjectName, string? Parent, Vector3d Translation,
        Quaterniond Rotation, Vector3d Scale) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "instantiate_prefab";
    }

    /// <summary>Copies an object (not its children) under a new VibeSync ID.</summary>
    public sealed record DuplicateObject(string Uuid, string NewUuid, string? NewName) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "duplicate_object";
    }

    /// <summary>What happens to the children of a deleted object. There is no default: the caller must say.</summary>
    public enum ChildrenPolicy
    {
        /// <summary>Delete the whole subtree (each descendant is tombstoned).</summary>
        Delete,
        /// <summary>Children move to the deleted object's parent.</summary>
        Reparent,
    }

    /// <summary>Deletes an object; its UUID is tombstoned and never reused.</summary>
    public sealed record DeleteObject(string Uuid, ChildrenPolicy Children) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "delete_object";
    }

    /// <summary>Overwrites a mesh record (its uuid is the operation's) with <paramref name="Mesh"/>.</summary>
    public sealed record ReplaceMesh(string Uuid, Mesh Mesh) : Operation(Uuid)
    {
        /// <summary>Replaces the record of <paramref name="mesh"/>'s uuid.</summary>
        public ReplaceMesh(Mesh mesh) : this(mesh.Uuid, mesh) { }

        /// <inheritdoc />
        public override string Name => "replace_mesh";
    }

    /// <summary>Points an object at another asset (a prefab/collection by its asset id).</summary>
    public sealed record ReplaceAsset(string Uuid, string Asset) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "replace_asset";
    }

    /// <summary>Creates a material with a new VibeSync ID (the operation's uuid): the whole record, schema-3 fields at glTF's defaults unless given.</summary>
    public sealed record CreateMaterial(string Uuid, Material Material) : Operation(Uuid)
    {
        /// <summary>Creates <paramref name="material"/>.</summary>
        public CreateMaterial(Material material) : this(material.Uuid, material) { }

        /// <summary>Creates a material with schema 2's fields (the rest at glTF's defaults).</summary>
        public CreateMaterial(string uuid, string materialName, Vector4d baseColor, double metallic, double roughness, Vector3d emission)
            : this(uuid, new Material(uuid, materialName, baseColor, metallic, roughness, emission)) { }

        /// <inheritdoc />
        public override string Name => "create_material";
        /// <summary>The material's name.</summary>
        public string MaterialName => Material.Name;
        /// <summary>Linear base colour.</summary>
        public Vector4d BaseColor => Material.BaseColor;
        /// <summary>Metallic factor.</summary>
        public double Metallic => Material.Metallic;
        /// <summary>Roughness factor.</summary>
        public double Roughness => Material.Roughness;
        /// <summary>Linear emission.</summary>
        public Vector3d Emission => Material.Emission;
    }

    /// <summary>Creates an image record (its blob must be present and hold a PNG or JPEG of the record's size).</summary>
    public sealed record CreateImage(string Uuid, Image Image) : Operation(Uuid)
    {
        /// <summary>Creates <paramref name="image"/>.</summary>
        public CreateImage(Image image) : this(image.Uuid, image) { }

        /// <inheritdoc />
        public override string Name => "create_image";
    }

    /// <summary>New bytes for an existing image (same uuid, name kept); destructive: the old record is snapshotted.</summary>
    public sealed record ReplaceImage(string Uuid, string Blob, string Mime, int Width, int Height, ImageColorSpace? ColorSpace) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "replace_image";

        /// <summary><paramref name="image"/> with the new bytes.</summary>
        public Image ApplyTo(Image image) =>
            image with { Blob = Blob, Mime = Mime, Width = Width, Height = Height, ColorSpace = ColorSpace ?? image.ColorSpace };
    }

    /// <summary>Changes a camera's parameters; absent fields stay. Changing <see cref="Type"/> needs that type's fields.</summary>
    public sealed record SetCamera(string Uuid, CameraType? Type, double? YFov, double? Aspect, double? XMag, double? YMag, double? ZNear, double? ZFar) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_camera";

        /// <summary>
        /// The parameters after this change to <paramref name="current"/> (null: a camera whose
        /// parameters were never synced, so the type's every field is needed), or the name of the
        /// first field it lacks or must not have (<paramref name="problem"/>: "missing" or "wrong type").
        /// </summary>
        public CameraParameters? ApplyTo(CameraParameters? current, out string? field, out string? problem)
        {
            field = problem = null;
            var type = Type ?? current?.Type ?? CameraType.Perspective;
            bool keep = current != null && current.Type == type;
            bool perspective = type == CameraType.Perspective;
            // A field of the other type is refused: it would be silently dropped.
            if (perspective ? XMag != null : YFov != null) { field = perspective ? "xmag" : "yfov"; problem = "wrong type"; return null; }
            if (perspective ? YMag != null : Aspect != null) { field = perspective ? "ymag" : "aspect"; problem = "wrong type"; return null; }
            double? Need(double? given, double? kept, string name, ref string? f)
            {
                if (given != null) return given;
                if (kept != null) return kept;
                f ??= name;
                return null;
            }
            string? missing = null;
            var a = Need(perspective ? YFov : XMag, keep ? (perspective ? current!.YFov : current!.XMag) : null, perspective ? "yfov" : "xmag", ref missing);
            var b = Need(perspective ? Aspect : YMag, keep ? (perspective ? current!.Aspect : current!.YMag) : null, perspective ? "aspect" : "ymag", ref missing);
            var near = Need(ZNear, current?.ZNear, "znear", ref missing);
            var far = Need(ZFar, current?.ZFar, "zfar", ref missing);
            if (missing != null) { field = missing; problem = "missing"; return null; }
            return perspective ? CameraParameters.Perspective(a!.Value, b!.Value, near!.Value, far!.Value)
                : CameraParameters.Orthographic(a!.Value, b!.Value, near!.Value, far!.Value);
        }
    }

    /// <summary>
    /// Changes a light's parameters; absent fields stay. <see cref="SetsRange"/> tells a range set to
    /// null (infinite) from one left out. Changing to spot needs both cones; changing away from spot
    /// zeroes them.
    /// </summary>
    public sealed record SetLight(string Uuid, LightType? Type, Vector3d? Color, double? Intensity, bool SetsRange, double? Range, double? InnerCone, double? OuterCone) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_light";

        /// <summary>The parameters after this change to <paramref name="current"/>, or null with the missing field's name.</summary>
        public LightParameters? ApplyTo(LightParameters current, out string? missing)
        {
            missing = null;
            var type = Type ?? current.Type;
            double inner = 0, outer = 0;
            if (type == LightType.Spot)
            {
                bool wasSpot = current.Type == LightType.Spot;
                if (OuterCone is null && !wasSpot) { missing = "outer_cone"; return null; }
                if (InnerCone is null && !wasSpot) { missing = "inner_cone"; return null; }
                inner = InnerCone ?? current.InnerCone;
                outer = OuterCone ?? current.OuterCone;
            }
            else
            {
                inner = InnerCone ?? 0;
                outer = OuterCone ?? 0;
            }
            return new LightParameters(type, Color ?? current.Color, Intensity ?? current.Intensity, SetsRange ? Range : current.Range, inner, outer);
        }
    }

    /// <summary>Creates a mesh record with a new VibeSync ID (the operation's uuid), for objects to use.</summary>
    public sealed record CreateMesh(string Uuid, Mesh Mesh) : Operation(Uuid)
    {
        /// <summary>Creates <paramref name="mesh"/>.</summary>
        public CreateMesh(Mesh mesh) : this(mesh.Uuid, mesh) { }

        /// <inheritdoc />
        public override string Name => "create_mesh";
    }

    /// <summary>Renames an object or material.</summary>
    public sealed record Rename(string Uuid, string NewName) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "rename";
    }

    /// <summary>Skins a mesh object (<paramref name="Skin"/>) or unskins it (null); content schema 4.</summary>
    public sealed record SetSkin(string Uuid, string? Skin) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_skin";
    }

    /// <summary>Creates a skin record with a new VibeSync ID (the operation's uuid).</summary>
    public sealed record CreateSkin(string Uuid, Skin Skin) : Operation(Uuid)
    {
        /// <summary>Creates the record <paramref name="skin"/>.</summary>
        public CreateSkin(Skin skin) : this(skin.Uuid, skin) { }

        /// <inheritdoc />
        public override string Name => "create_skin";
    }

    /// <summary>Changes a skin: any subset of its joints, inverse bind matrices and skeleton (<see cref="SetsSkeleton"/> with null clears it).</summary>
    public sealed record UpdateSkin(string Uuid, IReadOnlyList<string>? Joints, string? InverseBindMatrices, bool SetsSkeleton, string? Skeleton) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "update_skin";

        /// <summary>The skin after this change.</summary>
        public Skin ApplyTo(Skin skin) => skin with
        {
            Joints = Joints ?? skin.Joints,
            InverseBindMatrices = InverseBindMatrices ?? skin.InverseBindMatrices,
            Skeleton = SetsSkeleton ? Skeleton : skin.Skeleton,
        };
    }

    /// <summary>Deletes a skin record; destructive (snapshotted). Refused while an object uses it, unless the same intent unskins it.</summary>
    public sealed record DeleteSkin(string Uuid) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "delete_skin";
    }

    /// <summary>A mesh's morph target weights: exactly one per target, each 0…1 (cosmetic, coalesced like transforms).</summary>
    public sealed record SetMorphWeights(string Uuid, IReadOnlyList<double> Weights) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_morph_weights";

        /// <summary>Value equality (the weights compared element by element).</summary>
        public bool Equals(SetMorphWeights? other) => other is not null && Uuid == other.Uuid && Weights.SequenceEqual(other.Weights);

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Uuid, Weights.Count);
    }

    /// <summary>Creates an animation record with a new VibeSync ID (the operation's uuid).</summary>
    public sealed record CreateAnimation(string Uuid, Animation Animation) : Operation(Uuid)
    {
        /// <summary>Creates the record <paramref name="animation"/>.</summary>
        public CreateAnimation(Animation animation) : this(animation.Uuid, animation) { }

        /// <inheritdoc />
        public override string Name => "create_animation";
    }

    /// <summary>
    /// Sets or replaces the channel of an animation for (<paramref name="Target"/>, <paramref name="Path"/>),
    /// or removes it (<paramref name="Channel"/> null, <c>"remove": true</c>); cosmetic.
    /// </summary>
    public sealed record SetAnimationChannel(string Uuid, string Target, AnimationPath Path, AnimationChannel? Channel) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_animation_channel";

        /// <summary>The animation after this change: channels kept in record order (target, then path).</summary>
        public Animation ApplyTo(Animation animation)
        {
            var channels = animation.Channels.Where(c => !(c.Target == Target && c.Path == Path)).ToList();
            if (Channel != null) channels.Add(Channel);
            channels.Sort(AnimationChannel.Compare);
            return animation with { Channels = channels };
        }
    }

    /// <summary>Deletes an animation record; destructive (snapshotted).</summary>
    public sealed record DeleteAnimation(string Uuid) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "delete_animation";
    }
}
