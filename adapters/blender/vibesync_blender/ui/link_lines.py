"""What the sidebar panel says about the link: whether it is connected, and why not in sentences cut to the
sidebar's width (Blender labels do not wrap and cut the middle out of a long one). No bpy: tested under the
system Python (tests/test_link_lines.py)."""

from .pending_model import RATIONALE_WIDTH, wrap

ERROR_WIDTH = RATIONALE_WIDTH - 4  # error lines sit beside an icon (or its blank), about four characters wide

# The runtime's connection states as a person reads them; it retries on its own unless stopped.
STATES = {
    "connected": ("Connected", "LINKED"),
    "disconnected": ("Not connected: retrying", "UNLINKED"),
    "refused": ("Refused: retrying", "UNLINKED"),
}


def link_lines(connection, error, width=ERROR_WIDTH):
    """[(text, icon)]: the state line (None: the add-on is not connecting at all), then the error's lines."""
    if connection is None:
        lines = [("Not connected", "UNLINKED")]
    else:
        lines = [STATES.get(connection, (f"Link: {connection}", "UNLINKED"))]
    for i, part in enumerate(wrap(error, width) if error else ()):
        lines.append((part, "ERROR" if i == 0 else "BLANK1"))
    return lines
