using System.Text.Json;
using VibeSync.Cluster;

namespace VibeSync.Cli.Cluster;

/// <summary>
/// DIR/cluster.json: this node's role (standby, leader, stopped), who leads, how far it has read
/// the journal, and why it stopped leading. A standby runs no link and no control API, so this
/// file (and its log) is where it says "not the leader: NODE leads".
/// </summary>
internal sealed class ClusterStatusFile(string directory, string node)
{
    public const string FileName = "cluster.json";

    public void Write(string role, LeaderLease lease, ulong journalSequence, string? error)
    {
        var path = Path.Combine(directory, FileName);
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["node"] = node,
            ["role"] = role,
            ["leader"] = lease.Holder is { Released: false } h ? h.Node : null, // a released lease: nobody leads

            ["term"] = lease.Holder?.Term,
            ["journal_sequence"] = journalSequence,
            ["message"] = role == "standby" ? lease.NotLeaderMessage() : null,
            ["error"] = error,
        }, new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path + ".tmp", json);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
