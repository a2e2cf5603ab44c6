// Issue #20 §4, the floor under get_intent: on this shared 2-vCPU VM a p99 moves by 2-4× between
// runs, so a candidate setting is judged by a ratio measured in one run. Two serves over copies of
// the same journal, A as shipped and B with the candidate's environment, are read alternately (the
// order swapped every round), each answer timed on the same client.

using System.Diagnostics;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Control;
using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Cli.Benchmarks;

internal static class JournalFloorComparison
{
    /// <summary>One serve's figures.</summary>
    public sealed record Side(double GetIntentP50Ms, double GetIntentP90Ms, double GetIntentP99Ms, double StatusP50Ms, double StatusP90Ms, double StatusP99Ms);

    /// <summary>A against B, and what the client's per-call file reads cost (serve.json and the token).</summary>
    public sealed record Result(long Entries, int Reads, IReadOnlyList<string> BEnvironment, Side A, Side B,
        double GetIntentP50Ratio, double GetIntentP99Ratio, double StatusP50Ratio, double StatusP99Ratio,
        double ClientFileReadsP50Ms, double ClientFileReadsP99Ms, Pauses ClientGc, Pauses ServeAGc, Pauses ServeBGc,
        Work ServeAPerRequest, Work ServeBPerRequest, Work ClientPerRequest);

    /// <summary>
    /// A process's context switches per request it took part in: voluntary ones (a thread that waited
    /// and had to be woken: each wake-up waits for a core, which on two shared cores is where a tail
    /// comes from) and involuntary ones (a thread preempted: the machine's load), and its CPU time.
    /// </summary>
    public sealed record Work(double Wakeups, double Preemptions, double CpuMs);

    /// <summary>GC pauses seen during the timed rounds (a serve's only when it runs with VIBESYNC_TRACE_RUNTIME=1).</summary>
    public sealed record Pauses(int Count, double TotalMs, double LongestMs);

