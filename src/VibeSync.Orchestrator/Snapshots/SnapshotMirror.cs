// Design rationale (issue #22 item 3, "restore REF works after a failover"): in team mode the
// safety snapshots are kept where every node can reach them — git bundles in the cluster's
// replicated store — rather than rebuilt deterministically on every node from the journal. A
// rebuild would have to make byte-identical commits in the same order on every node, and the
// leader's commits are not a function of the journal: which FINAL batches share a commit depends on
// timing (batches that pile up while git runs share one), a crash between a commit and its journal
// note leaves a commit no record names, serve's start-up commit catches up with whatever Reality
// is, and Reality before the newest checkpoint is not in the journal at all (the checkpoint holds
// the seeded scene, and only the newest is kept). One commit made differently anywhere and every
// later id differs. Shipping the leader's own commits needs none of that: the ids are the same
// because the objects are the same. The leader puts a bundle of each new commit (only what the
// previous one lacks) into the store *before* the commit's id is journaled or handed to a
// destructive intent, so any id the journal names can be restored on the node that leads next;
// standbys take the bundles in as they follow and move their repository's HEAD with them.
namespace VibeSync.Orchestrator.Snapshots;

/// <summary>
/// Where a cluster keeps its safety snapshots: one git bundle per published commit, named by the
/// commit's id, listed in the order they were put (team mode: a JetStream object store).
/// </summary>
public interface ISnapshotBundles
{
    /// <summary>Stores <paramref name="bundle"/>, which carries commit <paramref name="commit"/>.</summary>
    Task PutAsync(string commit, byte[] bundle, CancellationToken cancellationToken);

    /// <summary>The commits stored, oldest put first.</summary>
    Task<IReadOnlyList<string>> CommitsAsync(CancellationToken cancellationToken);

    /// <summary>The bundle that carries <paramref name="commit"/>.</summary>
    Task<byte[]> GetAsync(string commit, CancellationToken cancellationToken);
}

/// <summary>
/// A node's snapshot repository kept in step with the cluster's <see cref="ISnapshotBundles"/>:
/// the leader publishes its commits, a standby pulls them.
/// </summary>
public sealed class SnapshotMirror
{
    private readonly SnapshotRepository _repository;
    private readonly ISnapshotBundles _bundles;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal); // listed in the store and present here
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private string? _published; // the newest commit the store holds that this repository also holds: the next bundle's base

    /// <summary>Mirrors <paramref name="repository"/> through <paramref name="bundles"/>.</summary>
    public SnapshotMirror(SnapshotRepository repository, ISnapshotBundles bundles) => (_repository, _bundles) = (repository, bundles);

    /// <summary>Bundles the store has that this repository could not take in, with why (a fork whose base is missing).</summary>
    public List<string> Refused { get; } = new();

    /// <summary>
    /// Puts a bundle of <paramref name="commit"/> (what the last published commit lacks, or its whole
    /// history when that is not its ancestor) into the store; completes once the store has it.
    /// </summary>
    public async Task PublishAsync(string commit, CancellationToken cancellationToken = default)
    {
        if (_published == null && _known.Count == 0) await PullAsync(moveHead: false, cancellationToken).ConfigureAwait(false); // learn the store's newest first
        if (commit == _published) return;
        string? since = _published != null && await _repository.IsAncestorAsync(_published, commit).ConfigureAwait(false) ? _published : null;
        await _bundles.PutAsync(commit, await _repository.BundleAsync(commit, since).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        _known.Add(commit);
        _published = commit;
    }

    /// <summary>
    /// Takes in every bundle of the store this repository lacks, in the order they were put, and
    /// (with <paramref name="moveHead"/>) moves HEAD and the work tree to the newest; returns how many it took in.
    /// </summary>
    public async Task<int> PullAsync(bool moveHead = true, CancellationToken cancellationToken = default)
    {
        int taken = 0;
        foreach (var commit in await _bundles.CommitsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_refused.Contains(commit)) continue;
            if (_known.Add(commit) && !await _repository.HasCommitAsync(commit).ConfigureAwait(false))
            {
                try
                {
                    string carried = await _repository.TakeBundleAsync(await _bundles.GetAsync(commit, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                    if (carried != commit) throw new SnapshotException($"it carries {carried}, not {commit}");
                    taken++;
                }
                catch (SnapshotException e)
                {
                    _known.Remove(commit);
                    _refused.Add(commit); // never taken: later bundles build on the newest one that was
                    Refused.Add($"{commit}: {e.Message}");
                    continue;
                }
            }
            _published = commit;
        }
        if (moveHead && _published != null && _published != await _repository.HeadAsync().ConfigureAwait(false))
            await _repository.MoveHeadAsync(_published).ConfigureAwait(false);
        return taken;
    }
}
