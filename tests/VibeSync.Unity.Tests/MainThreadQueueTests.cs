using VibeSync.Unity.Threading;

namespace VibeSync.Unity.Tests;

/// <summary>
/// The main-thread queue wakes its host: an unfocused Unity editor ticks rarely, so work posted from
/// the link's thread, or left behind by a drain whose budget ran out, asks for the next tick.
/// </summary>
public sealed class MainThreadQueueTests
{
    [Fact]
    public async Task work_posted_from_another_thread_wakes_the_host()
    {
        int wakes = 0;
        var queue = new MainThreadQueue(() => Interlocked.Increment(ref wakes));
        await Task.Run(() => queue.Post(() => { }));
        Assert.Equal(1, wakes);
        Assert.Equal(1, queue.Drain(TimeSpan.FromSeconds(1)));
        Assert.Equal(1, wakes); // nothing left behind: no further wake
    }

    [Fact]
    public void a_drain_that_runs_out_of_budget_wakes_the_host_for_the_rest()
    {
        int wakes = 0;
        var queue = new MainThreadQueue(() => wakes++);
        for (int i = 0; i < 3; i++) queue.Post(() => Thread.Sleep(5));
        wakes = 0;
        Assert.Equal(1, queue.Drain(TimeSpan.Zero));
        Assert.Equal(1, wakes);
        Assert.Equal(2, queue.Count);
    }
}
