using System;
using UnityEditor;
using UnityEngine;
using VibeSync.Unity.Adapter;

namespace VibeSync.Unity.Editor
{
    /// <summary>
    /// Window › VibeSync › Pending AI Intents: the AI intents waiting for a human (who asks, its class,
    /// why), each with <b>Review in console</b>, which opens the intent's page of VibeSync's console in
    /// the browser (<c>Application.OpenURL</c>). What it shows and the URL come from the engine-free core
    /// (<see cref="PendingReview"/>, tested in the simulator); this is only its IMGUI face. The package
    /// never approves or denies: the console does, as the human.
    /// </summary>
    internal sealed class PendingIntentsWindow : EditorWindow
    {
        private Vector2 _scroll;
        private int _shownVersion = -1;

        [MenuItem("Window/VibeSync/Pending AI Intents")]
        private static void Open() => GetWindow<PendingIntentsWindow>("VibeSync");

        /// <summary>Unity calls it ten times a second: repaint only when the list changed.</summary>
        private void OnInspectorUpdate()
        {
            var pending = VibeSyncEditor.Pending;
            int version = pending != null ? pending.Version : -1;
            if (version == _shownVersion) return;
            _shownVersion = version;
            Repaint();
        }

        private void OnGUI()
        {
            EditorGUILayout.LabelField(VibeSyncEditor.Status, EditorStyles.wordWrappedLabel);
            var pending = VibeSyncEditor.Pending;
            if (pending == null || pending.Title.Length == 0)
            {
                EditorGUILayout.LabelField("No AI intent is waiting for you.");
                return;
            }
            EditorGUILayout.LabelField(pending.Title, EditorStyles.boldLabel);
            _scroll = EditorGUILayout.BeginScrollView(_scroll);
            foreach (var row in pending.Rows())
            {
                GUILayout.Space(6);
                EditorGUILayout.LabelField(row.Heading, EditorStyles.boldLabel);
                EditorGUILayout.LabelField(row.Rationale, EditorStyles.wordWrappedLabel);
                if (GUILayout.Button("Review in console")) Review(pending, row.Id);
            }
            string? more = pending.More;
            if (more != null) EditorGUILayout.LabelField(more);
            EditorGUILayout.EndScrollView();
        }

        private static void Review(PendingReview pending, ulong id)
        {
            try { Application.OpenURL(pending.ReviewUrl(id)); }
            catch (InvalidOperationException e) { Debug.LogWarning("VibeSync: " + e.Message); }
        }
    }
}
