// Compile-time stub of the UnityEditor members the glue uses: each declared as in Unity's C#
// reference source at 2022.3 (README.md lists every member with the file it was checked against).
// Every body throws; nothing here runs.
using System;
using UnityEngine;

namespace UnityEditor
{
    public static class EditorApplication
    {
        public delegate void CallbackFunction();
        public static CallbackFunction update;
        public static CallbackFunction delayCall;
        public static event Action<PlayModeStateChange> playModeStateChanged;
        public static event Action<bool> focusChanged;
        public static bool isCompiling => throw new NotImplementedException();
        public static bool isPlayingOrWillChangePlaymode => throw new NotImplementedException();
        public static bool isFocused => throw new NotImplementedException();
    }

    public enum PlayModeStateChange { EnteredEditMode, ExitingEditMode, EnteredPlayMode, ExitingPlayMode }

    public static class AssemblyReloadEvents
    {
        public delegate void AssemblyReloadCallback();
        public static event AssemblyReloadCallback beforeAssemblyReload;
    }

    public static class Undo
    {
        public static void RecordObject(UnityEngine.Object objectToUndo, string name) => throw new NotImplementedException();
        public static void RegisterCreatedObjectUndo(UnityEngine.Object objectToUndo, string name) => throw new NotImplementedException();
        public static void DestroyObjectImmediate(UnityEngine.Object objectToUndo) => throw new NotImplementedException();
        public static void SetTransformParent(Transform transform, Transform newParent, bool worldPositionStays, string name) => throw new NotImplementedException();
        public static T AddComponent<T>(GameObject gameObject) where T : Component => throw new NotImplementedException();
    }

    public static class PrefabUtility
    {
        public static UnityEngine.Object InstantiatePrefab(UnityEngine.Object assetComponentOrGameObject) => throw new NotImplementedException();
        public static string GetPrefabAssetPathOfNearestInstanceRoot(UnityEngine.Object instanceComponentOrGameObject) => throw new NotImplementedException();
        public static bool IsAnyPrefabInstanceRoot(GameObject gameObject) => throw new NotImplementedException();
    }

    public static class AssetDatabase
    {
        public static T LoadAssetAtPath<T>(string assetPath) where T : UnityEngine.Object => throw new NotImplementedException();
        public static UnityEngine.Object[] LoadAllAssetsAtPath(string assetPath) => throw new NotImplementedException();
        public static string GUIDToAssetPath(string guid) => throw new NotImplementedException();
        public static bool TryGetGUIDAndLocalFileIdentifier(UnityEngine.Object obj, out string guid, out long localId) => throw new NotImplementedException();
        public static void CreateAsset(UnityEngine.Object asset, string path) => throw new NotImplementedException();
        public static bool IsValidFolder(string path) => throw new NotImplementedException();
        public static string CreateFolder(string parentFolder, string newFolderName) => throw new NotImplementedException();
        public static void ImportAsset(string path) => throw new NotImplementedException();
        public static string GetAssetPath(UnityEngine.Object assetObject) => throw new NotImplementedException();
        public static string[] FindAssets(string filter, string[] searchInFolders) => throw new NotImplementedException();
        public static bool DeleteAsset(string path) => throw new NotImplementedException();
    }

    public partial class AnimationUtility
    {
        public static EditorCurveBinding[] GetCurveBindings(UnityEngine.AnimationClip clip) => throw new NotImplementedException();
        public static UnityEngine.AnimationCurve GetEditorCurve(UnityEngine.AnimationClip clip, EditorCurveBinding binding) => throw new NotImplementedException();
        public static void SetEditorCurve(UnityEngine.AnimationClip clip, EditorCurveBinding binding, UnityEngine.AnimationCurve curve) => throw new NotImplementedException();
    }

    public struct EditorCurveBinding
    {
        public string path;
        public string propertyName;
        public Type type { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public static EditorCurveBinding FloatCurve(string inPath, Type inType, string inPropertyName) => throw new NotImplementedException();
    }

    public class AssetImporter : UnityEngine.Object
    {
        internal AssetImporter() => throw new NotImplementedException();
        public static AssetImporter GetAtPath(string path) => throw new NotImplementedException();
        public void SaveAndReimport() => throw new NotImplementedException();
        public string userData { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    }

