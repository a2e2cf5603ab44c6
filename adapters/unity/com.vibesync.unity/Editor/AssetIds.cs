using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UnityEditor;
using UnityEngine;

namespace VibeSync.Unity.Editor
{
    /// <summary>
    /// VibeSync IDs of materials and meshes (DESIGN §2: "a mapping kept by the adapter"). A Unity
    /// object is known by where Unity itself keeps it, never by its name (names repeat):
    /// <list type="bullet">
    /// <item><c>asset:GUID:LOCALID</c>: a project asset, by its file's GUID and its local file
    /// identifier inside that file, so each mesh of a model with several is told apart;</item>
    /// <item><c>scene:GlobalObjectId_V1-…</c>: an object saved inside a scene (a mesh or material
    /// that is not an asset), by its GlobalObjectId (the scene's GUID and its file identifier);</item>
    /// <item>anything else (made in memory, in a scene not yet saved) by its instance ID, kept in
    /// SessionState: it survives domain reloads, not an editor restart.</item>
    /// </list>
    /// The persistent keys are written to ProjectSettings/VibeSyncAssetIds.txt, one "key uuid" per
    /// line, so the mapping is versioned with the project and survives domain reloads and restarts.
    /// </summary>
    internal sealed class AssetIds
    {
        private const string AssetPrefix = "asset:", ScenePrefix = "scene:", SessionKey = "VibeSync.SessionAssetIds";
        private readonly string _file;
        private readonly Dictionary<string, string> _idByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _keyById = new Dictionary<string, string>(StringComparer.Ordinal);
        // This session: what each ID was last seen as (instance IDs survive domain reloads, not restarts).
        private readonly Dictionary<int, string> _idByInstance = new Dictionary<int, string>();
        private readonly Dictionary<string, int> _instanceById = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, UnityEngine.Object> _unsaved = new Dictionary<string, UnityEngine.Object>(StringComparer.Ordinal);

        public AssetIds(string file)
        {
            _file = file;
            foreach (var line in SessionState.GetString(SessionKey, "").Split('\n'))
            {
                int space = line.IndexOf(' ');
                if (space > 0 && int.TryParse(line.Substring(0, space), out int instance))
                {
                    _idByInstance[instance] = line.Substring(space + 1);
                    _instanceById[line.Substring(space + 1)] = instance;
                }
            }
            if (!File.Exists(file)) return;
            foreach (var line in File.ReadAllLines(file))
            {
                int space = line.LastIndexOf(' ');
                if (space > 0 && (line.StartsWith(AssetPrefix, StringComparison.Ordinal) || line.StartsWith(ScenePrefix, StringComparison.Ordinal)))
                    BindKey(line.Substring(0, space), line.Substring(space + 1));
            }
        }

        private void BindKey(string key, string id)
        {
            _idByKey[key] = id;
            _keyById[id] = key;
        }

        private void BindInstance(UnityEngine.Object asset, string id)
        {
            _idByInstance[asset.GetInstanceID()] = id;
            _instanceById[id] = asset.GetInstanceID();
        }

        private void Save() => File.WriteAllLines(_file, _idByKey.Select(kv => kv.Key + " " + kv.Value));

        /// <summary>IDs known only by instance ID, for the next domain of this session.</summary>
        private void SaveSession() =>
            SessionState.SetString(SessionKey, string.Join("\n", _idByInstance.Where(kv => !_keyById.ContainsKey(kv.Value) && !_unsaved.ContainsKey(kv.Value)).Select(kv => kv.Key + " " + kv.Value)));

        /// <summary>Where Unity keeps <paramref name="asset"/>, or null when it keeps it nowhere yet.</summary>
        private static string? KeyOf(UnityEngine.Object asset)
        {
            // Persistent: stored in a file of the project or of Unity's built-in resources (not a scene).
            if (EditorUtility.IsPersistent(asset) && AssetDatabase.TryGetGUIDAndLocalFileIdentifier(asset, out string guid, out long local) && local != 0)
                return AssetPrefix + guid + ":" + local;
            var global = GlobalObjectId.GetGlobalObjectIdSlow(asset);
            const int sceneObject = 2; // GlobalObjectId.identifierType: 1 imported asset, 2 scene object, 3 source asset
            return global.identifierType == sceneObject && !global.assetGUID.Empty() && global.targetObjectId != 0 ? ScenePrefix + global : null;
        }

