using System;
using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Hierarchy
{
    /// <summary>
    /// VibeSync IDs on GameObjects (DESIGN §2). Unity copies components when a GameObject is
    /// duplicated, so a repeated ID is a duplicate: the object the index already knew keeps it (else
    /// the lowest handle, the older object), the newcomer gets a fresh ID at once. Maps IDs to
    /// handles for this domain only; a domain reload means a rescan.
    /// </summary>
    public sealed class IdentityIndex
    {
        private readonly Dictionary<string, int> _handles = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<int, string> _ids = new Dictionary<int, string>();
        private readonly HashSet<string> _tombstones;

        private IdentityIndex(HashSet<string> tombstones) { _tombstones = tombstones; }

        /// <summary>IDs given to objects that had none.</summary>
        public int Stamped { get; private set; }

        /// <summary>IDs given to duplicates, newest last.</summary>
        public List<string> Reassigned { get; } = new List<string>();

        /// <summary>IDs never to be used again (deleted objects).</summary>
        public ISet<string> Tombstones => _tombstones;

        /// <summary>Every indexed object ID.</summary>
        public IEnumerable<string> Ids => _handles.Keys;

        /// <summary>The object's handle, or null.</summary>
        public int? HandleOf(string id) => _handles.TryGetValue(id, out var h) ? h : (int?)null;

        /// <summary>The ID of the object with this handle, or null.</summary>
        public string? IdOf(int handle) => _ids.TryGetValue(handle, out var id) ? id : null;

        /// <summary>True when the ID names an indexed object.</summary>
        public bool Contains(string id) => _handles.ContainsKey(id);

        /// <summary>Binds an ID to a handle (a created object).</summary>
        public void Bind(string id, int handle)
        {
            _handles[id] = handle;
            _ids[handle] = id;
        }

        /// <summary>Forgets an ID (a provisional delete; rollback binds it again).</summary>
        public void Unbind(string id)
        {
            if (_handles.TryGetValue(id, out var handle)) _ids.Remove(handle);
            _handles.Remove(id);
        }

        /// <summary>Scans the scene: stamps missing IDs, splits duplicates, returns the index.</summary>
        public static IdentityIndex Scan(IUnityScene scene, IdentityIndex? previous, Func<string> newId)
        {
            var index = new IdentityIndex(previous != null ? new HashSet<string>(previous._tombstones, StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal));
            var objects = scene.Objects();
            var taken = new HashSet<string>(index._tombstones, StringComparer.Ordinal);
            var keeper = new Dictionary<string, int>(objects.Count, StringComparer.Ordinal);
            var losers = new List<UnityObject>();
            var unstamped = new List<UnityObject>();
            foreach (var o in objects) // one pass: this runs on every attach of scenes of 100,000 objects
            {
                var id = o.Id;
                if (id == null || !VibeSyncId.IsValid(id) || index._tombstones.Contains(id)) { unstamped.Add(o); continue; }
                taken.Add(id);
                if (!keeper.TryGetValue(id, out var other)) { keeper[id] = o.Handle; continue; }
                int? known = previous?.HandleOf(id);
                bool newcomerWins = known == o.Handle || (known != other && o.Handle < other);
                losers.Add(newcomerWins ? objects.First(x => x.Handle == other) : o);
                if (newcomerWins) keeper[id] = o.Handle;
            }
            string Fresh(bool hidden)
            {
                while (true)
                {
                    var id = (hidden ? VibeSyncId.HiddenPrefix : "") + newId();
                    if (taken.Add(id)) return id;
                }
            }
            foreach (var pair in keeper) index.Bind(pair.Key, pair.Value);
            foreach (var o in losers)
            {
                var id = Fresh(o.Id!.StartsWith(VibeSyncId.HiddenPrefix, StringComparison.Ordinal));
                scene.SetId(o.Handle, id);
                index.Bind(id, o.Handle);
                index.Reassigned.Add(id);
            }
            foreach (var o in unstamped)
            {
                var id = Fresh(hidden: o.HumanOnly);
                scene.SetId(o.Handle, id);
                index.Bind(id, o.Handle);
                index.Stamped++;
            }
            return index;
        }
    }
}
