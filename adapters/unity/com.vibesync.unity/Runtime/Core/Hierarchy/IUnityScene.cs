using System.Collections.Generic;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Hierarchy
{
    /// <summary>
    /// One GameObject as the core sees it, in Unity's native space (left-handed, Y up): local TRS,
    /// activeSelf, the VibeSync ID on its VibeSyncId component, and the IDs of the assets it uses.
    /// The host stores reals as float32, as Unity does; the core widens them. <c>HumanOnly</c>: the
    /// GameObject is tagged HumanOnly, so a new ID for it is hidden from AI (prefix h-, DESIGN §2).
    /// <c>Camera</c>/<c>Light</c>: the Camera or Light component's synced members (kind camera or
    /// light; null for other kinds); <see cref="IUnityScene.Write"/> writes them when given.
    /// </summary>
    public sealed record UnityObject(
        int Handle,
        string? Id,
        string Name,
        ObjectKind Kind,
        int? Parent,
        Vector3d LocalPosition,
        Quaterniond LocalRotation,
        Vector3d LocalScale,
        bool Active,
        IReadOnlyList<string?> Materials,
        string? Mesh,
        string? Prefab,
        bool HumanOnly = false,
        Looks.UnityCamera? Camera = null,
        Looks.UnityLight? Light = null,
        UnitySkinned? Skinned = null);

    /// <summary>
    /// A mesh GameObject's <c>SkinnedMeshRenderer</c> (content schema 4): <c>bones</c> (handles, in order),
    /// <c>rootBone</c>, and each blend shape's weight (<c>GetBlendShapeWeight</c>, 0–100). Null on a
    /// <see cref="UnityObject"/>: a MeshFilter and MeshRenderer; <see cref="IUnityScene.Write"/> swaps one
    /// for the other, keeping the materials and the mesh.
    /// </summary>
    public sealed record UnitySkinned(IReadOnlyList<int> Bones, int? RootBone, IReadOnlyList<float> BlendShapeWeights)
    {
        /// <summary>Value equality (lists element by element).</summary>
        public bool Equals(UnitySkinned? other) =>
            other is not null && RootBone == other.RootBone && System.Linq.Enumerable.SequenceEqual(Bones, other.Bones)
            && System.Linq.Enumerable.SequenceEqual(BlendShapeWeights, other.BlendShapeWeights);

        /// <inheritdoc />
        public override int GetHashCode() => System.HashCode.Combine(RootBone, Bones.Count, BlendShapeWeights.Count);
    }

    /// <summary>
    /// The VibeSync project a scene belongs to (docs/protocol.md, "Project identity"): the data
    /// directory's project ID and the content schema it was stamped with. Written into the scene on
    /// WELCOME and saved with it, so the orchestrator can refuse a scene of another project.
    /// </summary>
    public sealed record ProjectStamp(string Id, int Schema);

    /// <summary>
    /// The narrow port between the engine-free core and a Unity-like scene: the editor glue
    /// implements it with UnityEditor calls (Undo.RecordObject, PrefabUtility, …), the headless
    /// simulator in memory. Handles are the host's (Unity: instance IDs) and never outlive a
    /// domain reload; the core keys everything by VibeSync ID. A handle of a destroyed GameObject
    /// resolves to nothing, as a destroyed UnityEngine.Object equals null: <see cref="Find"/>
    /// returns null and writes to it throw <see cref="System.InvalidOperationException"/>.
    /// </summary>
    public interface IUnityScene
    {
        /// <summary>Every live GameObject of the open scene (not those pending a provisional delete).</summary>
        IReadOnlyList<UnityObject> Objects();

        /// <summary>The object, or null when it is gone.</summary>
        UnityObject? Find(int handle);

        /// <summary>Puts <paramref name="id"/> on the object's VibeSyncId component (adding one).</summary>
        void SetId(int handle, string id);

        /// <summary>Writes everything but the handle, the ID and the kind: name, parent (keeping the local transform), TRS, active, materials, mesh, prefab.</summary>
        void Write(UnityObject values);

        /// <summary>Creates a GameObject of <c>values.Kind</c> (with a MeshFilter/Renderer, Camera or Light); returns its handle.</summary>
        int Create(UnityObject values);

        /// <summary>Instantiates a prefab (by asset id) as a prefab instance; returns its handle.</summary>
        /// <exception cref="UnknownAssetException">No such prefab.</exception>
        int Instantiate(string prefab, UnityObject values);

        /// <summary>
        /// Copies one GameObject with its components (its VibeSyncId included), not its children.
        /// The copy's parent, name and transform are the host's: Unity's <c>Object.Instantiate</c>
        /// leaves a copy at the scene root named "Cube(Clone)", so the core writes them itself.
        /// Returns the copy's handle.
        /// </summary>
        int Duplicate(int handle);

        /// <summary>Destroys a GameObject and its subtree for good; a handle already destroyed is ignored.</summary>
        void Destroy(int handle);

        /// <summary>
        /// A provisional delete: the object (and its subtree) leaves the scene until restored or
        /// destroyed. Restoring (false) a handle already destroyed is ignored.
        /// </summary>
        void SetPendingDelete(int handle, bool pending);

        /// <summary>VibeSync IDs of the materials the scene's renderers use (the adapter's asset mapping) and those created provisionally.</summary>
        IReadOnlyList<string> MaterialIds();

        /// <summary>Material <paramref name="id"/>'s name, shader and the properties <see cref="Looks.ShaderFamily"/> names.</summary>
        /// <exception cref="UnknownAssetException">No such material.</exception>
        Looks.UnityMaterialState ReadMaterial(string id);

        /// <summary>
        /// Writes material <paramref name="id"/>'s name and every value <paramref name="values"/> holds
        /// (its shader too, when another); a texture property absent from it is cleared, a managed
        /// keyword absent from it disabled (<see cref="Looks.ShaderFamily.KeywordNames"/>).
        /// </summary>
        /// <exception cref="UnknownAssetException">No such material, or a texture names no image.</exception>
        void WriteMaterial(string id, Looks.UnityMaterialState values);

        /// <summary>The shader a material VibeSync creates gets: URP's Lit when the project renders with URP, else Standard.</summary>
        string NewMaterialShader { get; }

        /// <summary>VibeSync IDs of the textures the scene's materials use and those created provisionally.</summary>
        IReadOnlyList<string> ImageIds();

        /// <summary>Texture <paramref name="id"/>'s import facts and settings.</summary>
        /// <exception cref="UnknownAssetException">No such texture.</exception>
        Looks.UnityTexture ReadImage(string id);

        /// <summary>A number that changes whenever texture <paramref name="id"/>'s file may have changed (the core names its bytes again only then).</summary>
        /// <exception cref="UnknownAssetException">No such texture.</exception>
        long ImageVersion(string id);

        /// <summary>Texture <paramref name="id"/>'s encoded file (PNG or JPEG), exactly as imported.</summary>
        /// <exception cref="UnknownAssetException">No such texture.</exception>
        byte[] ImageBytes(string id);

        /// <summary>Writes texture <paramref name="id"/>'s settings and, when <paramref name="bytes"/> is given, its file.</summary>
        /// <exception cref="UnknownAssetException">No such texture.</exception>
        void WriteImage(string id, Looks.UnityTexture texture, byte[]? bytes);

        /// <summary>
        /// Makes the texture named <paramref name="name"/> from texture <paramref name="image"/>'s file, unless
        /// one of that name exists: the file decoded to RGBA8 pixels, <paramref name="convert"/>ed, encoded as
        /// PNG and kept as a linear (non-sRGB) texture (the glue: <c>Assets/VibeSync/Textures/&lt;name&gt;.png</c>).
        /// A material property names it through <see cref="Looks.UnityMaterialState.Derived"/>. Returns null, or
        /// why it cannot be made (the file does not decode); nothing is made then. Not undone by a rollback:
        /// it is named by its source's bytes, a cache, not the scene's content.
        /// </summary>
        /// <exception cref="UnknownAssetException">No such texture.</exception>
        string? Derive(string image, string name, System.Func<byte[], byte[]> convert);

        /// <summary>Creates a texture with that VibeSync ID from an encoded file; not imported as an asset until <see cref="PersistAsset"/>.</summary>
        void CreateImage(string id, Looks.UnityTexture texture, byte[] bytes);

        /// <summary>What the adapter keeps beside materials, cameras and lights: the records it last wrote (<see cref="Looks.LookNotes"/>).</summary>
        Looks.LookNotes Notes { get; }

        /// <summary>What the core keeps beside skins, morph weights and clips: the records it last wrote (<see cref="Rigging.RigNotes"/>).</summary>
        Rigging.RigNotes Rig { get; }

        /// <summary>VibeSync IDs of the animation clips (the glue: clips under <c>Assets/VibeSync/Animations/</c>, and those created provisionally).</summary>
        IReadOnlyList<string> ClipIds();

        /// <summary>Clip <paramref name="id"/>: its name, frame rate, the GameObject whose Animation component holds it, its editor curves.</summary>
        /// <exception cref="UnknownAssetException">No such clip.</exception>
        Rigging.UnityClip ReadClip(string id);

        /// <summary>Replaces clip <paramref name="id"/>'s name, frame rate and curves (<c>AnimationUtility.SetEditorCurve</c>) and moves it to the holder's Animation component.</summary>
        /// <exception cref="UnknownAssetException">No such clip.</exception>
        void WriteClip(string id, Rigging.UnityClip clip);

        /// <summary>Creates a clip with that VibeSync ID on its holder's Animation component; not an asset until <see cref="PersistAsset"/> (then under <c>Assets/VibeSync/Animations/</c>).</summary>
        void CreateClip(string id, Rigging.UnityClip clip);

        /// <summary>VibeSync IDs of the meshes the scene's filters use (and those created provisionally).</summary>
        IReadOnlyList<string> MeshIds();

        /// <summary>
        /// A number that changes whenever mesh <paramref name="id"/>'s data may have changed (the core
        /// reads and names a mesh's arrays again only then). The simulator counts writes; the glue
        /// uses <c>EditorUtility.GetDirtyCount</c>.
        /// </summary>
        /// <exception cref="UnknownAssetException">No such mesh.</exception>
        long MeshVersion(string id);

        /// <summary>Mesh <paramref name="id"/>, to read.</summary>
        /// <exception cref="UnknownAssetException">No such mesh.</exception>
        Meshes.IUnityMeshApi Mesh(string id);

        /// <summary>Mesh <paramref name="id"/>, about to be written (the glue records it with Undo first).</summary>
        /// <exception cref="UnknownAssetException">No such mesh.</exception>
        Meshes.IUnityMeshApi EditMesh(string id);

        /// <summary>What the host keeps beside mesh <paramref name="id"/> that a Unity mesh cannot hold; <see cref="MeshNotes.None"/> for a mesh VibeSync never wrote.</summary>
        MeshNotes NotesOf(string id);

        /// <summary>Keeps <paramref name="notes"/> beside mesh <paramref name="id"/>.</summary>
        void SetNotes(string id, MeshNotes notes);

        /// <summary>Creates a material with that VibeSync ID and values; it is not saved with the project until <see cref="PersistAsset"/>.</summary>
        void CreateMaterial(string id, Looks.UnityMaterialState values);

        /// <summary>Creates an empty mesh with that VibeSync ID (the core then writes it); not saved with the project until <see cref="PersistAsset"/>.</summary>
        void CreateMesh(string id);

        /// <summary>Removes a material, mesh, texture or clip that <see cref="CreateMaterial"/>, <see cref="CreateMesh"/> or <see cref="CreateImage"/> made (rollback).</summary>
        void RemoveAsset(string id);

        /// <summary>Makes a created material, mesh, texture or clip part of the project (FINALIZE; a texture is imported under <c>Assets/VibeSync/Textures/</c>).</summary>
        void PersistAsset(string id);

        /// <summary>ready, busy, play or compiling, for heartbeats; the core syncs nothing unless ready.</summary>
        string State { get; }

        /// <summary>
        /// The open scene's project stamp, null when it carries none. Setting it writes the stamp into
        /// the scene (saved with it); the stamp is never one of <see cref="Objects"/> and never an edit.
        /// </summary>
        ProjectStamp? Project { get; set; }
    }

    /// <summary>
    /// What a synced mesh carries that a UnityEngine.Mesh cannot: the record's <c>derived</c> list (a
    /// Blender modifier stack is not Unity's to know), and whether its normals are Unity's
    /// <c>RecalculateNormals</c> (the record had no NORMAL, so none is reported back).
    /// </summary>
    public sealed record MeshNotes(IReadOnlyList<string> Derived, bool NormalsComputed)
    {
        /// <summary>Names of the morph targets whose record had no NORMAL (a blend shape always holds normal deltas: zero for these).</summary>
        public IReadOnlyCollection<string> TargetsWithoutNormals { get; init; } = new string[0];

        /// <summary>A mesh VibeSync never wrote: authored here, its normals are its own.</summary>
        public static MeshNotes None { get; } = new MeshNotes(new string[0], false);
    }

    /// <summary>The host has no asset of that id.</summary>
    public sealed class UnknownAssetException : System.Exception
    {
        /// <summary>Creates the exception.</summary>
        public UnknownAssetException(string message) : base(message) { }
    }
}
