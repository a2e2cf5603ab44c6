"""The VibeSync project a .blend belongs to (PROTOCOL 1.1, project identity): two custom properties
of the synced scene, ``vibesync_project`` (the data directory's project ID) and ``vibesync_schema``
(the content schema it was written with). They are saved with the file like any custom property.

The adapter reports the stamp in its HELLO and writes it only after a WELCOME, when it differs from
the orchestrator's: stamping is not an edit and is never reported. A file the orchestrator refuses
is never written to. Main thread only.
"""

from dataclasses import dataclass

from ..link.session import CONTENT_SCHEMA

PROJECT = "vibesync_project"
SCHEMA = "vibesync_schema"
MAX_PROJECT_ID = 200


@dataclass(frozen=True)
class Stamp:
    project_id: str = ""          # "" when the file carries none
    schema: int = CONTENT_SCHEMA  # the stamp's; the adapter's own for an unstamped file


def stamp_of(scene):
    """The scene's stamp as HELLO reports it. A malformed one (hand-edited) counts as none."""
    project_id, schema = scene.get(PROJECT), scene.get(SCHEMA)
    if not isinstance(project_id, str) or not 0 < len(project_id) <= MAX_PROJECT_ID:
        return Stamp()
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 0:
        schema = CONTENT_SCHEMA
    return Stamp(project_id, schema)


def stamp(scene, project_id, schema):
    """Writes the orchestrator's project into the scene when it differs; returns True if it wrote."""
    if not project_id or (scene.get(PROJECT), scene.get(SCHEMA)) == (project_id, schema):
        return False
    scene[PROJECT] = project_id
    scene[SCHEMA] = schema
    return True
