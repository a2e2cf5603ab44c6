// Design rationale: a record carries both a CRC and a hash chain because they answer different
// questions. The CRC (over the length and payload) tells a torn or rotten write from a good one
// cheaply, record by record; the SHA-256 chain (each payload names the previous record's entry
// hash) makes the whole log tamper-evident. batch_start exists for recovery: a write that was
// never acknowledged can leave later records of the *same* write on disk without the earlier
// ones, but a good record from a *later* write proves the write before it was acknowledged, so an
// unreadable record before it is corruption, never a torn tail (docs/wal.md "Recovery").
namespace VibeSync.Wal.Format;

/// <summary>
/// On-disk layout of a segment and its records. Keep in sync with docs/wal.md.
/// <code>
/// segment file NNNNNNNNNN.wal (preallocated, zero-filled)
///  0 [8]  magic "VSWALSEG"          | 16 u64 segment number   | 32 [32] parent hash at start
///  8 u32  format version (1)         | 24 u64 first sequence   | 64 u32  crc32c of [0, 64)
/// 12 u32  reserved (0)               |                         | 68..128 zero
/// 128…    records, each starting at a multiple of 8; zeros after the last one
///
/// record
///  0 u32  length L of the payload
///  4 u32  crc32c(length ‖ payload)
///  8      payload:
///         0 u8 version (1)  1 u8 phase  2 u16 reserved (0)  4 u32 body length B
///         8 u64 sequence   16 u64 batch_start   24 u64 intent_id   32 i64 timestamp_ms
///        40 [32] parent_hash
///        72 [B]  body (UTF-8 JSON: engine, actor, scope, verification, rollback, rationale, operation)
///      72+B [32] entry_hash = SHA-256(payload [0, 72+B))
///  L = 104 + B; the record takes align8(8 + L) bytes, padding zero
/// </code>
/// </summary>
internal static class RecordLayout
{
    public const int SegmentHeaderSize = 128;
    public const int SegmentHeaderCrcOffset = 64;
    public static ReadOnlySpan<byte> SegmentMagic => "VSWALSEG"u8;
    public const uint FormatVersion = 1;

    public const int FrameHeaderSize = 8;          // length + crc
    public const int PayloadFixedSize = 72;        // up to the body
    public const int HashSize = 32;
    public const int PayloadOverhead = PayloadFixedSize + HashSize;
    public const int Alignment = 8;

    /// <summary>Largest payload accepted (a record is one intent; meshes travel elsewhere).</summary>
    public const int MaxPayload = 4 * 1024 * 1024;

    public const int OffVersion = 0, OffPhase = 1, OffReserved = 2, OffBodyLength = 4, OffSequence = 8,
        OffBatchStart = 16, OffIntentId = 24, OffTimestamp = 32, OffParent = 40, OffBody = 72;

    public static int RecordSize(int bodyLength) => Align(FrameHeaderSize + PayloadOverhead + bodyLength);

    public static int Align(int n) => (n + Alignment - 1) & ~(Alignment - 1);

    public static long Align(long n) => (n + Alignment - 1) & ~(long)(Alignment - 1);
}
