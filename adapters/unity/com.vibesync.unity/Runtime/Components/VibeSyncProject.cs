using UnityEngine;

namespace VibeSync.Unity.Components
{
    /// <summary>
    /// The VibeSync project this scene belongs to (docs/protocol.md, "Project identity"): the data
    /// directory's project ID and content schema, on a GameObject named "VibeSyncProject" hidden from
    /// the hierarchy. The adapter creates it when the orchestrator welcomes an unstamped scene; it is
    /// saved with the scene and never synced, so another scene of the same Unity project is not
    /// mistaken for this one.
    /// </summary>
    [DisallowMultipleComponent]
    public sealed class VibeSyncProject : MonoBehaviour
    {
        [SerializeField] private string id = "";
        [SerializeField] private int schema = 1;

        /// <summary>The project ID (a UUID).</summary>
        public string Id { get => id; set => id = value; }

        /// <summary>The content schema the scene was stamped with.</summary>
        public int Schema { get => schema; set => schema = value; }
    }
}
