using UnityEngine;

namespace VibeSync.Unity.Components
{
    /// <summary>
    /// A GameObject's VibeSync ID (DESIGN §2), serialized with the scene. Unity copies it when a
    /// GameObject is duplicated; the adapter then gives the copy a new one.
    /// </summary>
    [DisallowMultipleComponent]
    public sealed class VibeSyncId : MonoBehaviour
    {
        [SerializeField] private string id = "";
        [SerializeField] private string kind = "";

        /// <summary>The ID: a lowercase UUID, optionally prefixed h- (hidden from AI).</summary>
        public string Id { get => id; set => id = value; }

        /// <summary>
        /// "armature" or "joint" for a GameObject that is one (CONTENT-V4 §2: no Unity component says so),
        /// else empty: a camera, light or mesh is known by its component, anything else is an empty.
        /// </summary>
        public string Kind { get => kind; set => kind = value; }
    }
}
