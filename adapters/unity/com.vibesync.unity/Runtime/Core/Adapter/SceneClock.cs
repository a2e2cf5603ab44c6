using System;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;

namespace VibeSync.Unity.Adapter
{
    /// <summary>
    /// The scene time sync's state in the engine-free core (docs/protocol.md §11.10; config
    /// <c>sync.scene_time</c>, told in WELCOME): the time this editor's animations are posed at, TIMEs
    /// from the orchestrator taken latest-wins, and the TIME to send when a human moves the time here.
    /// A pose is never an edit: nothing here touches the scene's records.
    /// </summary>
    public sealed class SceneClock
    {
        private long _taken;   // the orchestrator's last TIME seq in this session
        private long _sent;    // our last TIME seq in this session

        /// <summary>Whether the project syncs scene time (WELCOME's <c>scene_time</c>).</summary>
        public bool Enabled { get; private set; }

        /// <summary>The time animations are posed at, seconds (0 until one is set or taken).</summary>
        public double Seconds { get; private set; }

        /// <summary>Raised on the main thread with the seconds of a TIME taken: the glue samples every animation there.</summary>
        public event Action<double>? Posed;

        /// <summary>A new session: the policy, and both sequences start again.</summary>
        public void Start(bool enabled)
        {
            Enabled = enabled;
            _taken = _sent = 0;
        }

        /// <summary>
        /// The orchestrator's TIME: poses at its seconds unless the policy is off, it is late or
        /// malformed. Returns the refusal's sentence (logged; TIME is not answered), or null.
        /// </summary>
        public string? Take(string payload)
        {
            SceneTime time;
            try { time = SceneTime.Parse(payload); }
            catch (Exception e) when (e is JsonParseException or JsonFieldException) { return "TIME " + e.Message; }
            if (!Enabled) return "TIME while scene time sync is off: ignored";
            if (time.Seq <= _taken) return null; // late: a newer one was taken
            _taken = time.Seq;
            Seconds = time.Seconds;
            Posed?.Invoke(time.Seconds);
            return null;
        }

        /// <summary>
        /// A human moved this editor's time to <paramref name="seconds"/>: the TIME payload to send, or
        /// null when the policy is off or the time is where a pose (or the last send) left it.
        /// </summary>
        public string? Moved(double seconds)
        {
            if (!Enabled || seconds == Seconds || double.IsNaN(seconds) || seconds < 0 || seconds > SceneTime.MaxSeconds) return null;
            Seconds = seconds;
            return new SceneTime(seconds, ++_sent).ToJson();
        }
    }
}
