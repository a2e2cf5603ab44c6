// Design rationale (issue #15 §7): a data directory is one VibeSync project, and the orchestrator
// must never "resync" an unrelated file into it — one save and the user's file would be gone.
// Editors' files carry the project's ID (a stamp the adapter writes on WELCOME), and the decision
// is taken at the handshake, before anything is read from or written to the editor:
//   * stamped with this project: welcome (a copy of the project's file is a second seat, resynced);
//   * stamped with another project, or a content schema this build does not speak: refused;
//   * unstamped: welcome if that engine instance was never paired, or if it is the very file it was
//     paired with (the stamp was written in the editor but never saved, e.g. after a crash);
//     otherwise refused — an unstamped file at another path is another file.
// Pairing deliberately is a human's command (`vibesync pair --engine E --replace`): journaled,
// snapshotted first, and it lets the next file of that engine in as a first pairing.
using System.Text.Json;
using System.Text.Json.Serialization;
using VibeSync.Protocol.Link;

namespace VibeSync.Orchestrator.Project;

/// <summary>One engine instance's pairing as <c>project.json</c> keeps it.</summary>
/// <param name="File">The editor file it was last paired (and live) with; null for a pairing made before project identity existed.</param>
/// <param name="PairedAt">When.</param>
public sealed record EnginePairing(
    [property: JsonPropertyName("file")] string? File,
    [property: JsonPropertyName("paired_at")] DateTimeOffset PairedAt);

/// <summary><c>DIR/project.json</c>: the project's identity and which file each engine instance is paired with.</summary>
public sealed record ProjectRecord(
    [property: JsonPropertyName("project_id")] string ProjectId,
    [property: JsonPropertyName("schema")] int Schema,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("engines")] IReadOnlyDictionary<string, EnginePairing> Engines,
    [property: JsonPropertyName("replace_next")] IReadOnlyList<string> ReplaceNext);

