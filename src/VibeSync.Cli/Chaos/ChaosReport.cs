using System.Diagnostics;

namespace VibeSync.Cli.Chaos;

/// <summary>An invariant seen broken: when, which, and what was seen.</summary>
internal sealed record Violation(TimeSpan At, int Step, string Kind, string Evidence, string? SameAs = null);

/// <summary>
/// What a soak did and saw, written from several tasks at once (the plan, the monitor, AI intents
/// in flight): faults injected and survived, activity, checks made, observations and violations.
/// It prints progress lines as it goes and the summary at the end.
/// </summary>
internal sealed class ChaosReport
{
    private readonly object _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TextWriter _out;
    private readonly SortedDictionary<string, (int Injected, int Survived, int Skipped)> _faults = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _activity = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _checks = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _observations = new(StringComparer.Ordinal);
    private readonly List<Violation> _violations = new();
    private readonly Dictionary<string, int> _repeats = new(StringComparer.Ordinal);

    public ChaosReport(TextWriter output) => _out = output;

    public TimeSpan Elapsed => _clock.Elapsed;

    public int CurrentStep { get; set; } = -1;

    public IReadOnlyList<Violation> Violations { get { lock (_gate) return _violations.ToArray(); } }

    public void Say(string line)
    {
        lock (_gate)
        {
            _out.WriteLine($"[{Elapsed.TotalSeconds,7:F1}s] {line}");
            _out.Flush();
        }
    }

    public void Injected(string fault) => Bump(fault, (1, 0, 0));
    public void Survived(string fault) => Bump(fault, (0, 1, 0));
    public void Skipped(string fault) => Bump(fault, (0, 0, 1));

    private void Bump(string fault, (int, int, int) by)
    {
        lock (_gate)
        {
            var (i, s, k) = _faults.GetValueOrDefault(fault);
            _faults[fault] = (i + by.Item1, s + by.Item2, k + by.Item3);
        }
    }

    public void Count(string what, int by = 1)
    {
        lock (_gate) _activity[what] = _activity.GetValueOrDefault(what) + by;
    }

    public void Checked(string check, int by = 1)
    {
        lock (_gate) _checks[check] = _checks.GetValueOrDefault(check) + by;
    }

    /// <summary>Something worth knowing that is not a broken invariant (a refusal the product chose, a known limit).</summary>
    public void Observe(string what)
    {
        bool first;
        lock (_gate)
        {
            first = !_observations.ContainsKey(what);
            _observations[what] = _observations.GetValueOrDefault(what) + 1;
        }
        if (first) Say("note: " + what);
    }

    /// <summary>
    /// An invariant broken. With a <paramref name="sameAs"/> key, a violation already reported under
    /// that key (the same tie on the same record, still there at the next check) is counted, not repeated.
    /// </summary>
    public void Violated(string kind, string evidence, string? sameAs = null)
    {
        if (sameAs != null)
            lock (_gate)
                if (_repeats.TryGetValue(sameAs, out var seen))
                {
                    _repeats[sameAs] = seen + 1;
                    return;
                }
                else _repeats[sameAs] = 0;
        var v = new Violation(Elapsed, CurrentStep, kind, evidence, sameAs);
        lock (_gate) _violations.Add(v);
        Say($"VIOLATION {kind} (step #{v.Step}): {evidence}");
    }

    public (int Injected, int Survived, int Skipped) Fault(string fault)
    {
        lock (_gate) return _faults.GetValueOrDefault(fault);
    }

    public int Activity(string what)
    {
        lock (_gate) return _activity.GetValueOrDefault(what);
    }

    public void PrintSummary(int seed, double minutes, string fingerprint, IEnumerable<string> header, string replayOptions = "")
    {
        lock (_gate)
        {
            var o = _out;
            o.WriteLine();
            o.WriteLine($"chaos summary: seed {seed}, {minutes:0.##} min asked, {Elapsed.TotalMinutes:F1} min run, plan {fingerprint}, {CurrentStep + 1} steps played");
            foreach (var line in header) o.WriteLine("  " + line);
            o.WriteLine("faults (injected / survived / skipped):");
            foreach (var (name, (i, s, k)) in _faults) o.WriteLine($"  {name,-32} {i,4} / {s,4}{(k > 0 ? $"   skipped {k}" : "")}");
            o.WriteLine("activity:");
            foreach (var (name, n) in _activity) o.WriteLine($"  {name,-48} {n,6}");
            o.WriteLine("invariant checks made:");
            foreach (var (name, n) in _checks) o.WriteLine($"  {name,-48} {n,6}");
            if (_observations.Count > 0)
            {
                o.WriteLine("observations (not violations):");
                foreach (var (what, n) in _observations) o.WriteLine($"  {n,4}× {what}");
            }
            o.WriteLine($"violations = {_violations.Count}");
            foreach (var v in _violations)
            {
                int again = v.SameAs != null ? _repeats[v.SameAs] : 0;
                o.WriteLine($"  at {v.At.TotalSeconds:F1}s (step #{v.Step}) {v.Kind}: {v.Evidence}{(again > 0 ? $" [the same again at {again} later check(s)]" : "")}");
            }
            o.WriteLine(_violations.Count == 0
                ? $"replay: vibesync chaos --minutes {minutes:0.##} --seed {seed}{replayOptions}"
                : $"FAILED. Replay the same schedule: vibesync chaos --minutes {minutes:0.##} --seed {seed}{replayOptions}");
            o.Flush();
        }
    }
}
