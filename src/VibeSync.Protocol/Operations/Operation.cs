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

    /// <summary>Changes a material's parameters; absent parts stay as they are.</summary>
    public sealed record SetMaterialParams(string Uuid, Vector4d? BaseColor, double? Metallic, double? Roughness, Vector3d? Emission) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "set_material_params";
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

    /// <summary>Creates an object with a new VibeSync ID.</summary>
    public sealed record CreateObject(string Uuid, string ObjectName, ObjectKind Kind, string? Parent, Vector3d Translation,
        Quaterniond Rotation, Vector3d Scale, bool Visible, string? Mesh, IReadOnlyList<string?> Materials) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "create_object";
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

    /// <summary>Creates a material with a new VibeSync ID (linear base colour, metallic/roughness, emission).</summary>
    public sealed record CreateMaterial(string Uuid, string MaterialName, Vector4d BaseColor, double Metallic, double Roughness, Vector3d Emission) : Operation(Uuid)
    {
        /// <inheritdoc />
        public override string Name => "create_material";
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
}
