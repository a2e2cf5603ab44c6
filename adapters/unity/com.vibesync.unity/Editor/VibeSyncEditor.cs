using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using UnityEditor;
using UnityEngine;
using VibeSync.Protocol.Link;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Link;
using VibeSync.Unity.Threading;

namespace VibeSync.Unity.Editor
{
    /// <summary>
    /// Runs the adapter inside the editor: pumps the core on EditorApplication.update (an unfocused
    /// editor, whose loop Unity throttles, is woken when work arrives: <see cref="EditorWake"/>), closes
    /// the link before a domain reload and re-handshakes with generation + 1 after (kept in
    /// SessionState, which survives reloads), syncs nothing while playing (Unity restores the scene
    /// itself on leaving play mode), and reports the selection under a transform tool as HUMAN_ACTIVE.
    /// </summary>
    [InitializeOnLoad]
    internal static class VibeSyncEditor
    {
        private const string GenerationKey = "VibeSync.Generation";
        private static readonly MainThreadQueue Queue = new MainThreadQueue(EditorWake.Now);
        private static readonly EditorScene Scene = new EditorScene();
        private static UnityAdapter? _adapter;
        private static AdapterLink? _link;
        private static bool _changed = true;
        private static DateTime _nextConnect;
        private static readonly Reconnection Reconnect = new Reconnection();

        /// <summary>
        /// What the adapter is doing, in a sentence a window or an inspector can show: connected,
        /// waiting for the orchestrator, or refused with the orchestrator's reason (another
        /// project's scene, and the command that pairs it deliberately).
        /// </summary>
        public static string Status { get; private set; } = "VibeSync: not connected yet";

        /// <summary>The orchestrator's data directory: EditorPrefs "VibeSync.DataDirectory", else .vibesync beside the project.</summary>
        public static string DataDirectory =>
            EditorPrefs.GetString("VibeSync.DataDirectory", Path.Combine(Path.GetDirectoryName(Application.dataPath)!, ".vibesync"));

        /// <summary>The engine instance this editor connects as: EditorPrefs "VibeSync.Engine", else <c>unity</c> (docs/team.md "Engine instances").</summary>
        public static string Engine => EditorPrefs.GetString("VibeSync.Engine", Engines.Unity);

        static VibeSyncEditor()
        {
            long generation = SessionState.GetInt(GenerationKey, 0) + 1; // a domain reload is a new generation
            SessionState.SetInt(GenerationKey, (int)generation);
            EditorWake.Install();
            _adapter = new UnityAdapter(Scene, generation: generation);
            _adapter.Changes.Reported = true; // ObjectChangeEvents name what changed: a tick reads those records only
            _adapter.Poser = Scene; // a TIME taken is sampled with AnimationMode, never an edit
            EditorApplication.update += Tick;
            AssemblyReloadEvents.beforeAssemblyReload += () =>
            {
                if (_link != null) _link.Close("domain reload");
                if (_adapter != null) _adapter.Pose.Leave(Scene); // back at rest before the domain goes: the next one knows nothing of a pose
                Scene.SaveRig();
            };
            EditorApplication.playModeStateChanged += change =>
            {
                _changed = true;
                if (_adapter == null) return;
                _adapter.Pose.Leave(Scene); // play mode shows the game, not a pose
                _adapter.Changes.Everything();
            };
            ObjectChangeEvents.changesPublished += OnChanges;
            Selection.selectionChanged += () => _changed = true;
        }

        /// <summary>
        /// Unity's record of what changed this frame: a GameObject's or component's property, or its
        /// parent, names the GameObject (read alone on the next tick); anything else (created,
        /// destroyed, components added or removed, an asset, a prefab update, the whole scene) asks
        /// for the whole diff.
        /// </summary>
        private static void OnChanges(ref ObjectChangeEventStream stream)
        {
            _changed = true;
            var changes = _adapter!.Changes;
            for (int i = 0; i < stream.length; i++)
            {
                switch (stream.GetEventType(i))
                {
                    case ObjectChangeKind.ChangeGameObjectOrComponentProperties:
                        stream.GetChangeGameObjectOrComponentPropertiesEvent(i, out var properties);
                        Changed(changes, properties.instanceId);
                        break;
                    case ObjectChangeKind.ChangeGameObjectParent:
                        stream.GetChangeGameObjectParentEvent(i, out var parent);
                        Changed(changes, parent.instanceId);
                        break;
                    default:
                        changes.Everything();
                        break;
                }
            }
        }

        /// <summary>The GameObject an event names (a component's change is its GameObject's); anything else: the whole diff.</summary>
        private static void Changed(ChangeSet changes, int instanceId)
        {
            switch (EditorUtility.InstanceIDToObject(instanceId))
            {
                case GameObject go: changes.Object(go.GetInstanceID()); break;
                case Component component: changes.Object(component.gameObject.GetInstanceID()); break;
                default: changes.Everything(); break; // gone already, or not a scene object
            }
        }

        private static void Tick()
        {
            var adapter = _adapter!;
            Queue.Drain(TimeSpan.FromMilliseconds(8));
            if (_changed)
            {
                _changed = false;
                adapter.Tick(); // the records ObjectChangeEvents named, or the whole diff when they cannot be placed
                var moving = Tools.current is Tool.Move or Tool.Rotate or Tool.Scale or Tool.Rect or Tool.Transform;
                adapter.SetHumanActive(moving ? Selection.gameObjects.Select(g => g.GetComponent<Components.VibeSyncId>()).Where(v => v).Select(v => v.Id) : Array.Empty<string>());
            }
            WatchAnimationTime(adapter);
            if (_link != null) _link.Tick(Scene.State);
            else if (DateTime.UtcNow >= _nextConnect) Connect(adapter);
        }