    /// <summary>Writes the journal once, starts A and B on copies, times both alternately; B starts with the NAME=VALUE settings of <paramref name="bEnvironment"/> (an empty VALUE unsets NAME).</summary>
    public static async Task<Result> RunAsync(string dir, long entries, int reads, IReadOnlyList<string> bEnvironment, Action<string> progress)
    {
        long intents = Math.Max(1, entries / 2);
        string a = Path.Combine(dir, "a"), b = Path.Combine(dir, "b");
        await JournalBenchmark.WriteJournalAsync(a, entries, progress);
        Copy(Path.Combine(a, "wal"), Path.Combine(b, "wal"));

        progress($"starting serve A (as shipped) and serve B ({string.Join(" ", bEnvironment)}) on copies of that journal");
        await using var serveA = await StartAsync(a, []);
        await using var serveB = await StartAsync(b, bEnvironment);
        var apiA = new ControlApiClient(a);
        var apiB = new ControlApiClient(b);
        foreach (var api in new[] { apiA, apiB })
            await EndToEndBenchmark.UntilAsync(async () => (await api.StatusAsync()).ValueKind == System.Text.Json.JsonValueKind.Object, "serve's API", TimeSpan.FromMinutes(5));

        progress($"{reads:N0} rounds: get_intent and /v1/status on A and on B, alternately");
        var random = new Random(20);
        for (int i = 0; i < 200; i++)
            foreach (var api in new[] { apiA, apiB })
            {
                await api.CallTextAsync(HttpMethod.Get, $"/v1/intents/{random.NextInt64(1, intents + 1)}");
                await api.CallTextAsync(HttpMethod.Get, "/v1/status");
            }
        var (intentA, statusA, intentB, statusB, files) = (new double[reads], new double[reads], new double[reads], new double[reads], new double[reads]);
        string tokenPath = SecretFiles.ControlTokenPath(a);
        using var clientTrace = new RuntimeTrace(print: false);
        long from = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (workA, workB, workClient) = (ProcessWork.Of(serveA.Pid), ProcessWork.Of(serveB.Pid), ProcessWork.Of(Environment.ProcessId));
        for (int i = 0; i < reads; i++)
        {
            long id = random.NextInt64(1, intents + 1);
            for (int k = 0; k < 2; k++)
            {
                bool isA = (i + k) % 2 == 0;
                var api = isA ? apiA : apiB;
                var t = Stopwatch.GetTimestamp();
                var text = await api.CallTextAsync(HttpMethod.Get, $"/v1/intents/{id}");
                (isA ? intentA : intentB)[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                if (!text.Contains("\"FINAL\"", StringComparison.Ordinal)) throw new InvalidOperationException($"intent {id}: {text}");
                t = Stopwatch.GetTimestamp();
                await api.CallTextAsync(HttpMethod.Get, "/v1/status");
                (isA ? statusA : statusB)[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
            // What a client that reads serve.json and the token on every call pays for it.
            var f = Stopwatch.GetTimestamp();
            _ = ServerInfo.Read(a)!.ApiPort + Hex.Encode(SecretFiles.Load(tokenPath)).Length;
            files[i] = Stopwatch.GetElapsedTime(f).TotalMilliseconds;
        }
        long to = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (doneA, doneB, doneClient) = (ProcessWork.Of(serveA.Pid), ProcessWork.Of(serveB.Pid), ProcessWork.Of(Environment.ProcessId));
        var clientGc = Of(clientTrace.Events.Where(e => e.Kind == "gc_pause").Select(e => e.Value));
        Pauses ServeGc(ChildProcess serve) => Of(EndToEndBenchmark.Events(serve, "runtime")
            .Where(e => e.GetProperty("kind").GetString() == "gc_pause" && e.GetProperty("t").GetInt64() is var t && t >= from && t <= to)
            .Select(e => e.GetProperty("value").GetDouble()));
        Side SideOf(double[] intent, double[] status) => new(Percentiles.Of(intent, 0.5), Percentiles.Of(intent, 0.9), Percentiles.Of(intent, 0.99), Percentiles.Of(status, 0.5), Percentiles.Of(status, 0.9), Percentiles.Of(status, 0.99));
        var (sa, sb) = (SideOf(intentA, statusA), SideOf(intentB, statusB));
        return new Result(entries, reads, bEnvironment, sa, sb,
            sb.GetIntentP50Ms / sa.GetIntentP50Ms, sb.GetIntentP99Ms / sa.GetIntentP99Ms, sb.StatusP50Ms / sa.StatusP50Ms, sb.StatusP99Ms / sa.StatusP99Ms,
            Percentiles.Of(files, 0.5), Percentiles.Of(files, 0.99), clientGc, ServeGc(serveA), ServeGc(serveB),
            (doneA - workA).Per(2 * reads), (doneB - workB).Per(2 * reads), (doneClient - workClient).Per(4 * reads));
    }

    private static Pauses Of(IEnumerable<double> pauses)
    {
        var all = pauses.ToArray();
        return new Pauses(all.Length, all.Sum(), all.Length == 0 ? 0 : all.Max());
    }

    private static async Task<ChildProcess> StartAsync(string dir, IReadOnlyList<string> environment)
    {
        var serve = ChildProcess.Self("serve", environment, "serve", "--data", dir);
        await EndToEndBenchmark.UntilAsync(() => Task.FromResult(ServerInfo.Read(dir) != null), "serve to start", TimeSpan.FromMinutes(5));
        return serve;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Context switches and CPU time of a process so far, from /proc (Linux).</summary>
    private readonly record struct ProcessWork(long Voluntary, long Involuntary, double CpuMs)
    {
        public static ProcessWork Of(int pid)
        {
            long voluntary = 0, involuntary = 0;
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)) voluntary += Count(line);
                        else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal)) involuntary += Count(line);
                    }
                }
                catch (IOException) { } // a thread that ended meanwhile
            }
            return new ProcessWork(voluntary, involuntary, ProcessCpu.Ms(pid));
        }

        private static long Count(string line) => long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);

        public static ProcessWork operator -(ProcessWork a, ProcessWork b) => new(a.Voluntary - b.Voluntary, a.Involuntary - b.Involuntary, a.CpuMs - b.CpuMs);

        public Work Per(int requests) => new((double)Voluntary / requests, (double)Involuntary / requests, CpuMs / requests);
    }
}
