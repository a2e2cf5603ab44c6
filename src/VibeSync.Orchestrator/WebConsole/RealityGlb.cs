using VibeSync.Export;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// Reality as the 3D view loads it (<c>/console/reality.glb</c>): the binary glTF that
/// <c>vibesync export --gltf --engine reality</c> writes (<see cref="GltfExport"/>, one source), within a
/// bound. A scene over it is not built at all: the page draws boxes instead and says why, rather
/// than stall on a download and a parse the browser may not finish.
/// </summary>
internal static class RealityGlb
{
    /// <summary>Most objects the view loads as glTF (one three.js node each, drawn every frame).</summary>
    public const int MaxObjects = 2_000;

    /// <summary>Most bytes of vertex data and images (blobs) the GLB may carry.</summary>
    public const long MaxBlobBytes = 48L * 1024 * 1024;

    /// <summary>The GLB, or why it is not built and the HTTP status that says so: 413 over the bound, 500 when a record names a blob or record that is not there.</summary>
    public static (byte[]? Glb, int Status, string? Why) Build(OrchestratorService service)
    {
        var scene = service.Pipeline.Reality.ToScene();
        if (scene.Objects.Count > MaxObjects)
            return (null, 413, $"Reality holds {scene.Objects.Count} objects, more than the {MaxObjects} the 3D view loads as meshes");
        long bytes = 0;
        foreach (var id in scene.BlobIds().Distinct(StringComparer.Ordinal))
            if (service.Blobs.TryGetShape(id, out var shape)) bytes += shape.ByteLength; // headers only: a bound must not read what it bounds
        if (bytes > MaxBlobBytes)
            return (null, 413, $"Reality's meshes and images weigh {bytes / (1024 * 1024)} MiB, more than the {MaxBlobBytes / (1024 * 1024)} MiB the 3D view loads");
        try { return (GltfExport.Glb(scene, service.Blobs, "VibeSync reality"), 200, null); }
        catch (InvalidDataException e) { return (null, 500, e.Message); }
    }
}
