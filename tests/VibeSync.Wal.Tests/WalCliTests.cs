using System.Diagnostics;
using System.Text.Json;
using VibeSync.Protocol.Intents;

namespace VibeSync.Wal.Tests;

/// <summary>`vibesync wal verify|show` in their own processes, as scripts use them.</summary>
public sealed class WalCliTests
{
    private static (int code, string stdout, string stderr) Vibesync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vibesync.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static (TempLog dir, List<WalRecord> records) Log()
    {
        var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path))
            TempLog.AppendEach(log, new[]
            {
                TempLog.Entry(1, IntentPhase.Provisional), TempLog.Entry(1, IntentPhase.Final),
                TempLog.Entry(2, IntentPhase.Provisional), TempLog.Entry(2, IntentPhase.RolledBack),
                TempLog.Entry(3, IntentPhase.Provisional),
            });
        return (dir, WriteAheadLog.ReadAll(dir.Path, out _).ToList());
    }

    [Fact]
    public void verify_says_intact_with_exit_0_and_json_names_the_status()
    {
        var (dir, _) = Log();
        using var cleanup = dir;
        var (code, stdout, _) = Vibesync("wal", "verify", dir.Path, "--json");
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("intact", json.GetProperty("status").GetString());
        Assert.Equal(5, json.GetProperty("records").GetInt32());
        Assert.Equal(new ulong[] { 3 }, json.GetProperty("to_roll_back").EnumerateArray().Select(e => e.GetUInt64()));
    }

    [Fact]
    public void verify_tolerates_a_torn_tail_with_exit_0_and_says_how_many_bytes_it_would_cut()
    {
        var (dir, records) = Log();
        using var cleanup = dir;
        var bytes = File.ReadAllBytes(dir.Segment(1));
        File.WriteAllBytes(dir.Segment(1), bytes.AsSpan(0, (int)records[^1].Offset + 30).ToArray());
        var (code, stdout, _) = Vibesync("wal", "verify", dir.Path);
        Assert.Equal(0, code);
        Assert.Contains("torn tail", stdout);
        Assert.Contains($"offset {records[^1].Offset}", stdout);
        var torn = JsonDocument.Parse(Vibesync("wal", "verify", dir.Path, "--json").stdout).RootElement.GetProperty("torn_tail");
        long cut = torn.GetProperty("bytes").GetInt64(); // the written bytes after the offset (trailing zeros need no cutting)
        Assert.InRange(cut, 1, 30);
        Assert.Contains($"truncate {cut} bytes", stdout);
    }

    [Fact]
    public void verify_catches_a_flipped_byte_in_the_middle_with_exit_1_naming_segment_and_offset()
    {
        var (dir, records) = Log();
        using var cleanup = dir;
        var bytes = File.ReadAllBytes(dir.Segment(1));
        bytes[records[2].Offset + 77] ^= 0x20;
        File.WriteAllBytes(dir.Segment(1), bytes);
        var (code, stdout, _) = Vibesync("wal", "verify", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains($"segment 0000000001 offset {records[2].Offset}", stdout);
        var json = JsonDocument.Parse(Vibesync("wal", "verify", dir.Path, "--json").stdout).RootElement;
        Assert.Equal("corrupt", json.GetProperty("status").GetString());
        Assert.Equal(records[2].Offset, json.GetProperty("corruption").GetProperty("offset").GetInt64());
    }

    [Fact]
    public void show_prints_one_json_object_per_entry_and_filters_by_intent_and_tail()
    {
        var (dir, _) = Log();
        using var cleanup = dir;
        var (code, stdout, _) = Vibesync("wal", "show", dir.Path, "--json");
        Assert.Equal(0, code);
        var lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(1UL, first.GetProperty("intent_id").GetUInt64());
        Assert.Equal("PROVISIONAL", first.GetProperty("phase").GetString());
        Assert.Equal("set_transform", first.GetProperty("operation").GetProperty("op").GetString());

        var intent2 = Vibesync("wal", "show", dir.Path, "--json", "--intent", "2").stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(new[] { "PROVISIONAL", "ROLLED_BACK" }, intent2.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("phase").GetString()));
        var tail = Vibesync("wal", "show", dir.Path, "--tail", "1").stdout;
        Assert.Contains("intent 3", tail);
        Assert.DoesNotContain("intent 1 ", tail);
    }

    [Fact]
    public async Task compact_keeps_the_segment_of_an_intent_pending_at_the_checkpoint_and_says_why()
    {
        using var dir = new TempLog();
        var holding = await CheckpointTests.WithAnIntentPendingAtTheCheckpoint(dir);
        var (code, stdout, stderr) = Vibesync("wal", "compact", dir.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("deleted ", stdout);
        Assert.Contains($"kept segment {Path.GetFileNameWithoutExtension(holding)} and later: it holds the entry of intent 31", stdout);
        Assert.Contains("still PENDING at the checkpoint", stdout);
        Assert.True(File.Exists(holding));
        Assert.Equal(0, Vibesync("wal", "verify", dir.Path).code);
        var shown = JsonDocument.Parse(Vibesync("wal", "show", dir.Path, "--intent", "31", "--json").stdout.Trim()).RootElement;
        Assert.Equal("PENDING", shown.GetProperty("phase").GetString());
    }

    [Fact]
    public void a_directory_that_does_not_exist_is_one_clear_error()
    {
        var (code, _, stderr) = Vibesync("wal", "verify", "/nonexistent/wal");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/wal", stderr);
    }
}