/// <summary>
/// The data directory's project: its ID (told to adapters in WELCOME), the file each engine
/// instance is paired with, and the admission rule of a HELLO. Thread-safe: readers see the
/// record last written; changes are written to disk (write, fsync, rename) before they count.
/// </summary>
public sealed class ProjectIdentity
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly string _path;
    private readonly object _write = new();
    private volatile ProjectRecord _record;

    private ProjectIdentity(string path, ProjectRecord record)
    {
        _path = path;
        _record = record;
    }

    /// <summary>Where it lives in a data directory.</summary>
    public static string PathIn(string dataDir) => Path.Combine(dataDir, "project.json");

    /// <summary>
    /// Reads <c>DIR/project.json</c>, or creates it with a new project ID. Engines
    /// <paramref name="pairedBefore"/> (the log's pairings of a data directory older than project
    /// identity) keep their pairing with whichever file attaches first.
    /// </summary>
    /// <exception cref="InvalidDataException">The file exists but is not a project record.</exception>
    public static ProjectIdentity LoadOrCreate(string dataDir, IEnumerable<string> pairedBefore)
    {
        var path = PathIn(dataDir);
        if (File.Exists(path))
        {
            ProjectRecord? read;
            try { read = JsonSerializer.Deserialize<ProjectRecord>(File.ReadAllText(path), Json); }
            catch (JsonException e) { throw new InvalidDataException($"{path} is not a project record: {e.Message}", e); }
            if (read == null || !Guid.TryParse(read.ProjectId, out _) || read.Engines == null)
                throw new InvalidDataException($"{path} is not a project record (project_id must be a UUID); restore it from a backup, or move the data directory aside");
            return new ProjectIdentity(path, read with { ReplaceNext = read.ReplaceNext ?? Array.Empty<string>() });
        }
        var now = DateTimeOffset.UtcNow;
        var created = new ProjectIdentity(path, new ProjectRecord(Guid.NewGuid().ToString(), ContentSchema.Current, now,
            pairedBefore.ToDictionary(e => e, _ => new EnginePairing(null, now), StringComparer.Ordinal), Array.Empty<string>()));
        created.Write(created._record);
        return created;
    }

    /// <summary>The project's ID.</summary>
    public string ProjectId => _record.ProjectId;

    /// <summary>The record as last written.</summary>
    public ProjectRecord Record => _record;

    /// <summary>True when a human asked that the next file of <paramref name="engine"/> be paired whatever it is.</summary>
    public bool ReplacePending(string engine) => _record.ReplaceNext.Contains(engine);

    /// <summary>
    /// May the file a HELLO describes join this project? Null to welcome it, else the REFUSED code
    /// and the sentence the editor shows, naming the file, its project and the command that pairs
    /// it deliberately. <paramref name="paired"/>: that engine instance is paired already.
    /// </summary>
    public (string Code, string Message)? Admit(Hello hello, bool paired, string dataDir)
    {
        var record = _record;
        string file = hello.File.Length == 0 ? "an unsaved file" : hello.File;
        string pairCommand = $"vibesync pair --engine {hello.Engine} --replace --data {Path.GetFullPath(dataDir)}";
        // Schema 1 is a subset of 2 (its meshes are read in the inline form): both are let in; a newer one is not.
        if (!ContentSchema.IsReadable(hello.Schema))
            return ("SCHEMA_MISMATCH", $"{file} uses VibeSync content schema {hello.Schema}, and this orchestrator reads schemas {ContentSchema.Oldest}–{ContentSchema.Current}: " +
                $"nothing was read or changed; use a VibeSync orchestrator and adapter of the same version");
        if (record.ReplaceNext.Contains(hello.Engine) || hello.ProjectId == record.ProjectId) return null;
        if (hello.ProjectId.Length > 0)
            return ("PROJECT_MISMATCH", $"{file} belongs to VibeSync project {hello.ProjectId}, not to project {record.ProjectId} " +
                $"(data directory {Path.GetFullPath(dataDir)}): nothing was read or changed. Open the data directory of that project, " +
                $"or, to pair this file with this project deliberately (Reality is snapshotted first): {pairCommand}");
        if (!paired) return null;
        var pairing = record.Engines.TryGetValue(hello.Engine, out var p) ? p : null;
        if (pairing == null || pairing.File == null || pairing.File == hello.File) return null;
        return ("PROJECT_MISMATCH", $"{file} carries no VibeSync project stamp, and {hello.Engine} is paired with {pairing.File} in project {record.ProjectId}: " +
            $"nothing was read or changed. Open {pairing.File} (or a copy of it), or, to pair this file with this project deliberately (Reality is snapshotted first): {pairCommand}");
    }

    /// <summary>An engine instance is live with <paramref name="file"/>: the file unstamped attaches are compared with; a pending replace is done.</summary>
    public void Paired(string engine, string? file)
    {
        lock (_write)
        {
            var r = _record;
            var engines = new Dictionary<string, EnginePairing>(r.Engines, StringComparer.Ordinal) { [engine] = new EnginePairing(file ?? "", DateTimeOffset.UtcNow) };
            Write(r with { Engines = engines, ReplaceNext = r.ReplaceNext.Where(e => e != engine).ToArray() });
        }
    }

    /// <summary>A human's <c>pair --replace</c>: the next file of <paramref name="engine"/> is welcomed whatever its stamp, as a first pairing.</summary>
    public void ReplaceNext(string engine)
    {
        lock (_write)
        {
            var r = _record;
            if (!r.ReplaceNext.Contains(engine)) Write(r with { ReplaceNext = r.ReplaceNext.Append(engine).ToArray() });
        }
    }

    private void Write(ProjectRecord record)
    {
        Data.PrivateFiles.WriteAtomic(_path, f => JsonSerializer.Serialize(f, record, Json));
        _record = record;
    }
}
