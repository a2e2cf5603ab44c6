// Compile-time stub: signatures from the Unity 2022.3 scripting reference; every body throws.
using System;
using System.Collections;

namespace UnityEngine
{
    public class Object
    {
        public string name { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public HideFlags hideFlags { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int GetInstanceID() => throw new NotImplementedException();
        public static void DestroyImmediate(Object obj) => throw new NotImplementedException();
        public static T Instantiate<T>(T original) where T : Object => throw new NotImplementedException();
        public static implicit operator bool(Object exists) => throw new NotImplementedException();
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
        public bool CompareTag(string tag) => throw new NotImplementedException();
        public string tag { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public UnityEngine.SceneManagement.Scene scene => throw new NotImplementedException();
    }

    public class Component : Object
    {
        public GameObject gameObject => throw new NotImplementedException();
        public Transform transform => throw new NotImplementedException();
        public T GetComponent<T>() => throw new NotImplementedException();
    }

    public class Transform : Component, IEnumerable
    {
        public Vector3 localPosition { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Quaternion localRotation { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Vector3 localScale { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Transform parent { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public void SetParent(Transform parent, bool worldPositionStays) => throw new NotImplementedException();
        public int childCount => throw new NotImplementedException();
        public Transform GetChild(int index) => throw new NotImplementedException();
        public IEnumerator GetEnumerator() => throw new NotImplementedException();
    }

    public class Behaviour : Component { public bool enabled { get => throw new NotImplementedException(); set => throw new NotImplementedException(); } }
    public class MonoBehaviour : Behaviour { }
    public sealed class Camera : Behaviour { }
    public sealed class Light : Behaviour { }
    public class Renderer : Component { public Material[] sharedMaterials { get => throw new NotImplementedException(); set => throw new NotImplementedException(); } }
    public class MeshRenderer : Renderer { }
    public sealed class MeshFilter : Component { public Mesh sharedMesh { get => throw new NotImplementedException(); set => throw new NotImplementedException(); } }

    public class Material : Object
    {
        public Material(Shader shader) => throw new NotImplementedException();
        public bool HasProperty(string name) => throw new NotImplementedException();
        public Color GetColor(string name) => throw new NotImplementedException();
        public void SetColor(string name, Color value) => throw new NotImplementedException();
        public float GetFloat(string name) => throw new NotImplementedException();
        public void SetFloat(string name, float value) => throw new NotImplementedException();
    }

    public sealed class Shader : Object
    {
        public static Shader Find(string name) => throw new NotImplementedException();
    }

    public sealed class Mesh : Object
    {
        public Mesh() => throw new NotImplementedException();
        public Vector3[] vertices { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int[] triangles { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public Vector2[] uv { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public void Clear() => throw new NotImplementedException();
        public void RecalculateNormals() => throw new NotImplementedException();
        public void RecalculateBounds() => throw new NotImplementedException();
    }

    public struct Vector2 { public float x; public float y; public Vector2(float x, float y) => throw new NotImplementedException(); }
    public struct Vector3 { public float x; public float y; public float z; public Vector3(float x, float y, float z) => throw new NotImplementedException(); }
    public struct Quaternion { public float x; public float y; public float z; public float w; public Quaternion(float x, float y, float z, float w) => throw new NotImplementedException(); }
    public struct Color { public float r; public float g; public float b; public float a; public Color(float r, float g, float b, float a) => throw new NotImplementedException(); public Color linear => throw new NotImplementedException(); public Color gamma => throw new NotImplementedException(); }

    [AttributeUsage(AttributeTargets.Field)] public sealed class SerializeField : Attribute { }
    [AttributeUsage(AttributeTargets.Class)] public sealed class DisallowMultipleComponent : Attribute { }

    public static class Debug
    {
        public static void Log(object message) => throw new NotImplementedException();
        public static void LogWarning(object message) => throw new NotImplementedException();
    }

    public static class Application { public static string dataPath => throw new NotImplementedException(); }
}

namespace UnityEngine.SceneManagement
{
    public struct Scene
    {
        public string path => throw new NotImplementedException();
        public bool isDirty => throw new NotImplementedException();
        public GameObject[] GetRootGameObjects() => throw new NotImplementedException();
    }

    public static class SceneManager { public static Scene GetActiveScene() => throw new NotImplementedException(); }
}
