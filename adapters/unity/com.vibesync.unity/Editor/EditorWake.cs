using System;
using System.Reflection;
using System.Threading;
using UnityEditor;
using UnityEngine;

namespace VibeSync.Unity.Editor
{
    /// <summary>
    /// Makes an unfocused editor run its next tick soon, from any thread. Unity throttles the loop of
    /// an editor in the background (EditorApplication.update every ~100 ms to several seconds,
    /// depending on the platform), so an APPLY would wait that long. QueuePlayerLoopUpdate does not
    /// help: in the reference source it only calls SetSceneRepaintDirty. What wakes the loop is
    /// EditorApplication.SignalTick, internal and [ThreadSafe] (the call EditorApplication.CallDelayed
    /// makes for work due now), reached here by reflection; it re-arms a tick only when called off
    /// the main thread, so a call from the main thread goes through the thread pool.
    /// docs/unity.md, "Waking an unfocused editor", has the sources.
    /// </summary>
    internal static class EditorWake
    {
        private static readonly Action? Signal = Bind();
        private static int _mainThread;
        private static volatile bool _focused = true;

        /// <summary>Call once on the main thread (InitializeOnLoad).</summary>
        public static void Install()
        {
            _mainThread = Thread.CurrentThread.ManagedThreadId;
            _focused = EditorApplication.isFocused;
            EditorApplication.focusChanged += focused => _focused = focused;
            if (Signal == null)
                Debug.LogWarning("VibeSync: this Unity version has no EditorApplication.SignalTick; while the editor is in the background it answers at the pace Unity ticks it");
        }

        /// <summary>Asks for a tick soon; a focused editor ticks every few milliseconds anyway.</summary>
        public static void Now()
        {
            var signal = Signal;
            if (_focused || signal == null) return;
            if (Thread.CurrentThread.ManagedThreadId == _mainThread) ThreadPool.QueueUserWorkItem(_ => signal());
            else signal();
        }

        private static Action? Bind()
        {
            var method = typeof(EditorApplication).GetMethod("SignalTick", BindingFlags.Static | BindingFlags.NonPublic, null, Type.EmptyTypes, null);
            return method == null ? null : (Action?)Delegate.CreateDelegate(typeof(Action), method, throwOnBindFailure: false);
        }
    }
}