        private static float _animationWindowTime = float.NaN;

        /// <summary>
        /// A human dragging the Animation window's time (the window has focus then): TIME to the orchestrator when
        /// the policy is on (the core's SceneClock decides; a time just taken is never sent back).
        /// </summary>
        private static void WatchAnimationTime(UnityAdapter adapter)
        {
            if (!(EditorWindow.focusedWindow is AnimationWindow window) || !window) return;
            float time = window.time;
            if (time.Equals(_animationWindowTime)) return;
            _animationWindowTime = time;
            var payload = adapter.Clock.Moved(time);
            if (payload != null && _link != null) _link.Send(VibeSync.Protocol.Link.MessageType.Time, payload);
        }

        private static void Connect(UnityAdapter adapter)
        {
            if (!EngineInstance.TryParse(Engine, out var instance, out var why) || instance!.Kind != Engines.Unity)
            {
                // Tried again with the backoff: fixing the setting is enough.
                _nextConnect = DateTime.UtcNow + Reconnect.Failed();
                Status = $"VibeSync: EditorPrefs VibeSync.Engine is not a Unity instance (unity or unity:NAME): {(why != null ? why : Engine)}";
                return;
            }
            _nextConnect = DateTime.MaxValue; // one attempt at a time: its answer sets the next
            var file = UnityEngine.SceneManagement.SceneManager.GetActiveScene().path; // "" for a scene never saved
            var scene = adapter.Attach(file);
            AdapterLink.ConnectAsync(DataDirectory, adapter.Generation, file, Scene.Project, instance: Engine).ContinueWith(t => Queue.Post(() =>
            {
                if (t.Status != TaskStatus.RanToCompletion)
                {
                    var error = t.Exception != null ? t.Exception.GetBaseException() : null;
                    _nextConnect = DateTime.UtcNow + Reconnect.Failed(error);
                    if (error is LinkRefusedException refused)
                    {
                        // Nothing was read from or written to the scene. Said once; the backoff keeps trying,
                        // so a human's `vibesync pair --replace` takes effect within seconds.
                        Status = refused.Code == TlsDialer.PinMismatch ? $"VibeSync: {refused.Code}: {refused.Reason}" // not the scene: the orchestrator's certificate
                            : $"VibeSync refused this scene ({refused.Code}): {refused.Reason}";
                        if (Reconnect.Refused(refused)) Debug.LogWarning(Status);
                    }
                    else if (!Reconnect.Refusal.HasValue)
                    {
                        Status = $"VibeSync: waiting for the orchestrator (vibesync serve --data {DataDirectory})";
                    }
                    return;
                }
                Reconnect.Connected();
                _link = t.Result;
                Status = $"VibeSync: connected (session {_link.SessionId})";
                _link.Closed += reason => Queue.Post(() =>
                {
                    _link = null;
                    _nextConnect = DateTime.UtcNow;
                    Status = $"VibeSync: disconnected ({reason}); reconnecting";
                });
                _link.Start(adapter, Queue);
                foreach (var part in scene) _link.Send(Protocol.Link.MessageType.Scene, part);
            }));
        }

        /// <summary>Says the status in the console (Tools › VibeSync › Status).</summary>
        [MenuItem("Tools/VibeSync/Status")]
        private static void ShowStatus() => Debug.Log(Status);

        /// <summary>The AI intents waiting for a human, as the orchestrator last said (the Pending AI Intents window shows them).</summary>
        internal static PendingReview? Pending => _adapter != null ? _adapter.Pending : null;

        /// <summary>Assets were imported (see <see cref="ReimportWatch"/>): the next tick reads the whole diff.</summary>
        internal static void Reimported()
        {
            _changed = true;
            if (_adapter != null) _adapter.Changes.Everything();
        }

        /// <summary>The save guard's hooks (see <see cref="SaveGuard"/>).</summary>
        internal static int BeforeSave() => _adapter != null ? _adapter.BeforeSave() : 0;

        internal static void AfterSave()
        {
            if (_adapter != null) _adapter.AfterSave();
        }
    }

    /// <summary>
    /// A texture's import settings applied (wrap, filter) or a new file saved over it reimports the
    /// texture, which no ObjectChangeEvents event names: any import asks for the whole diff, which finds
    /// a changed sampler as set_material_params and changed bytes as replace_image (unchanged files are
    /// not read again: the core names a texture's bytes once per file write time).
    /// </summary>
    internal sealed class ReimportWatch : AssetPostprocessor
    {
        // Found by Unity by name and parameter types (AssetPostprocessingInternal), static, after every import.
        private static void OnPostprocessAllAssets(string[] importedAssets, string[] deletedAssets, string[] movedAssets, string[] movedFromAssetPaths)
        {
            if (importedAssets.Length > 0 || deletedAssets.Length > 0) VibeSyncEditor.Reimported();
        }
    }

    /// <summary>Provisional changes never reach a saved scene: taken out before Unity writes, put back after.</summary>
    internal sealed class SaveGuard : AssetModificationProcessor
    {
        private static string[] OnWillSaveAssets(string[] paths)
        {
            if (paths.Any(p => p.EndsWith(".unity", StringComparison.Ordinal)) && VibeSyncEditor.BeforeSave() is int held && held > 0)
            {
                Debug.Log($"VibeSync: {held} provisional intent(s) were left out of this save; the file holds the last authoritative values");
                EditorApplication.delayCall += VibeSyncEditor.AfterSave;
            }
            return paths;
        }
    }
}
