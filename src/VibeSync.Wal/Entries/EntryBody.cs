using System.Buffers;
using System.Text.Json;
using VibeSync.Protocol.Intents;

namespace VibeSync.Wal.Entries;

/// <summary>
/// The JSON body of a record: every entry field that is not in the fixed binary header
/// (engine, actor, scope, verification, rollback, rationale, operation), written in a fixed key
/// order so the same entry always has the same bytes, and so the same entry hash.
/// </summary>
internal static class EntryBody
{
    /// <summary>Encodes the body of <paramref name="entry"/> as UTF-8 JSON.</summary>
    /// <exception cref="ArgumentException">The operation is not valid JSON.</exception>
    public static byte[] Encode(WalEntry entry)
    {
        // The buffer and writer are kept per thread (an appender journals from one thread: the
        // pipeline's spine), so an entry costs its body's array and nothing else (issue #20).
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var w = t_writer;
        if (w == null) t_writer = w = new Utf8JsonWriter(buffer);
        else w.Reset(buffer); // also after an entry that failed half-way
        try
        {
            w.WriteStartObject();
            WriteMembers(w, entry, writeNulls: false);
            w.WriteEndObject();
            w.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            if (buffer.Capacity > KeptBytes) (t_buffer, t_writer) = (null, null); // a large entry's buffer is not held for good
        }
    }

    private const int KeptBytes = 64 * 1024;
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// Writes the body's members into an open JSON object: the on-disk body (absent parts left
    /// out) and <c>wal show --json</c> (absent parts as null, so every line has the same keys).
    /// </summary>
    /// <exception cref="ArgumentException">The operation is not valid JSON.</exception>
    public static void WriteMembers(Utf8JsonWriter w, WalEntry entry, bool writeNulls)
    {
        w.WriteString("engine", entry.Engine);
        w.WriteString("actor", entry.Actor);
        w.WriteStartObject("scope");
        w.WriteStartArray("uuids");
        foreach (var u in entry.Scope.Uuids) w.WriteStringValue(u);
        w.WriteEndArray();
        w.WriteString("intent_class", PhaseNames.Name(entry.Scope.IntentClass));
        w.WriteEndObject();
        if (entry.Verification is { } v)
        {
            w.WriteStartObject("verification");
            WriteNullable(w, "expected_hash", v.ExpectedHash);
            WriteNullable(w, "observed_hash", v.ObservedHash);
            w.WriteNumber("epsilon", v.Epsilon);
            if (v.VerifiedAtMs is { } at) w.WriteNumber("verified_at", at); else w.WriteNull("verified_at");
            w.WriteEndObject();
        }
        else if (writeNulls) w.WriteNull("verification");
        if (entry.Rollback is { } r)
        {
            w.WriteStartObject("rollback");
            WriteNullable(w, "undo_token", r.UndoToken);
            WriteNullable(w, "snapshot_ref", r.SnapshotRef);
            WriteNullable(w, "kind", r.Kind);
            WriteNullable(w, "reason", r.Reason);
            w.WriteEndObject();
        }
        else if (writeNulls) w.WriteNull("rollback");
        if (entry.Rationale != null) w.WriteString("rationale", entry.Rationale);
        else if (writeNulls) w.WriteNull("rationale");
        if (entry.OperationJson != null)
        {
            w.WritePropertyName("operation");
            try
            {
                using var op = JsonDocument.Parse(entry.OperationJson);
                op.RootElement.WriteTo(w);
            }
            catch (JsonException e)
            {
                throw new ArgumentException("operation is not valid JSON: " + e.Message, nameof(entry), e);
            }
        }
        else if (writeNulls) w.WriteNull("operation");
    }

    /// <summary>Decodes a body back into an entry, with the header's fields.</summary>
    /// <exception cref="FormatException">The body is not a well-formed entry body.</exception>
    public static WalEntry Decode(ReadOnlySpan<byte> body, ulong intentId, IntentPhase phase, long timestampMs)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            var scope = root.GetProperty("scope");
            if (!PhaseNames.TryParse(scope.GetProperty("intent_class").GetString(), out IntentClass cls))
                throw new FormatException("unknown intent_class");
            Verification? verification = null;
            if (root.TryGetProperty("verification", out var v))
                verification = new Verification(
                    NullableString(v, "expected_hash"), NullableString(v, "observed_hash"),
                    v.GetProperty("epsilon").GetDouble(),
                    v.GetProperty("verified_at").ValueKind == JsonValueKind.Null ? null : v.GetProperty("verified_at").GetInt64());
            RollbackInfo? rollback = null;
            if (root.TryGetProperty("rollback", out var r))
                rollback = new RollbackInfo(NullableString(r, "undo_token"), NullableString(r, "snapshot_ref"),
                    NullableString(r, "kind"), NullableString(r, "reason"));
            return new WalEntry(
                intentId, phase, timestampMs,
                root.GetProperty("engine").GetString()!,
                root.GetProperty("actor").GetString()!,
                new Scope(scope.GetProperty("uuids").EnumerateArray().Select(u => u.GetString()!).ToArray(), cls),
                verification, rollback,
                root.TryGetProperty("rationale", out var why) ? why.GetString() : null,
                root.TryGetProperty("operation", out var op) ? op.GetRawText() : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException("malformed entry body: " + e.Message, e);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    private static string? NullableString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind != JsonValueKind.Null ? p.GetString() : null;
}