    public sealed class TextureImporter : AssetImporter
    {
        internal TextureImporter() => throw new NotImplementedException();
        public TextureImporterType textureType { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public bool sRGBTexture { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public UnityEngine.TextureWrapMode wrapModeU { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public UnityEngine.TextureWrapMode wrapModeV { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public UnityEngine.FilterMode filterMode { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
        public int maxTextureSize { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    }

    public enum TextureImporterType { Default = 0, NormalMap = 1, GUI = 2, Cookie = 4, Lightmap = 6, Cursor = 7, Sprite = 8, SingleChannel = 10, Shadowmask = 11, DirectionalLightmap = 12 }

    public struct GUID
    {
        public bool Empty() => throw new NotImplementedException();
    }

    public struct GlobalObjectId
    {
        public ulong targetObjectId => throw new NotImplementedException();
        public GUID assetGUID => throw new NotImplementedException();
        public int identifierType => throw new NotImplementedException();
        public static GlobalObjectId GetGlobalObjectIdSlow(UnityEngine.Object targetObject) => throw new NotImplementedException();
        public override string ToString() => throw new NotImplementedException();
        public static bool TryParse(string stringValue, out GlobalObjectId id) => throw new NotImplementedException();
        public static UnityEngine.Object GlobalObjectIdentifierToObjectSlow(GlobalObjectId id) => throw new NotImplementedException();
    }

    public class AssetModificationProcessor { }

    public class AssetPostprocessor { }

    [AttributeUsage(AttributeTargets.Class)]
    public class InitializeOnLoadAttribute : Attribute { }

    public class EditorWindow : ScriptableObject
    {
        public static T GetWindow<T>(string title) where T : EditorWindow => throw new NotImplementedException();
        public void Repaint() => throw new NotImplementedException();
    }

    public static class EditorGUILayout
    {
        public static void LabelField(string label, params GUILayoutOption[] options) => throw new NotImplementedException();
        public static void LabelField(string label, GUIStyle style, params GUILayoutOption[] options) => throw new NotImplementedException();
        public static Vector2 BeginScrollView(Vector2 scrollPosition, params GUILayoutOption[] options) => throw new NotImplementedException();
        public static void EndScrollView() => throw new NotImplementedException();
    }

    public static class EditorStyles
    {
        public static GUIStyle boldLabel => throw new NotImplementedException();
        public static GUIStyle wordWrappedLabel => throw new NotImplementedException();
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class MenuItem : Attribute { public MenuItem(string itemName) => throw new NotImplementedException(); }

    public static class SessionState
    {
        public static int GetInt(string key, int defaultValue) => throw new NotImplementedException();
        public static void SetInt(string key, int value) => throw new NotImplementedException();
        public static string GetString(string key, string defaultValue) => throw new NotImplementedException();
        public static void SetString(string key, string value) => throw new NotImplementedException();
    }

    public static class EditorPrefs
    {
        public static string GetString(string key, string defaultValue) => throw new NotImplementedException();
    }

    public static class EditorUtility
    {
        public static UnityEngine.Object InstanceIDToObject(int instanceID) => throw new NotImplementedException();
        public static bool IsPersistent(UnityEngine.Object target) => throw new NotImplementedException();
        public static int GetDirtyCount(UnityEngine.Object target) => throw new NotImplementedException();
    }

    public static class Selection
    {
        public static GameObject[] gameObjects => throw new NotImplementedException();
        public static Action selectionChanged;
    }

    public enum Tool { View = 0, Move = 1, Rotate = 2, Scale = 3, Rect = 4, Transform = 5, Custom = 6, None = -1 }

    public sealed class Tools : ScriptableObject { public static Tool current { get => throw new NotImplementedException(); set => throw new NotImplementedException(); } }

    public enum ObjectChangeKind : ushort
    {
        None = 0,
        ChangeScene = 1,
        CreateGameObjectHierarchy = 2,
        ChangeGameObjectStructureHierarchy = 3,
        ChangeGameObjectStructure = 4,
        ChangeGameObjectParent = 5,
        ChangeGameObjectOrComponentProperties = 6,
        DestroyGameObjectHierarchy = 7,
        CreateAssetObject = 8,
        DestroyAssetObject = 9,
        ChangeAssetObjectProperties = 10,
        UpdatePrefabInstances = 11,
    }

    public struct ChangeGameObjectParentEventArgs
    {
        public int instanceId => throw new NotImplementedException();
    }

    public struct ChangeGameObjectOrComponentPropertiesEventArgs
    {
        public int instanceId => throw new NotImplementedException();
    }

    public struct ObjectChangeEventStream
    {
        public int length => throw new NotImplementedException();
        public ObjectChangeKind GetEventType(int eventIdx) => throw new NotImplementedException();
        public void GetChangeGameObjectParentEvent(int eventIdx, out ChangeGameObjectParentEventArgs data) => throw new NotImplementedException();
        public void GetChangeGameObjectOrComponentPropertiesEvent(int eventIdx, out ChangeGameObjectOrComponentPropertiesEventArgs data) => throw new NotImplementedException();
    }

    public static class ObjectChangeEvents
    {
        public delegate void ObjectChangeEventsHandler(ref ObjectChangeEventStream stream);
        public static event ObjectChangeEventsHandler changesPublished;
    }
}
