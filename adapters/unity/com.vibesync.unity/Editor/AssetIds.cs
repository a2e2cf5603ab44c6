using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UnityEditor;
using UnityEngine;

namespace VibeSync.Unity.Editor
{
    /// <summary>
    /// VibeSync IDs of materials and meshes (DESIGN §2: "a mapping kept by the adapter"): an asset
    /// is known by its GUID and, for sub-assets such as one mesh of a model, its name. The mapping
    /// is a text file in ProjectSettings/, one "guid:name uuid" per line, so it is versioned with
    /// the project and survives domain reloads.
    /// </summary>
    internal sealed class AssetIds
    {
        private readonly string _file;
        private readonly Dictionary<string, string> _idByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _keyById = new Dictionary<string, string>(StringComparer.Ordinal);

        public AssetIds(string file)
        {
            _file = file;
            if (!File.Exists(file)) return;
            foreach (var line in File.ReadAllLines(file))
            {
                int space = line.LastIndexOf(' ');
                if (space > 0) Bind(line.Substring(0, space), line.Substring(space + 1));
            }
        }

        private void Bind(string key, string id)
        {
            _idByKey[key] = id;
            _keyById[id] = key;
        }

        private static string KeyOf(UnityEngine.Object asset) => AssetDatabase.AssetPathToGUID(AssetDatabase.GetAssetPath(asset)) + ":" + asset.name;

        private readonly Dictionary<string, UnityEngine.Object> _unsaved = new Dictionary<string, UnityEngine.Object>(StringComparer.Ordinal);

        /// <summary>A material or mesh created provisionally: known by its ID, not yet an asset of the project.</summary>
        public void AddUnsaved(string id, UnityEngine.Object asset) => _unsaved[id] = asset;

        /// <summary>Forgets an unsaved asset (its creation was rolled back); returns it for destruction.</summary>
        public UnityEngine.Object? RemoveUnsaved(string id) => _unsaved.TryGetValue(id, out var a) && _unsaved.Remove(id) ? a : null;

        /// <summary>Saves an unsaved asset into the project at <paramref name="path"/> and binds its ID (FINALIZE).</summary>
        public void Persist(string id, string path)
        {
            if (!_unsaved.TryGetValue(id, out var asset)) return;
            _unsaved.Remove(id);
            asset.hideFlags = HideFlags.None;
            AssetDatabase.CreateAsset(asset, path);
            Bind(KeyOf(asset), id);
            File.WriteAllLines(_file, _idByKey.Select(kv => kv.Key + " " + kv.Value));
        }

        /// <summary>The asset's ID, given (and saved) on first sight.</summary>
        public string IdOf(UnityEngine.Object asset)
        {
            foreach (var pair in _unsaved)
                if (pair.Value == asset) return pair.Key;
            var key = KeyOf(asset);
            if (_idByKey.TryGetValue(key, out var id)) return id;
            id = Guid.NewGuid().ToString("D");
            Bind(key, id);
            File.WriteAllLines(_file, _idByKey.Select(kv => kv.Key + " " + kv.Value));
            return id;
        }

        /// <summary>The asset with that ID.</summary>
        public T Load<T>(string id) where T : UnityEngine.Object
        {
            if (_unsaved.TryGetValue(id, out var unsaved) && unsaved is T made) return made;
            if (!_keyById.TryGetValue(id, out var key)) throw new InvalidOperationException($"no asset has the VibeSync ID {id} in this project");
            int colon = key.IndexOf(':');
            var path = AssetDatabase.GUIDToAssetPath(key.Substring(0, colon));
            var asset = AssetDatabase.LoadAssetAtPath<T>(path);
            if (!asset) throw new InvalidOperationException($"the asset {path} ({id}) is gone");
            return asset;
        }
    }
}
