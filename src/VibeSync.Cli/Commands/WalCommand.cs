using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using VibeSync.Protocol.Hashing;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;
using VibeSync.Wal.Storage;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync wal verify|show|stress</c>: look at, check and load-test a write-ahead log.</summary>
internal static class WalCommand
{
    private static readonly JsonSerializerOptions CompactJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var wal = new Command("wal", "Inspect, verify and load-test a write-ahead log.");
        wal.Subcommands.Add(Verify());
        wal.Subcommands.Add(Show());
        wal.Subcommands.Add(Stress());
        wal.Subcommands.Add(Compact());
        return wal;
    }

    private static Argument<DirectoryInfo?> DirArgument() => new("DIR")
    {
        Description = "The log directory, or a data directory holding wal/ (default: --data).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static string? Resolve(DirectoryInfo? dir, DirectoryInfo data, bool mustExist)
    {
        var path = dir?.FullName ?? Path.Combine(data.FullName, "wal");
        if (dir is null && !Directory.Exists(path)) path = data.FullName;
        if (mustExist && !Directory.Exists(path))
        {
            Console.Error.WriteLine($"error: {path}: no such directory");
            return null;
        }
        return SegmentNames.ResolveWalDirectory(path);
    }

    private static Command Verify()
    {
        var dir = DirArgument();
        var data = DataDirectory.Option();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("verify",
            "Check every record's CRC, entry hash and chain. Exit 0 when intact or only a torn tail (reported with the bytes it would truncate); exit 1 on corruption or a broken chain, naming segment and offset.")
        {
            dir, data, json,
        };
        command.SetAction(parse =>
        {
            var path = Resolve(parse.GetValue(dir), parse.GetValue(data)!, mustExist: true);
            if (path is null) return Program.InputError;
            var scan = WriteAheadLog.Verify(path);
            if (scan.Segments == 0)
            {
                Console.Error.WriteLine($"error: {path}: no WAL segments (*.wal) here");
                return Program.InputError;
            }
            string status = scan.Corruption != null ? "corrupt" : scan.Torn != null ? "torn_tail" : "intact";
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    status,
                    directory = path,
                    segments = scan.Segments,
                    records = scan.Records,
                    last_sequence = scan.LastSequence,
                    reality_head = Hex.Encode(scan.Reality.Head),
                    final_count = scan.Reality.FinalCount,
                    to_roll_back = scan.Reality.ToRollBack.ToArray(),
                    torn_tail = scan.Torn is { } t ? new { segment = t.Segment, offset = t.Offset, bytes = t.Bytes, reason = t.Reason } : null,
                    corruption = scan.Corruption is { } c ? new { segment = c.Segment, offset = c.Offset, reason = c.Reason } : null,
                }, CompactJson));
            }
            else
            {
                Console.WriteLine($"{path}: {scan.Records} good records in {scan.Segments} segment(s), last sequence {scan.LastSequence}");
                Console.WriteLine($"  Reality head {Hex.Encode(scan.Reality.Head)} after {scan.Reality.FinalCount} FINAL entries");
                var open = scan.Reality.ToRollBack.ToList();
                if (open.Count > 0)
                    Console.WriteLine($"  {open.Count} intent(s) left PROVISIONAL, rolled back on the next start: {string.Join(", ", open.Take(10))}{(open.Count > 10 ? ", …" : "")}");
                if (scan.Torn is { } t)
                    Console.WriteLine($"  torn tail: segment {t.Segment:D10} offset {t.Offset}: {t.Reason}; opening the log would truncate {t.Bytes} bytes (no acknowledged record)");
                if (scan.Corruption is { } c)
                    Console.WriteLine($"  CORRUPT: {c}");
                else
                    Console.WriteLine(scan.Torn is null ? "  intact" : "  intact up to the torn tail");
            }
            return scan.Corruption is null ? 0 : 1;
        });
        return command;
    }

    private static Command Show()
    {
        var dir = DirArgument();
        var data = DataDirectory.Option();
        var intent = new Option<ulong?>("--intent") { Description = "Only entries of this intent id." };
        var tail = new Option<int?>("--tail") { Description = "Only the last K entries (after --intent filtering)." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line." };
        var command = new Command("show", "Print the log's entries, oldest first.") { dir, data, intent, tail, json };
        command.SetAction(parse =>
        {
            var path = Resolve(parse.GetValue(dir), parse.GetValue(data)!, mustExist: true);
            if (path is null) return Program.InputError;
            var records = WriteAheadLog.ReadAll(path, out var scan);
            IEnumerable<WalRecord> selected = records;
            if (parse.GetValue(intent) is { } id) selected = selected.Where(r => r.Entry.IntentId == id);
            if (parse.GetValue(tail) is { } k)
            {
                if (k < 0) { Console.Error.WriteLine("error: --tail must be 0 or more"); return Program.InputError; }
                var list = selected.ToList();
                selected = list.Skip(Math.Max(0, list.Count - k));
            }
            bool asJson = parse.GetValue(json);
            var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
            foreach (var r in selected) stdout.WriteLine(asJson ? ToJson(r) : ToLine(r));
            stdout.Flush();
            if (scan.Corruption is { } c)
            {
                Console.Error.WriteLine($"error: the log is corrupt at {c}; entries after it are not shown");
                return 1;
            }
            return 0;
        });
        return command;
    }

    private static Command Compact()
    {
        var dir = DirArgument();
        var data = DataDirectory.Option();
        var command = new Command("compact",
            "Delete the segments wholly covered by the newest checkpoint, up to the first holding an entry of an intent still open at it (a pending intent is restored from its entry). Everything after it stays; without a checkpoint nothing is deleted.")
        {
            dir, data,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var path = Resolve(parse.GetValue(dir), parse.GetValue(data)!, mustExist: true);
            if (path is null) return Program.InputError;
            var before = WriteAheadLog.Verify(path);
            if (before.Corruption is { } c)
            {
                Console.Error.WriteLine($"error: refusing to compact a corrupt log: {c}");
                return 1;
            }
            var deleted = WriteAheadLog.Compact(path, out var kept);
            Console.WriteLine(deleted.Count > 0
                ? $"deleted {deleted.Count} segment(s): {string.Join(", ", deleted.Select(Path.GetFileName))}"
                : kept is null ? "nothing to compact (no checkpoint, or it covers no whole segment)" : "nothing to compact");
            if (kept is { } h)
                Console.WriteLine($"kept segment {h.Segment:D10} and later: it holds the entry of intent {h.IntentId} (sequence {h.Sequence}), " +
                    $"still {PhaseNames.Name(h.Phase)} at the checkpoint{(h.Phase == IntentPhase.Pending ? "; a restart restores the intent from it" : "")}");
            // The deleted entries named blobs no one else may: collect them now, unless serve holds the directory (it collects when it starts).
            var home = Path.GetDirectoryName(path)!;
            if (deleted.Count > 0 && Path.GetFileName(path) == "wal" && Directory.Exists(Path.Combine(home, "blobs")))
            {
                try
                {
                    using var held = Orchestrator.Data.DataDirectoryLock.Acquire(home);
                    var done = await BlobsCommand.CollectAsync(home, dryRun: false);
                    Console.WriteLine($"blobs: kept {done.Kept}, removed {done.Removed} ({done.BytesFreed:N0} bytes)");
                }
                catch (InvalidOperationException) { Console.WriteLine("blobs: serve holds the data directory; it collects them when it next starts"); }
            }
            return 0;
        });
        return command;
    }

    private static string ToLine(WalRecord r)
    {
        var e = r.Entry;
        var when = DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMs).ToString("yyyy-MM-dd HH:mm:ss.fff'Z'");
        var line = $"#{r.Sequence,-8} intent {e.IntentId,-8} {PhaseNames.Name(e.Phase),-12} {PhaseNames.Name(e.Scope.IntentClass),-11} {when}  {e.Engine}  {e.Actor}  [{string.Join(", ", e.Scope.Uuids)}]";
        if (e.Rollback?.Reason is { } reason) line += $"  rollback {e.Rollback.Kind} {reason}";
        if (e.Rationale is { } why) line += $"  \"{why}\"";
        return line;
    }

    internal static string ToJson(WalRecord r)
    {
        var e = r.Entry;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("sequence", r.Sequence);
            w.WriteNumber("intent_id", e.IntentId);
            w.WriteString("phase", PhaseNames.Name(e.Phase));
            w.WriteNumber("timestamp", e.TimestampMs);
            EntryBody.WriteMembers(w, e, writeNulls: true);
            w.WriteString("parent_hash", Hex.Encode(r.ParentHash));
            w.WriteString("entry_hash", Hex.Encode(r.EntryHash));
            w.WriteNumber("segment", r.Segment);
            w.WriteNumber("offset", r.Offset);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Command Stress()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "The log directory (created if missing)." };
        var seconds = new Option<double>("--seconds") { Description = "How long to append.", DefaultValueFactory = _ => 5 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent appenders.", DefaultValueFactory = _ => 8 };
        var segment = new Option<long>("--segment-size") { Description = "Segment size in bytes (small values force roll-overs).", DefaultValueFactory = _ => 64L * 1024 * 1024 };
        var command = new Command("stress",
            "Append synthetic entries under load (a disk check like pg_test_fsync). Prints `acked <intent_id>` on stdout, flushed, the moment each append is durable; a summary on stderr.")
        {
            dir, seconds, concurrency, segment,
        };
        command.SetAction(async (parse, cancel) =>
        {
            double s = parse.GetValue(seconds);
            int c = parse.GetValue(concurrency);
            if (s <= 0 || c < 1) { Console.Error.WriteLine("error: --seconds must be > 0 and --concurrency ≥ 1"); return Program.InputError; }
            WriteAheadLog log;
            try { log = WriteAheadLog.Open(parse.GetValue(dir)!.FullName, new WalOptions { SegmentSize = parse.GetValue(segment) }); }
            catch (WalCorruptException e) { Console.Error.WriteLine($"error: {e.Message}"); return 1; }
            if (log.Recovery.TruncatedTail is { } torn)
                Console.Error.WriteLine($"recovered: truncated a torn tail of {torn.Bytes} bytes at segment {torn.Segment:D10} offset {torn.Offset}");
            ulong nextId = log.Recovery.MaxIntentId; // ids stay unique across runs of a crash loop
            var stdout = Console.OpenStandardOutput();
            var gate = new object();
            long acked = 0;
            var sw = Stopwatch.StartNew();
            var deadline = TimeSpan.FromSeconds(s);
            var workers = Enumerable.Range(0, c).Select(async worker =>
            {
                var random = new Random(worker);
                while (sw.Elapsed < deadline && !cancel.IsCancellationRequested)
                {
                    ulong id = Interlocked.Increment(ref nextId);
                    var entry = SyntheticEntry(id, random);
                    await log.AppendAsync(entry).ConfigureAwait(false);
                    var line = System.Text.Encoding.ASCII.GetBytes($"acked {id}\n");
                    lock (gate) { stdout.Write(line); stdout.Flush(); }
                    Interlocked.Increment(ref acked);
                }
            }).ToArray();
            try { await Task.WhenAll(workers); }
            catch (WalFailedException e) { Console.Error.WriteLine($"error: {e.Message}"); return 1; }
            await log.DisposeAsync();
            Console.Error.WriteLine($"{acked} durable appends in {sw.Elapsed.TotalSeconds:F1} s ({acked / sw.Elapsed.TotalSeconds:F0}/s) at concurrency {c}");
            return 0;
        });
        return command;
    }

    /// <summary>A synthetic entry of about 256 bytes on disk, shaped like a cosmetic transform intent.</summary>
    internal static WalEntry SyntheticEntry(ulong id, Random random)
    {
        var phase = random.Next(10) == 0 ? IntentPhase.Provisional : IntentPhase.Final;
        return new WalEntry(id, phase, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "blender", "human:blender",
            new Scope(new[] { "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f" }, IntentClass.Cosmetic),
            OperationJson: "{\"op\":\"set_transform\",\"t\":[" + random.Next(100) + ",0,1]}");
    }
}
