namespace VibeSync.Cluster;

/// <summary>
/// Where team mode keeps its state in JetStream: one stream for the journal, one object store for
/// Reality's checkpoints, one KV bucket for the leader's lease. Every orchestrator of a deployment
/// uses the same names; a second deployment on the same NATS cluster uses another prefix.
/// </summary>
/// <param name="Prefix">Upper-case letters, digits and '_': the deployment's name in JetStream.</param>
/// <param name="Replicas">Replicas of each (3: a quorum of 2 survives losing one server).</param>
public sealed record ClusterNames(string Prefix = "VIBESYNC", int Replicas = 3)
{
    /// <summary>The journal's stream.</summary>
    public string Stream => Prefix + "_JOURNAL";

    /// <summary>The one subject the journal's records are published on.</summary>
    public string Subject => Prefix.ToLowerInvariant() + ".journal";

    /// <summary>The object store holding the newest checkpoint.</summary>
    public string CheckpointBucket => Prefix + "_CHECKPOINTS";

    /// <summary>The object store holding a copy of every blob (name: the blob's id).</summary>
    public string BlobBucket => Prefix + "_BLOBS";

    /// <summary>The object store holding the safety snapshots, one git bundle per published commit (name: the commit's id).</summary>
    public string SnapshotBucket => Prefix + "_SNAPSHOTS";

    /// <summary>The KV bucket holding the lease.</summary>
    public string LeaseBucket => Prefix + "_LEASE";

    /// <summary>Where standbys send control-API requests; only the leader serves it (ApiRelay).</summary>
    public string ApiSubject => Prefix.ToLowerInvariant() + ".api";
}
