"""Work for Blender's main thread, posted from any thread and drained with a time budget per tick
(by ``bpy.app.timers`` in the UI, by the headless runner's loop under ``-b``, where timers never
fire). Needs no bpy, so it is tested under the system Python."""

import collections
import time
import traceback


class MainThreadQueue:
    def __init__(self, clock=time.perf_counter):
        self._items = collections.deque()  # append/popleft are atomic: no lock needed
        self._clock = clock
        self.errors = []  # (callable's name, traceback text), newest last, at most 50

    def post(self, fn, *args):
        self._items.append((fn, args))

    def __len__(self):
        return len(self._items)

    def drain(self, budget_s=0.008):
        """Runs queued work until the queue is empty or the budget is spent (at least one item
        runs, so a slow item cannot starve the queue). Returns how many ran."""
        deadline = self._clock() + budget_s
        ran = 0
        while self._items:
            fn, args = self._items.popleft()
            try:
                fn(*args)
            except Exception:  # one failing item must not stop the editor's loop
                self.errors.append((getattr(fn, "__name__", repr(fn)), traceback.format_exc()))
                del self.errors[:-50]
            ran += 1
            if self._clock() >= deadline:
                break
        return ran
