using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;

namespace VibeSync.Unity.Threading
{
    /// <summary>
    /// Work for the editor's main thread, posted from any thread (the link's listener) and drained
    /// with a time budget per tick (EditorApplication.update in the editor, the simulator's loop),
    /// so a burst of commands never stalls the editor.
    /// </summary>
    public sealed class MainThreadQueue
    {
        private readonly ConcurrentQueue<Action> _items = new ConcurrentQueue<Action>();

        /// <summary>Failures of queued work, newest last (at most 50): one failing item must not stop the editor's loop.</summary>
        public List<string> Errors { get; } = new List<string>();

        /// <summary>Items waiting.</summary>
        public int Count => _items.Count;

        /// <summary>Queues work; thread-safe.</summary>
        public void Post(Action work) => _items.Enqueue(work);

        /// <summary>Runs queued work until empty or the budget is spent (at least one item runs). Returns how many ran.</summary>
        public int Drain(TimeSpan budget)
        {
            var clock = Stopwatch.StartNew();
            int ran = 0;
            while (_items.TryDequeue(out var work))
            {
                try { work(); }
                catch (Exception e)
                {
                    Errors.Add(e.ToString());
                    if (Errors.Count > 50) Errors.RemoveAt(0);
                }
                ran++;
                if (clock.Elapsed >= budget) break;
            }
            return ran;
        }
    }
}
