using VibeSync.Cluster;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>The cluster tests' fixture leaves no serve behind, even a standby that never led (a test failing before the takeover).</summary>
public sealed class ClusterNodesTests : EndToEndTest
{
    private static bool Running(int pid) => File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("serve");

    [Fact]
    public async Task a_standby_that_never_led_is_stopped_with_the_nodes_of_its_test()
    {
        await using var cluster = await NatsCluster.StartAsync();
        int alpha, beta;
        await using (var nodes = new ClusterNodes(cluster))
        {
            alpha = (await nodes.LeaderAsync(Path.Combine(Work, "alpha"), "alpha")).Pid;
            var standby = await nodes.StandbyAsync(Path.Combine(Work, "beta"), "beta");
            beta = standby.Process.Pid;
            Assert.Contains("alpha leads", File.ReadAllText(standby.Status));
            Assert.False(standby.Leads.IsCompleted);
        } // what a test that throws here does: the fixture is disposed
        Assert.False(Running(alpha), "the leader was left running");
        Assert.False(Running(beta), "a standby that never led was left running");
    }
}
