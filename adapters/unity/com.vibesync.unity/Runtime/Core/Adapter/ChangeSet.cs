using System.Collections.Generic;

namespace VibeSync.Unity.Adapter
{
    /// <summary>
    /// What the host says changed since the last tick, so that a tick reads and compares those
    /// records only, not the scene (issue #20): in Unity, <c>ObjectChangeEvents</c> name the
    /// GameObject (or component) by instance ID; the simulator reports its own writes the same way.
    /// A change the host cannot place (a creation, a destruction, an asset, a whole-scene change)
    /// asks for the whole diff. A host that reports nothing (<see cref="Reported"/> false) gets the
    /// whole diff on every tick, as before.
    /// </summary>
    public sealed class ChangeSet
    {
        private readonly object _gate = new object(); // Unity reports on the main thread; the simulator's host may not
        private HashSet<int> _objects = new HashSet<int>();
        private bool _everything = true; // nothing is known before the first whole read

        /// <summary>Whether the host reports its changes here; when false every tick diffs the whole scene.</summary>
        public bool Reported { get; set; }

        /// <summary>A property of this GameObject (or of one of its components) changed, or its parent did.</summary>
        public void Object(int handle)
        {
            lock (_gate) _objects.Add(handle);
        }

        /// <summary>Something changed that only the whole diff can place.</summary>
        public void Everything()
        {
            lock (_gate) _everything = true;
        }

        /// <summary>Whether a tick would read anything: something was reported (or the host reports nothing, so every tick reads).</summary>
        public bool Pending
        {
            get { lock (_gate) return _everything || !Reported || _objects.Count > 0; }
        }

        /// <summary>Takes what was reported: (whether the whole diff is due, the objects changed).</summary>
        internal (bool Everything, HashSet<int> Objects) Take()
        {
            lock (_gate)
            {
                var taken = (_everything || !Reported, _objects);
                _objects = new HashSet<int>();
                _everything = false;
                return taken;
            }
        }
    }
}
