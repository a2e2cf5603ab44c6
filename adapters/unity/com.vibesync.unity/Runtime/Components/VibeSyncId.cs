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

        /// <summary>The ID: a lowercase UUID, optionally prefixed h- (hidden from AI).</summary>
        public string Id { get => id; set => id = value; }
    }
}
