using System.Diagnostics;

namespace VibeSync.Cli.Chaos;

/// <summary>An invariant seen broken: when, which, and what was seen.</summary>
internal sealed record Violation(TimeSpan At, int Step, string Kind, string Evidence);

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

    public void Violated(string kind, string evidence)
    {
        var v = new Violation(Elapsed, CurrentStep, kind, evidence);
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

    public void PrintSummary(int seed, double minutes, string fingerprint, IEnumerable<string> header)
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
            foreach (var v in _violations) o.WriteLine($"  at {v.At.TotalSeconds:F1}s (step #{v.Step}) {v.Kind}: {v.Evidence}");
            o.WriteLine(_violations.Count == 0
                ? $"replay: vibesync chaos --minutes {minutes:0.##} --seed {seed}"
                : $"FAILED. Replay the same schedule: vibesync chaos --minutes {minutes:0.##} --seed {seed}");
            o.Flush();
        }
    }
}
