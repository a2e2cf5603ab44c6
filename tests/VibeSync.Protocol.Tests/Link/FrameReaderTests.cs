using System.Buffers.Binary;
using System.IO.Pipelines;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Link;

namespace VibeSync.Protocol.Tests.Link;

/// <summary>The frame reader holds memory for bytes that arrived, never for bytes a length field promises.</summary>
public sealed class FrameReaderTests
{
    private static byte[] Header(int body)
    {
        var h = new byte[FrameCodec.LengthSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)body);
        return h;
    }

    [Fact]
    public async Task a_stalled_frame_that_claims_megabytes_holds_only_what_arrived()
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader.AsStream(), maxFrame: 16 * 1024 * 1024);
        await pipe.Writer.WriteAsync(Header(15 * 1024 * 1024));
        await pipe.Writer.WriteAsync(new byte[100]);

        // The bytes are already in the pipe, so everything up to the wait for the rest of the body
        // runs synchronously on this thread: its allocations are this thread's.
        using var cancel = new CancellationTokenSource();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var read = reader.ReadAsync(cancel.Token);
        long held = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.False(read.IsCompleted);
        Assert.True(reader.InFrame);
        Assert.True(held < 1024 * 1024, $"a frame that claims 15 MiB and sent 100 bytes allocated {held} bytes");
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task a_large_frame_arriving_in_pieces_is_returned_whole_and_exact()
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader.AsStream(), maxFrame: 4 * 1024 * 1024);
        var body = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(body);
        var expected = Header(body.Length).Concat(body).ToArray();
        var read = reader.ReadAsync(CancellationToken.None);
        for (int at = 0; at < expected.Length; at += 40_000)
            await pipe.Writer.WriteAsync(expected.AsMemory(at, Math.Min(40_000, expected.Length - at)));
        Assert.Equal(expected, await read.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task lowering_the_limit_refuses_a_frame_the_default_would_take()
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader.AsStream()) { MaxFrame = 16 * 1024 };
        await pipe.Writer.WriteAsync(Header(64 * 1024));
        var e = await Assert.ThrowsAsync<FrameException>(() => reader.ReadAsync(CancellationToken.None));
        Assert.Equal(FrameErrorCode.TooLarge, e.Code);
    }
}
