"""SCENE reports in parts (docs/protocol.md §11.6). Standard library only."""

from .limits import Limits, payload_size, record_bound

RECORDS_PER_PART, VERTICES_PER_PART = 5000, 100_000  # the Unity core splits alike (SceneParts.cs)


def scene_parts(report, limits=Limits()):
    """The SCENE payloads for a report (docs/protocol.md §11.6): parts of at most 5,000 objects or
    materials or images, or 100,000 mesh vertices, and never a frame over ``limits.frame_bytes``: records are
    packed by an upper bound of their JSON size, so a part stays within the frame whatever the
    numbers' digits. Every record must fit one frame on its own (the reader reports a mesh that
    does not as RESOURCE_LIMIT and leaves it out)."""
    scene = report["scene"]
    header = {k: v for k, v in report.items() if k != "scene"}
    budget = limits.record_budget
    chunks = []
    # images before the materials naming them; skins and animations (content schema 4) last, after what they name
    for table in ("objects", "images", "materials", "meshes", "skins", "animations"):
        records, size, vertices = [], 0, 0
        for r in scene.get(table, ()):
            bound = record_bound(r)
            count = len(r.get("positions", ())) if table == "meshes" else 1
            limit = VERTICES_PER_PART if table == "meshes" else RECORDS_PER_PART
            if records and (size + bound > budget or vertices + count > limit):
                chunks.append({table: records})
                records, size, vertices = [], 0, 0
            records.append(r)
            size += bound + 2
            vertices += count
        if records:
            chunks.append({table: records})
    if not chunks:
        chunks.append({"meshes": []})
    if payload_size(header) + sum(record_bound(r) for rs in chunks[0].values() for r in rs) > budget:
        chunks.insert(0, {"objects": []})  # a long not-synced list travels alone in part 0
    parts = []
    for i, chunk in enumerate(chunks):
        part = {"generation": report["generation"], "root": report["root"]} if i else dict(header)
        part.update({"part": i, "parts": len(chunks), "scene": chunk})
        parts.append(part)
    return parts
