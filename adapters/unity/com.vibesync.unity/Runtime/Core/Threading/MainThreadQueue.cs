using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;

namespace VibeSync.Unity.Threading
{
    /// <summary>
    /// Work for the editor's main thread, posted from any thread (the link's listener) and drained
    /// with a time budget per tick (EditorApplication.update in the editor, the simulator's loop),
    /// so a burst of commands never stalls the editor. An unfocused Unity editor ticks rarely
    /// (docs/unity.md, "Waking an unfocused editor"), so whoever posts also wakes the main thread
    /// through the host's <c>wake</c>.
    /// </summary>
    public sealed class MainThreadQueue
    {
        private readonly ConcurrentQueue<Action> _items = new ConcurrentQueue<Action>();
        private readonly Action? _wake;

        /// <summary>
        /// A queue; <paramref name="wake"/> (optional, called from any thread) makes the host run its
        /// next tick soon: work was posted, or a drain left some behind.
        /// </summary>
        public MainThreadQueue(Action? wake = null) { _wake = wake; }

        /// <summary>Failures of queued work, newest last (at most 50): one failing item must not stop the editor's loop.</summary>
        public List<string> Errors { get; } = new List<string>();

        /// <summary>Items waiting.</summary>
        public int Count => _items.Count;

        /// <summary>Queues work and wakes the host; thread-safe.</summary>
        public void Post(Action work)
        {
            _items.Enqueue(work);
            Wake();
        }

        /// <summary>Asks the host for a tick soon (a no-op without a wake); thread-safe.</summary>
        public void Wake() => _wake?.Invoke();

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
            if (!_items.IsEmpty) Wake(); // the budget ran out: the rest needs the next tick
            return ran;
        }
    }
}
