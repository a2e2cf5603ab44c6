"""SCENE reports in parts (docs/protocol.md §11.6). Standard library only."""

RECORDS_PER_PART, VERTICES_PER_PART = 5000, 100_000  # the Unity core splits alike (SceneParts.cs)


def scene_parts(report):
    """The SCENE payloads for a report (docs/protocol.md §11.6): a frame holds at most 16 MiB, so a
    large scene goes in parts of at most 5,000 objects or materials, or 100,000 mesh vertices."""
    scene = report["scene"]
    chunks = [{"objects": scene["objects"][i:i + RECORDS_PER_PART]} for i in range(0, len(scene["objects"]), RECORDS_PER_PART)]
    chunks += [{"materials": scene["materials"][i:i + RECORDS_PER_PART]} for i in range(0, len(scene["materials"]), RECORDS_PER_PART)]
    meshes, vertices = [], 0
    for m in scene["meshes"]:
        if meshes and vertices + len(m["positions"]) > VERTICES_PER_PART:
            chunks.append({"meshes": meshes})
            meshes, vertices = [], 0
        meshes.append(m)
        vertices += len(m["positions"])
    if meshes or not chunks:
        chunks.append({"meshes": meshes})
    header = {k: v for k, v in report.items() if k != "scene"}
    parts = []
    for i, chunk in enumerate(chunks):
        part = {"generation": report["generation"], "root": report["root"]} if i else dict(header)
        part.update({"part": i, "parts": len(chunks), "scene": chunk})
        parts.append(part)
    return parts
