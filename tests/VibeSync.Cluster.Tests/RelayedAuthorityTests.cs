using VibeSync.Cluster.ApiRelay;

namespace VibeSync.Cluster.Tests;

/// <summary>What Host and Origin a standby's relayed request carries to the leader's API (standby port 5000, leader 6000).</summary>
public sealed class RelayedAuthorityTests
{
    [Theory]
    [InlineData("127.0.0.1:5000", "127.0.0.1:6000")]
    [InlineData("localhost:5000", "localhost:6000")]
    [InlineData("LOCALHOST:5000", "localhost:6000")]
    public void the_standbys_own_names_become_the_leaders(string host, string expected) =>
        Assert.Equal(expected, RelayedAuthority.Host(host, 5000, 6000));

    [Theory]
    [InlineData("rebind.example:5000")]
    [InlineData("127.0.0.1:5001")]
    [InlineData("127.0.0.1")]
    [InlineData("")]
    public void any_other_host_reaches_the_leader_unchanged_and_is_refused_there(string host) =>
        Assert.Equal(host, RelayedAuthority.Host(host, 5000, 6000));

    [Theory]
    [InlineData("127.0.0.1:6000")]
    [InlineData("localhost:6000")]
    public void the_leaders_own_name_sent_to_the_standbys_port_is_no_way_in(string host) =>
        Assert.Equal(RelayedAuthority.Foreign, RelayedAuthority.Host(host, 5000, 6000));

    [Fact]
    public void the_same_port_on_both_machines_maps_to_itself() =>
        Assert.Equal("127.0.0.1:6000", RelayedAuthority.Host("127.0.0.1:6000", 6000, 6000));

    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:6000")]
    [InlineData("http://localhost:5000", "http://localhost:6000")]
    [InlineData("http://rebind.example:5000", "http://rebind.example:5000")]
    [InlineData("null", "null")]
    [InlineData("https://127.0.0.1:5000", "https://127.0.0.1:5000")]
    [InlineData("http://127.0.0.1:6000", "http://" + RelayedAuthority.Foreign)]
    public void origins_follow_the_same_rule(string origin, string expected) =>
        Assert.Equal(expected, RelayedAuthority.Origin(origin, 5000, 6000));

    [Theory]
    [InlineData("http://127.0.0.1:6000/console/", "http://127.0.0.1:5000/console/")]
    [InlineData("/console/intents/3", "/console/intents/3")]
    [InlineData("http://127.0.0.1:60000/x", "http://127.0.0.1:60000/x")]
    public void a_redirect_to_the_leader_points_at_the_standby(string location, string expected) =>
        Assert.Equal(expected, RelayedAuthority.Location(location, 5000, 6000));
}
