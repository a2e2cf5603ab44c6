// Compile-time stub of the UnityEngine members the glue uses: each declared as in Unity's C#
// reference source at 2022.3 (README.md lists every member with the file it was checked against).
// Every body throws; nothing here runs.
using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace UnityEngine
{
    public class Object
    {
        public string name { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public HideFlags hideFlags { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int GetInstanceID() => throw new NotImplementedException();
        public override int GetHashCode() => throw new NotImplementedException();
        public override bool Equals(object other) => throw new NotImplementedException();
        public static void DestroyImmediate(Object obj) => throw new NotImplementedException();
        public static T Instantiate<T>(T original, Transform parent, bool worldPositionStays) where T : Object => throw new NotImplementedException();

        // A destroyed Object equals null through these three, and only through these: C#'s ??, ?.,
        // "is null" and pattern matching see the managed wrapper, which outlives the native object.
        // [NotNullWhen] is for our nullable analysis only (Unity compiles the package without it).
        public static implicit operator bool([NotNullWhen(true)] Object exists) => throw new NotImplementedException();
        public static bool operator ==(Object x, Object y) => throw new NotImplementedException();
        public static bool operator !=(Object x, Object y) => throw new NotImplementedException();
    }

    [Flags]
    public enum HideFlags { None = 0, HideInHierarchy = 1, HideInInspector = 2, DontSaveInEditor = 4, NotEditable = 8, DontSaveInBuild = 16, DontUnloadUnusedAsset = 32, DontSave = 52, HideAndDontSave = 61 }

    public sealed class GameObject : Object
    {
        public GameObject(string name) => throw new NotImplementedException();
        public Transform transform => throw new NotImplementedException();
        public bool activeSelf => throw new NotImplementedException();
        public void SetActive(bool value) => throw new NotImplementedException();
        public T GetComponent<T>() => throw new NotImplementedException();
        public T AddComponent<T>() where T : Component => throw new NotImplementedException();
        public string tag { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    }

    public class Component : Object
    {
        public GameObject gameObject => throw new NotImplementedException();
    }

    public class Transform : Component
    {
        protected Transform() => throw new NotImplementedException();
        public Vector3 localPosition { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Quaternion localRotation { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Vector3 localScale { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Transform parent { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int childCount => throw new NotImplementedException();
        public Transform GetChild(int index) => throw new NotImplementedException();
    }

    public class Behaviour : Component { }
    public class MonoBehaviour : Behaviour { public MonoBehaviour() => throw new NotImplementedException(); }
    public class ScriptableObject : Object { public ScriptableObject() => throw new NotImplementedException(); }
    public sealed class Camera : Behaviour
    {
        public Camera() => throw new NotImplementedException();
        public float fieldOfView { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float nearClipPlane { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float farClipPlane { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public bool orthographic { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float orthographicSize { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float aspect => throw new NotImplementedException();
    }
    public sealed class Light : Behaviour
    {
        public LightType type { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Color color { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float intensity { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float range { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float spotAngle { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float innerSpotAngle { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    }
    public enum LightType { Spot = 0, Directional = 1, Point = 2, Area = 3, Rectangle = 3, Disc = 4 }
    public enum TextureWrapMode { Repeat = 0, Clamp = 1, Mirror = 2, MirrorOnce = 3 }
    public enum FilterMode { Point = 0, Bilinear = 1, Trilinear = 2 }
    public class Texture : Object
    {
        protected Texture() => throw new NotImplementedException();
        public virtual int width => throw new NotImplementedException();
        public virtual int height => throw new NotImplementedException();
    }
    public sealed class Texture2D : Texture
    {
        public Texture2D(int width, int height) => throw new NotImplementedException();
        public Texture2D(int width, int height, TextureFormat textureFormat, bool mipChain, bool linear) => throw new NotImplementedException();
        public Color32[] GetPixels32() => throw new NotImplementedException();
        public void SetPixels32(Color32[] colors) => throw new NotImplementedException();
        public void Apply() => throw new NotImplementedException();
    }
    public enum TextureFormat { RGBA32 = 4 }
    public struct Color32
    {
        public byte r, g, b, a;
        public Color32(byte r, byte g, byte b, byte a) { this.r = r; this.g = g; this.b = b; this.a = a; }
    }
    public static class ImageConversion
    {
        public static bool LoadImage(this Texture2D tex, byte[] data) => throw new NotImplementedException();
        public static byte[] EncodeToPNG(this Texture2D tex) => throw new NotImplementedException();
    }
    public class Renderer : Component { public Material[] sharedMaterials { get => throw new NotImplementedException(); set => throw new NotImplementedException(); } }
    public class MeshRenderer : Renderer { }
    public partial class SkinnedMeshRenderer : Renderer
    {
        public Transform rootBone { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Transform[] bones { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Mesh sharedMesh { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float GetBlendShapeWeight(int index) => throw new NotImplementedException();
        public void SetBlendShapeWeight(int index, float value) => throw new NotImplementedException();
    }
    public struct BoneWeight
    {
        public float weight0 { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float weight1 { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float weight2 { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float weight3 { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int boneIndex0 { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int boneIndex1 { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int boneIndex2 { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int boneIndex3 { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    }
    public struct Matrix4x4
    {
        public float m00, m10, m20, m30, m01, m11, m21, m31, m02, m12, m22, m32, m03, m13, m23, m33;
    }

    public partial class Motion : Object
    {
        protected Motion() => throw new NotImplementedException();
        public bool legacy => throw new NotImplementedException();
    }
    public sealed class AnimationClip : Motion
    {
        public AnimationClip() => throw new NotImplementedException();
        public float frameRate { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public new bool legacy { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    }
    public sealed class Animation : Behaviour
    {
        public void AddClip(AnimationClip clip, string newName) => throw new NotImplementedException();
        public void RemoveClip(AnimationClip clip) => throw new NotImplementedException();
        public AnimationClip GetClip(string name) => throw new NotImplementedException();
    }
    public struct Keyframe
    {
        public Keyframe(float time, float value, float inTangent, float outTangent) => throw new NotImplementedException();
        public float time { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float value { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float inTangent { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public float outTangent { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    }
    public class AnimationCurve
    {
        public AnimationCurve(params Keyframe[] keys) => throw new NotImplementedException();
        public Keyframe[] keys { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    }
    public sealed class MeshFilter : Component { public Mesh sharedMesh { get => throw new NotImplementedException(); set => throw new NotImplementedException(); } }

    public class Material : Object
    {
        public Material(Shader shader) => throw new NotImplementedException();
        public bool HasProperty(string name) => throw new NotImplementedException();
        public Color GetColor(string name) => throw new NotImplementedException();
        public void SetColor(string name, Color value) => throw new NotImplementedException();
        public float GetFloat(string name) => throw new NotImplementedException();
        public void SetFloat(string name, float value) => throw new NotImplementedException();
        public Shader shader { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int renderQueue { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Texture GetTexture(string name) => throw new NotImplementedException();
        public void SetTexture(string name, Texture value) => throw new NotImplementedException();
        public Vector2 GetTextureScale(string name) => throw new NotImplementedException();
        public void SetTextureScale(string name, Vector2 value) => throw new NotImplementedException();
        public Vector2 GetTextureOffset(string name) => throw new NotImplementedException();
        public void SetTextureOffset(string name, Vector2 value) => throw new NotImplementedException();
        public void EnableKeyword(string keyword) => throw new NotImplementedException();
        public void DisableKeyword(string keyword) => throw new NotImplementedException();
        public bool IsKeywordEnabled(string keyword) => throw new NotImplementedException();
        public void SetOverrideTag(string tag, string val) => throw new NotImplementedException();
        public string GetTag(string tag, bool searchFallbacks) => throw new NotImplementedException();
    }

    public sealed class Shader : Object
    {
        private Shader() => throw new NotImplementedException();
        public static Shader Find(string name) => throw new NotImplementedException();
    }

    public sealed class Mesh : Object
    {
        public Mesh() => throw new NotImplementedException();
        public UnityEngine.Rendering.IndexFormat indexFormat { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int vertexCount => throw new NotImplementedException();
        public int subMeshCount { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public void Clear(bool keepVertexLayout) => throw new NotImplementedException();
        public void SetVertices(List<Vector3> inVertices) => throw new NotImplementedException();
        public void GetVertices(List<Vector3> vertices) => throw new NotImplementedException();
        public void SetNormals(List<Vector3> inNormals) => throw new NotImplementedException();
        public void GetNormals(List<Vector3> normals) => throw new NotImplementedException();
        public void SetTangents(List<Vector4> inTangents) => throw new NotImplementedException();
        public void GetTangents(List<Vector4> tangents) => throw new NotImplementedException();
        public void SetColors(List<Color> inColors) => throw new NotImplementedException();
        public void GetColors(List<Color> colors) => throw new NotImplementedException();
        public void SetUVs(int channel, List<Vector2> uvs) => throw new NotImplementedException();
        public void GetUVs(int channel, List<Vector2> uvs) => throw new NotImplementedException();
        public void SetTriangles(List<int> triangles, int submesh) => throw new NotImplementedException();
        public void GetTriangles(List<int> triangles, int submesh) => throw new NotImplementedException();
        public void RecalculateNormals() => throw new NotImplementedException();
        public void RecalculateBounds() => throw new NotImplementedException();
        public BoneWeight[] boneWeights { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Matrix4x4[] bindposes { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int blendShapeCount => throw new NotImplementedException();
        public void ClearBlendShapes() => throw new NotImplementedException();
        public string GetBlendShapeName(int shapeIndex) => throw new NotImplementedException();
        public int GetBlendShapeFrameCount(int shapeIndex) => throw new NotImplementedException();
        public void GetBlendShapeFrameVertices(int shapeIndex, int frameIndex, Vector3[] deltaVertices, Vector3[] deltaNormals, Vector3[] deltaTangents) => throw new NotImplementedException();
        public void AddBlendShapeFrame(string shapeName, float frameWeight, Vector3[] deltaVertices, Vector3[] deltaNormals, Vector3[] deltaTangents) => throw new NotImplementedException();
    }

    public struct Vector2 { public float x; public float y; public Vector2(float x, float y) => throw new NotImplementedException(); }
    public struct Vector4 { public float x; public float y; public float z; public float w; public Vector4(float x, float y, float z, float w) => throw new NotImplementedException(); }
    public struct Vector3 { public float x; public float y; public float z; public Vector3(float x, float y, float z) => throw new NotImplementedException(); }
    public struct Quaternion { public float x; public float y; public float z; public float w; public Quaternion(float x, float y, float z, float w) => throw new NotImplementedException(); }
    public struct Color { public float r; public float g; public float b; public float a; public Color(float r, float g, float b, float a) => throw new NotImplementedException(); public Color linear => throw new NotImplementedException(); public Color gamma => throw new NotImplementedException(); }

    [AttributeUsage(AttributeTargets.Field)] public sealed class SerializeField : Attribute { }
    [AttributeUsage(AttributeTargets.Class, Inherited = false)] public sealed class DisallowMultipleComponent : Attribute { }

    public static class Debug
    {
        public static void Log(object message) => throw new NotImplementedException();
        public static void LogWarning(object message) => throw new NotImplementedException();
    }

    public static class Application
    {
        public static string dataPath => throw new NotImplementedException();
        public static void OpenURL(string url) => throw new NotImplementedException();
    }

    public static class GUILayout
    {
        public static bool Button(string text, params GUILayoutOption[] options) => throw new NotImplementedException();
        public static void Space(float pixels) => throw new NotImplementedException();
    }

    public sealed class GUILayoutOption { private GUILayoutOption() { } }

    public sealed class GUIStyle { private GUIStyle() { } }
}

namespace UnityEngine.Rendering
{
    public enum IndexFormat { UInt16 = 0, UInt32 = 1 }
}

namespace UnityEngine.SceneManagement
{
    public struct Scene
    {
        public string path => throw new NotImplementedException();
        public GameObject[] GetRootGameObjects() => throw new NotImplementedException();
    }

    public static class SceneManager { public static Scene GetActiveScene() => throw new NotImplementedException(); }
}
