// Design rationale (DESIGN §9): Reality is kept in a plain git repository, one canonical file
// per object, material and mesh, so a human can browse, diff and blame the scene's history with
// ordinary tools, and a restore is a read of files at a commit. We drive the `git` command line
// (LibGit2Sharp is not served here). `core.fsync=all` (with the batch method) makes a commit git reports as done durable,
// which is what lets its id be journaled. Only records that changed since the last commit are
// rewritten, so a batch that moved one object costs one file.
using System.Diagnostics;
using VibeSync.Orchestrator.Data;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Orchestrator.Snapshots;

/// <summary>A git repository of Reality: objects/UUID.json, materials/UUID.json, meshes/UUID.json.</summary>
public sealed class SnapshotRepository
{
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal); // relative path → record hash as last written

    private readonly Collection.PinnedBlobs? _pins;

    private SnapshotRepository(string directory, Collection.PinnedBlobs? pins)
    {
        Directory = directory;
        _pins = pins;
    }

    /// <summary>The repository's work tree.</summary>
    public string Directory { get; }

    /// <summary>
    /// Opens (creating and configuring if needed) the repository at <paramref name="directory"/>.
    /// With <paramref name="pins"/>, every blob a commit's meshes name is pinned, durably, before the commit is made.
    /// </summary>
    /// <exception cref="SnapshotException">git is missing or fails.</exception>
    public static async Task<SnapshotRepository> OpenAsync(string directory, Collection.PinnedBlobs? pins = null)
    {
        PrivateFiles.EnsureDirectory(directory); // Reality's history is its owner's only (issue #16)
        var repo = new SnapshotRepository(directory, pins);
        if (!System.IO.Directory.Exists(Path.Combine(directory, ".git")))
        {
            await repo.GitAsync("init", "-q", "--shared=0600").ConfigureAwait(false);
            PrivateFiles.CreateNew(Path.Combine(directory, "README.md"),
                "# VibeSync safety snapshots\n\nReality, one canonical scene JSON per record (objects/, materials/, meshes/).\n" +
                "Each commit is a FINAL batch or a snapshot taken before a destructive intent; the WAL records its id.\n" +
                "Restore with `vibesync restore REF [--uuid U…]` (a normal, journaled and verified intent). Do not edit by hand.\n");
        }
        // Every time: an older repository gets the durability and privacy settings too (git makes what it writes 0600, its directories 0700).
        await repo.GitAsync("config", "core.sharedRepository", "0600").ConfigureAwait(false);
        await repo.GitAsync("config", "core.fsync", "all").ConfigureAwait(false);
        // batch: each object written without its own fsync, one full sync at the end of the command
        // (git ≥ 2.36) — the first snapshot of a 10,000-object scene is 10,000 objects.
        await repo.GitAsync("config", "core.fsyncMethod", "batch").ConfigureAwait(false);
        await repo.GitAsync("config", "user.name", "VibeSync").ConfigureAwait(false);
        await repo.GitAsync("config", "user.email", "vibesync@localhost").ConfigureAwait(false);
        await repo.GitAsync("config", "commit.gpgsign", "false").ConfigureAwait(false);
        return repo;
    }

    /// <summary>
    /// Writes <paramref name="scene"/> (the whole of Reality, or with <paramref name="only"/> just
    /// those records) and commits it; returns the commit, or the current head when nothing changed.
    /// </summary>
    public async Task<SnapshotCommit> CommitAsync(Scene scene, string message, IReadOnlySet<string>? only = null)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        void Put(string folder, string uuid, Scene record, byte[] hash)
        {
            string rel = folder + "/" + uuid + ".json";
            present.Add(rel);
            string hex = Hex.Encode(hash);
            if (_written.TryGetValue(rel, out var last) && last == hex && File.Exists(Path.Combine(Directory, rel))) return;
            PrivateFiles.EnsureDirectory(Path.Combine(Directory, folder));
            PrivateFiles.Write(Path.Combine(Directory, rel), SceneJsonWriter.Write(record, Space.Canonical));
            _written[rel] = hex;
        }
        foreach (var o in scene.Objects)
            if (only == null || only.Contains(o.Uuid)) Put("objects", o.Uuid, new Scene(new[] { o }, Array.Empty<Material>(), Array.Empty<Mesh>()), RecordHash.Of(o));
        foreach (var m in scene.Materials)
            if (only == null || only.Contains(m.Uuid)) Put("materials", m.Uuid, new Scene(Array.Empty<SceneObject>(), new[] { m }, Array.Empty<Mesh>()), RecordHash.Of(m));
        foreach (var m in scene.Meshes)
            if (only == null || only.Contains(m.Uuid)) Put("meshes", m.Uuid, new Scene(Array.Empty<SceneObject>(), Array.Empty<Material>(), new[] { m }), RecordHash.Of(m));
        foreach (var i in scene.Images)
            if (only == null || only.Contains(i.Uuid)) Put("images", i.Uuid, Scene.Empty with { Images = new[] { i } }, RecordHash.Of(i));
        foreach (var k in scene.Skins)
            if (only == null || only.Contains(k.Uuid)) Put("skins", k.Uuid, Scene.Empty with { Skins = new[] { k } }, RecordHash.Of(k));
        foreach (var a in scene.Animations)
            if (only == null || only.Contains(a.Uuid)) Put("animations", a.Uuid, Scene.Empty with { Animations = new[] { a } }, RecordHash.Of(a));
        if (only == null)
            foreach (var folder in new[] { "objects", "materials", "meshes", "images", "skins", "animations" })
            {
                var dir = Path.Combine(Directory, folder);
                if (!System.IO.Directory.Exists(dir)) continue;
                foreach (var file in System.IO.Directory.GetFiles(dir, "*.json"))
                {
                    string rel = folder + "/" + Path.GetFileName(file);
                    if (present.Contains(rel)) continue;
                    File.Delete(file);
                    _written.Remove(rel);
                }
            }
        // Before the commit exists: a crash between the two leaves a pin too many, never a snapshot whose blobs may be collected.
        _pins?.Pin((only == null ? scene : scene with
        {
            Meshes = scene.Meshes.Where(m => only.Contains(m.Uuid)).ToArray(),
            Images = scene.Images.Where(i => only.Contains(i.Uuid)).ToArray(),
            Skins = scene.Skins.Where(k => only.Contains(k.Uuid)).ToArray(),
            Animations = scene.Animations.Where(a => only.Contains(a.Uuid)).ToArray(),
        }).BlobIds());
        await GitAsync("add", "-A").ConfigureAwait(false);
        // git says whether anything differs from HEAD (the write cache above starts empty after a restart).
        bool changed = (await RunGitAsync("diff", "--cached", "--quiet").ConfigureAwait(false)).Code != 0;
        if (changed)
        {
            await GitAsync("commit", "-q", "-m", message).ConfigureAwait(false);
            PrivateFiles.Tighten(Path.Combine(Directory, ".git", "COMMIT_EDITMSG")); // the one file git writes without core.sharedRepository
        }
        return new SnapshotCommit((await GitAsync("rev-parse", "HEAD").ConfigureAwait(false)).Trim(), changed);
    }

    /// <summary>The newest <paramref name="limit"/> snapshots, newest first (none before the first commit).</summary>
    public async Task<IReadOnlyList<SnapshotEntry>> LogAsync(int limit)
    {
        var (code, output, _) = await RunGitAsync("log", $"-n{Math.Max(1, limit)}", "--format=%H%x09%ct%x09%s").ConfigureAwait(false);
        if (code != 0) return Array.Empty<SnapshotEntry>(); // no commit yet
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t', 3))
            .Where(f => f.Length == 3 && long.TryParse(f[1], out _))
            .Select(f => new SnapshotEntry(f[0], DateTimeOffset.FromUnixTimeSeconds(long.Parse(f[1])), f[2])).ToList();
    }

    /// <summary>The records at <paramref name="reference"/> (a commit id, a tag, HEAD~3, …).</summary>
    /// <exception cref="SnapshotException">No such commit, or its files do not read as records.</exception>
    public async Task<Scene> ReadAsync(string reference)
    {
        if (!IsReference(reference))
            throw new SnapshotException($"\"{Printable(reference)}\" is not a commit reference: a commit id, a tag or HEAD~N, written with letters, digits and . _ / ~ ^ @ {{ }} - " +
                "(not starting with -); a NUL or any other control character is refused, never cut");
        string commit = (await GitAsync("rev-parse", "--verify", "--quiet", reference + "^{commit}").ConfigureAwait(false)).Trim();
        var files = (await GitAsync("ls-tree", "-r", "--name-only", commit).ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(f => f.EndsWith(".json", StringComparison.Ordinal) && f.Contains('/')).ToList();
        var parts = new List<Scene>(files.Count);
        foreach (var file in files)
        {
            string text = await GitAsync("show", commit + ":" + file).ConfigureAwait(false);
            try { parts.Add(SceneJsonReader.ReadCanonicalRecords(JsonParser.Parse(text))); }
            catch (Exception e) when (e is SceneFormatException or JsonParseException)
            {
                throw new SnapshotException($"{file} at {commit[..12]} is not a record: {e.Message}");
            }
        }
        return Scene.Join(parts);
    }

    /// <summary>
    /// Every blob id any commit's mesh files ever named (each appears on an added line of the
    /// commit that introduced it): the pins of a repository made before pins were kept. Walks the
    /// whole history once; after that, <see cref="Collection.PinnedBlobs"/> is kept as commits are made.
    /// </summary>
    public async Task<IReadOnlyCollection<string>> BlobIdsInHistoryAsync()
    {
        if ((await RunGitAsync("rev-parse", "--verify", "--quiet", "HEAD").ConfigureAwait(false)).Code != 0) return Array.Empty<string>(); // no commit yet
        string diffs = await GitAsync("log", "--all", "-p", "--format=", "--", "meshes").ConfigureAwait(false);
        return System.Text.RegularExpressions.Regex.Matches(diffs, "\"([0-9a-f]{64})\"").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The commit HEAD names, or null before the first commit.</summary>
    public async Task<string?> HeadAsync()
    {
        var (code, output, _) = await RunGitAsync("rev-parse", "--verify", "--quiet", "HEAD^{commit}").ConfigureAwait(false);
        return code == 0 ? output.Trim() : null;
    }

    /// <summary>True when the repository holds commit <paramref name="commit"/> (a full id).</summary>
    public async Task<bool> HasCommitAsync(string commit) =>
        IsCommitId(commit) && (await RunGitAsync("cat-file", "-e", commit + "^{commit}").ConfigureAwait(false)).Code == 0;

    /// <summary>True when <paramref name="commit"/> (a full id) is in the repository and an ancestor of (or is) <paramref name="of"/>.</summary>
    public async Task<bool> IsAncestorAsync(string commit, string of) =>
        IsCommitId(commit) && IsCommitId(of) && (await RunGitAsync("merge-base", "--is-ancestor", commit, of).ConfigureAwait(false)).Code == 0;

    /// <summary>
    /// A git bundle of <paramref name="commit"/>'s history that <paramref name="since"/> (an
    /// ancestor of it, or null: everything) does not already hold, as bytes.
    /// </summary>
    public async Task<byte[]> BundleAsync(string commit, string? since)
    {
        if (!IsCommitId(commit) || since != null && !IsCommitId(since)) throw new SnapshotException($"not commit ids: {Printable(commit)}, {Printable(since ?? "")}");
        // A bundle carries refs, not bare ids: a private ref names the commit while it is bundled.
        await GitAsync("update-ref", BundleRef, commit).ConfigureAwait(false);
        string file = Path.Combine(Directory, ".git", "vibesync-bundle.tmp");
        try
        {
            await GitAsync("bundle", "create", "-q", file, since == null ? BundleRef : since + ".." + BundleRef).ConfigureAwait(false);
            return await File.ReadAllBytesAsync(file).ConfigureAwait(false);
        }
        finally { File.Delete(file); }
    }

    /// <summary>
    /// Takes in a bundle made by <see cref="BundleAsync"/> (its objects verified by git) and
    /// returns the commit it carries; the work tree and HEAD are not moved.
    /// </summary>
    /// <exception cref="SnapshotException">Not a bundle, or it needs commits this repository lacks.</exception>
    public async Task<string> TakeBundleAsync(byte[] bundle)
    {
        string file = Path.Combine(Directory, ".git", "vibesync-take.tmp");
        await File.WriteAllBytesAsync(file, bundle).ConfigureAwait(false);
        try
        {
            var (code, _, errors) = await RunGitAsync("bundle", "verify", "-q", file).ConfigureAwait(false);
            if (code != 0) throw new SnapshotException($"the bundle does not apply here: {errors.Trim()}");
            await GitAsync("fetch", "-q", file, BundleRef).ConfigureAwait(false);
            return (await GitAsync("rev-parse", "FETCH_HEAD^{commit}").ConfigureAwait(false)).Trim();
        }
        finally { File.Delete(file); }
    }

    /// <summary>Moves HEAD and the work tree to <paramref name="commit"/> (a standby's repository following the leader's).</summary>
    public async Task MoveHeadAsync(string commit)
    {
        if (!IsCommitId(commit)) throw new SnapshotException($"not a commit id: {Printable(commit)}");
        await GitAsync("reset", "-q", "--hard", commit).ConfigureAwait(false);
        _written.Clear(); // the files are the commit's now, not what this instance last wrote
    }

    private const string BundleRef = "refs/vibesync/bundled";

    private static bool IsCommitId(string text) => text.Length == 40 && text.All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// What git may be given as a revision: nothing it could read as an option, and no control
    /// character (issue #16: the OS cuts an argument at a NUL, so <c>HEAD~1\0junk</c> restored HEAD~1).
    /// </summary>
    private static bool IsReference(string reference) =>
        reference.Length is > 0 and <= 256 && reference[0] != '-'
        && reference.All(c => c < 128 && (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or '~' or '^' or '@' or '{' or '}' or '-'));

    private static string Printable(string text) =>
        string.Concat(text.Take(80).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) + (text.Length > 80 ? "…" : "");

    private async Task<string> GitAsync(params string[] args)
    {
        var (code, output, errors) = await RunGitAsync(args).ConfigureAwait(false);
        if (code != 0) throw new SnapshotException($"git {string.Join(' ', args.Take(2))} failed ({code}): {errors.Trim()}");
        return output;
    }

    private async Task<(int Code, string Output, string Errors)> RunGitAsync(params string[] args)
    {
        // An argument with a NUL would reach git cut short, as another argument than the one meant.
        if (args.FirstOrDefault(a => a.Contains('\0')) is { } cut) throw new SnapshotException($"refusing to run git with an argument that holds a NUL: \"{Printable(cut)}\"");
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Directory };
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        foreach (var a in args) info.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new SnapshotException($"git is not installed (apt-get install git): {e.Message}"); }
        using (p)
        {
            var output = p.StandardOutput.ReadToEndAsync();
            var errors = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().ConfigureAwait(false);
            return (p.ExitCode, await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
        }
    }
}

/// <summary>A commit of the snapshot repository.</summary>
/// <param name="Id">The commit id (the current head when nothing changed).</param>
/// <param name="Changed">A new commit was made.</param>
public sealed record SnapshotCommit(string Id, bool Changed);

/// <summary>One snapshot in the repository's history.</summary>
/// <param name="Commit">Its commit id.</param>
/// <param name="At">When it was committed.</param>
/// <param name="Message">Its commit message (which FINAL intents it follows, or why it was taken).</param>
public sealed record SnapshotEntry(string Commit, DateTimeOffset At, string Message);

/// <summary>A snapshot could not be written or read.</summary>
public sealed class SnapshotException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SnapshotException(string message) : base(message) { }
}
