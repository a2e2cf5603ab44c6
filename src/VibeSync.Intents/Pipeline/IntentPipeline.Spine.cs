// Design rationale: the spine is the one reader of the inbox. Every piece of pipeline state is
// touched only from work it runs, one piece at a time, which gives DESIGN §4's total order without
// locks. Appends are queued, not awaited: consecutive admissions share one group commit, and a
// step's answers wait for its own entry's fsync off the spine (AnswerWhenDurable).
using System.Diagnostics;
using VibeSync.Intents.Batching;
using VibeSync.Protocol.Operations;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using VibeSync.Wal.Entries;

namespace VibeSync.Intents.Pipeline;

public sealed partial class IntentPipeline
{
    private void Enqueue(Work work)
    {
        if (_fatal is { } fatal) throw new InvalidOperationException($"the pipeline stopped: {fatal.Message}", fatal);
        if (!_inbox.Writer.TryWrite(work)) throw new ObjectDisposedException(nameof(IntentPipeline), "the pipeline is shutting down");
    }

    private Task<T> Post<T>(Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new Posted(async () =>
        {
            try { done.TrySetResult(await work().ConfigureAwait(false)); }
            catch (Exception e) when (_fatal == null) { done.TrySetException(e); }
            catch (Exception e) { done.TrySetException(e); throw; }
        }, e => done.TrySetException(e)));
        return done.Task;
    }

    private async Task RunAsync()
    {
        var inbox = _inbox.Reader;
        try
        {
            int sinceDrain = 0;
            while (true)
            {
                if (inbox.TryRead(out var work))
                {
                    await work.Run().ConfigureAwait(false);
                    if (_fatal != null) break;
                    if (++sinceDrain < _options.AdmissionChunk) continue;
                }
                sinceDrain = 0;
                JournalFinals(_options.FinalChunk); // a close's FINAL entries, a chunk between admissions
                await PumpAsync().ConfigureAwait(false);
                long start = Stopwatch.GetTimestamp();
                if (_verifying is { Answered.IsCompleted: true })
                {
                    await FinishVerificationAsync(wait: false).ConfigureAwait(false);
                    _options.OnSpineSpan?.Invoke(new SpineSpan(SpineWork.Close, start, Stopwatch.GetTimestamp(), 0));
                    continue;
                }
                if (await CloseIfDueAsync().ConfigureAwait(false))
                {
                    _options.OnSpineSpan?.Invoke(new SpineSpan(SpineWork.Close, start, Stopwatch.GetTimestamp(), 0));
                    continue;
                }
                if (await VerifyOriginsIfDueAsync().ConfigureAwait(false) || inbox.TryPeek(out _) || _finals.Count > 0) continue;
                if (inbox.Completion.IsCompleted) break;

                // Sleep until new work, the fsync a waiting apply needs, the answers of the batch in
                // verification, or else the batch's deadline (the next batch waits for the one in verification).
                // The spine sleeps about twice per intent (issue #20: 5,000 a second), so what a sleep waits
                // on is kept while still pending: the inbox's wait, and a timer per deadline while that
                // deadline stands (a timer started earlier for the same moment fires when a new one would).
                if (_inboxWait is { IsCompleted: true }) _inboxWait = null; // its work was read since
                var wakeUps = _wakeUps;
                wakeUps.Clear();
                wakeUps.Add(_inboxWait ??= inbox.WaitToReadAsync().AsTask());
                if (_firstWaiting is { } waiting) wakeUps.Add(waiting); // even if it completed since: then no sleep at all
                DateTimeOffset? batchDue = null, owedDue = null;
                if (_verifying is { } verifying) wakeUps.Add(verifying.Answered);
                else
                {
                    batchDue = _batch.Deadline;
                    foreach (var debt in _owed.Values)
                        if (owedDue is not { } earliest || debt.Due < earliest) owedDue = debt.Due;
                }
                if (_batchAlarm.Set(batchDue, _time) is { } batchAlarm) wakeUps.Add(batchAlarm);
                if (_owedAlarm.Set(owedDue, _time) is { } owedAlarm) wakeUps.Add(owedAlarm);
                await Task.WhenAny(wakeUps).ConfigureAwait(false);
                wakeUps.Clear();
            }
            _batchAlarm.Cancel();
            _owedAlarm.Cancel();
            if (_fatal == null)
            {
                await CloseBatchAsync().ConfigureAwait(false);
                await DrainAsync(settle: true).ConfigureAwait(false);
            }
            await AnsweredAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _fatal ??= e;
        }
        if (_fatal is { } fatal) Fail(fatal);
    }

    private readonly List<Task> _wakeUps = new(4); // spine only: what one sleep waits on
    private Task? _inboxWait; // spine only: the inbox's wait of an earlier sleep, while no work has arrived
    private readonly Alarm _batchAlarm = new(), _owedAlarm = new(); // spine only: the sleeps' timers

    /// <summary>
    /// A timer for one deadline, kept across the spine's sleeps while the deadline stands and
    /// cancelled as soon as it changes or goes (no stray timers outlive what they were for).
    /// </summary>
    private sealed class Alarm
    {
        private DateTimeOffset _due;
        private Task? _delay;
        private CancellationTokenSource? _stop;

        /// <summary>The task that completes at <paramref name="due"/>; null (and the timer cancelled) without one.</summary>
        public Task? Set(DateTimeOffset? due, TimeProvider time)
        {
            if (due is { } d && _delay != null && d == _due) return _delay;
            Cancel();
            if (due is not { } deadline) return null;
            var wait = deadline - time.GetUtcNow();
            _stop = new CancellationTokenSource();
            _due = deadline;
            return _delay = Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, _stop.Token);
        }

        public void Cancel()
        {
            if (_stop != null)
            {
                _stop.Cancel();
                _stop.Dispose();
                _stop = null;
            }
            _delay = null;
        }
    }

    /// <summary>Waits until every answer that waited for an fsync has been given.</summary>
    private async Task AnsweredAsync()
    {
        Task[] waiting;
        lock (_answering) { _answering.RemoveAll(t => t.IsCompleted); waiting = _answering.ToArray(); }
        await Task.WhenAll(waiting).ConfigureAwait(false);
    }

    /// <summary>Fail-stop: the journal cannot be trusted any more, so nobody is told anything happened.</summary>
    private void Fail(Exception fatal)
    {
        _inbox.Writer.TryComplete();
        var error = new InvalidOperationException($"the pipeline stopped: {fatal.Message}", fatal);
        foreach (var m in _batch.Members.Concat(_verifying?.Batch.Members ?? Enumerable.Empty<BatchMember>()))
        {
            m.Provisional.TrySetException(error);
            m.Settled.TrySetException(error);
            foreach (var follower in m.Followers) follower.TrySetException(error);
        }
        foreach (var answer in _toApply.SelectMany(step => step.Answers)) answer.TrySetException(error);
        foreach (var queued in _finals)
        {
            queued.Member.Settled.TrySetException(error);
            foreach (var follower in queued.Member.Followers) follower.TrySetException(error);
        }
        foreach (var (completion, _) in _deferred) completion.TrySetException(error);
        while (_inbox.Reader.TryRead(out var work)) work.Fail(error);
    }

    /// <summary>
    /// Hands the journal entries appended so far to the WAL's group commit: the answers that wait
    /// for them are given once they are durable, while the spine goes on. Returns that moment.
    /// </summary>
    private Task Flush()
    {
        if (_appends.Count == 0 && _deferred.Count == 0) return Task.CompletedTask;
        var durable = AnswerWhenDurable(_appends.ToArray(), _deferred.ToArray());
        _appends.Clear();
        _deferred.Clear();
        if (!durable.IsCompleted)
            lock (_answering)
            {
                if (_answering.Count >= 64) _answering.RemoveAll(t => t.IsCompleted);
                _answering.Add(durable);
            }
        return durable;
    }

    /// <summary>
    /// Flushes the journal and applies, in admission order, every step whose PROVISIONAL entry is
    /// durable, unless an earlier step that is still waiting shares a uuid with it: one new
    /// intent's fsync does not hold up micro-intents of others already journaled.
    /// </summary>
    private async Task PumpAsync()
    {
        _ = Flush();
        _firstWaiting = null;
        // No set per pump: the spine pumps after nearly every admission (5,000 a second, issue #20).
        // Taken, not shared: a pump nested in an apply's rollback gets a set of its own.
        var waitingOn = Interlocked.Exchange(ref _spareWaitingOn, null) ?? new HashSet<string>(StringComparer.Ordinal);
        try
        {
            for (int i = 0; i < _toApply.Count;)
            {
                var step = _toApply[i];
                if (!step.Durable.IsCompletedSuccessfully || Meets(step.Member.Footprint, waitingOn))
                {
                    if (!step.Durable.IsCompletedSuccessfully) _firstWaiting ??= step.Durable;
                    waitingOn.UnionWith(step.Member.Footprint);
                    i++;
                    continue;
                }
                _toApply.RemoveAt(i);
                int before = _toApply.Count;
                await ApplyAsync(step).ConfigureAwait(false);
                _ = Flush();
                if (_toApply.Count != before) { i = 0; waitingOn.Clear(); _firstWaiting = null; } // a rollback dropped steps: look again from the start
            }
        }
        finally
        {
            waitingOn.Clear();
            _spareWaitingOn = waitingOn;
        }
    }

    private HashSet<string>? _spareWaitingOn; // spine only: PumpAsync's set, kept between pumps

    /// <summary>Whether any of <paramref name="footprint"/> is in <paramref name="uuids"/> (a loop: Any with a method group allocates a delegate per call).</summary>
    private static bool Meets(string[] footprint, HashSet<string> uuids)
    {
        if (uuids.Count == 0) return false;
        foreach (var u in footprint)
            if (uuids.Contains(u)) return true;
        return false;
    }

    /// <summary>
    /// Applies every admitted step, waiting for the fsyncs they need; with <paramref name="settle"/>
    /// also waits until every answer given so far has followed its fsync.
    /// </summary>
    private async Task DrainAsync(bool settle = false)
    {
        if (settle) JournalFinals(int.MaxValue); // every answer given so far includes the FINAL entries queued
        while (true)
        {
            await PumpAsync().ConfigureAwait(false);
            if (_fatal is { } fatal) throw new InvalidOperationException($"the pipeline stopped: {fatal.Message}", fatal);
            if (_toApply.Count == 0) break;
            var waiting = _toApply.Select(step => step.Durable).Where(t => !t.IsCompleted).ToArray();
            if (waiting.Length > 0) await Task.WhenAny(waiting).ConfigureAwait(false);
        }
        if (settle) await AnsweredAsync().ConfigureAwait(false);
    }

    private async Task AnswerWhenDurable(Task[] appends, (TaskCompletionSource<IntentOutcome> Completion, IntentOutcome Outcome)[] answers)
    {
        try
        {
            if (appends.Length > 0) await Task.WhenAll(appends).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Fail-stop: nothing journaled after this can be trusted, so the spine stops.
            _fatal ??= e;
            _inbox.Writer.TryComplete();
            var error = new InvalidOperationException($"the pipeline stopped: {e.Message}", e);
            foreach (var (completion, _) in answers) completion.TrySetException(error);
            return;
        }
        foreach (var (completion, outcome) in answers) completion.TrySetResult(outcome);
    }

    private async Task<bool> CloseIfDueAsync()
    {
        if (_verifyOnSpine)
        {
            await CloseBatchAsync().ConfigureAwait(false);
            return true;
        }
        if (_verifying != null || _batch.Deadline is not { } deadline || deadline > _time.GetUtcNow()) return false;
        await StartVerificationAsync().ConfigureAwait(false);
        return true;
    }
}
