using System.CommandLine;
using System.Text.Json;
using VibeSync.Cli.Benchmarks;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync bench …</c>: the figures BENCHMARKS.md records, measured on this machine.</summary>
internal static class BenchCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var bench = new Command("bench", "Run a benchmark and print its figures (see BENCHMARKS.md).");
        bench.Subcommands.Add(Hash());
        return bench;
    }

    private static Command Hash()
    {
        var objects = new Option<int>("--objects") { Description = "Objects in the synthetic scene.", DefaultValueFactory = _ => 100_000 };
        var rounds = new Option<int>("--rounds") { Description = "Timed from-scratch rounds (median reported).", DefaultValueFactory = _ => 9 };
        var updates = new Option<int>("--updates") { Description = "Timed single-object updates.", DefaultValueFactory = _ => 20_000 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var command = new Command("hash", "Scene root from scratch and after one object changes (goals: ≤ 150 ms for 100k objects, ≤ 10 µs per update).")
        {
            objects, rounds, updates, json,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(objects), r = parse.GetValue(rounds), u = parse.GetValue(updates);
            if (n < 1 || r < 1 || u < 1)
            {
                Console.Error.WriteLine("error: --objects, --rounds and --updates must be at least 1");
                return Program.InputError;
            }
            bool asJson = parse.GetValue(json);
            var result = HashBenchmark.Run(n, r, u, line => { if (!asJson) Console.Error.WriteLine(line); });
            var machine = MachineInfo.Current();
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "hash", result, machine }, Indented));
            }
            else
            {
                Console.WriteLine($"scene root, {result.Objects:N0} objects, from scratch: median {result.FromScratchMedianMs:F1} ms, min {result.FromScratchMinMs:F1} ms ({result.Rounds} rounds; goal ≤ 150 ms)");
                Console.WriteLine($"one object changed, incremental: p50 {result.UpdateP50Us:F2} µs, p99 {result.UpdateP99Us:F2} µs, mean {result.UpdateMeanUs:F2} µs ({result.Updates:N0} updates; goal ≤ 10 µs)");
                Console.WriteLine($"pinned to one core: {(result.PinnedToOneCore ? "yes" : "no")}; machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Runtime}");
            }
            return 0;
        });
        return command;
    }
}