        /// <summary>A material or mesh created provisionally: known by its ID, not yet an asset of the project.</summary>
        public void AddUnsaved(string id, UnityEngine.Object asset)
        {
            _unsaved[id] = asset;
            BindInstance(asset, id);
        }

        /// <summary>Forgets an unsaved asset (its creation was rolled back); returns it for destruction.</summary>
        public UnityEngine.Object? RemoveUnsaved(string id)
        {
            if (!_unsaved.TryGetValue(id, out var asset)) return null;
            _unsaved.Remove(id);
            _instanceById.Remove(id);
            _idByInstance.Remove(asset.GetInstanceID());
            return asset;
        }

        /// <summary>Saves an unsaved asset into the project at <paramref name="path"/> and binds its ID (FINALIZE).</summary>
        public void Persist(string id, string path)
        {
            if (!_unsaved.TryGetValue(id, out var asset)) return;
            _unsaved.Remove(id);
            asset.hideFlags = HideFlags.None;
            AssetDatabase.CreateAsset(asset, path);
            if (KeyOf(asset) is string key) BindKey(key, id);
            Save();
        }

        /// <summary>Binds an unsaved asset's ID to <paramref name="imported"/>, the asset FINALIZE imported in its place (a texture file).</summary>
        public void Adopt(string id, UnityEngine.Object imported)
        {
            if (_unsaved.TryGetValue(id, out var made)) _idByInstance.Remove(made.GetInstanceID());
            _unsaved.Remove(id);
            BindInstance(imported, id);
            if (KeyOf(imported) is string key) BindKey(key, id);
            Save();
        }

        /// <summary>The object's ID, given on first sight and kept wherever Unity keeps the object.</summary>
        public string IdOf(UnityEngine.Object asset)
        {
            if (_idByInstance.TryGetValue(asset.GetInstanceID(), out var known))
            {
                // Seen this session; an object that had no place then (a scene saved since) gets its key now.
                if (!_keyById.ContainsKey(known) && !_unsaved.ContainsKey(known) && KeyOf(asset) is string later && !_idByKey.ContainsKey(later))
                {
                    BindKey(later, known);
                    Save();
                }
                return known;
            }
            var key = KeyOf(asset);
            if (key == null || !_idByKey.TryGetValue(key, out var id))
            {
                id = Guid.NewGuid().ToString("D");
                if (key != null)
                {
                    BindKey(key, id);
                    Save();
                }
            }
            BindInstance(asset, id);
            if (key == null) SaveSession();
            return id;
        }

        /// <summary>The material or mesh with that ID.</summary>
        public T Load<T>(string id) where T : UnityEngine.Object
        {
            if (_instanceById.TryGetValue(id, out int instance))
            {
                var seen = EditorUtility.InstanceIDToObject(instance) as T;
                if (seen) return seen;
            }
            if (!_keyById.TryGetValue(id, out var key)) throw new InvalidOperationException($"no asset has the VibeSync ID {id} in this project");
            var found = Find<T>(key);
            if (!found) throw new InvalidOperationException($"the asset {key} ({id}) is gone");
            BindInstance(found, id);
            return found;
        }

        private static T? Find<T>(string key) where T : UnityEngine.Object
        {
            if (key.StartsWith(ScenePrefix, StringComparison.Ordinal))
                return GlobalObjectId.TryParse(key.Substring(ScenePrefix.Length), out var global) ? GlobalObjectId.GlobalObjectIdentifierToObjectSlow(global) as T : null;
            // asset:GUID:LOCALID — every object stored in the file, the one with that local identifier
            // (LoadAssetAtPath would give only the first of that type, e.g. one mesh of a model's several).
            var parts = key.Split(':');
            if (parts.Length != 3 || !long.TryParse(parts[2], out long wanted)) return null;
            foreach (var candidate in AssetDatabase.LoadAllAssetsAtPath(AssetDatabase.GUIDToAssetPath(parts[1])))
                if (candidate is T typed && AssetDatabase.TryGetGUIDAndLocalFileIdentifier(typed, out string _, out long local) && local == wanted) return typed;
            return null;
        }
    }
}
