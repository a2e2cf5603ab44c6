"""What the sidebar panel shows of the AI intents waiting for a human, and the console page its
**Review in console** button opens. No bpy: tested under the system Python (tests/test_pending_panel.py).
Nothing here approves or denies: the console does, as the human (docs/blender.md)."""

SHOWN = 10            # intents drawn; the console lists every one
RATIONALE_LINES = 4   # lines of a rationale drawn; the console shows it whole
WIDTH = 60            # characters per label: Blender labels do not wrap
RATIONALE_WIDTH = 28  # the sidebar's default width (seen in the GUI test's screenshot); a wider one cuts nothing


def wrap(text, width=WIDTH):
    """Blender labels do not wrap: long sentences are cut into lines at spaces (and inside a word
    longer than a line)."""
    lines, line = [], ""
    for word in text.split():
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


class PendingRow:
    """One intent as the panel draws it: a heading, the start of its rationale, and its id for the button."""

    __slots__ = ("intent_id", "heading", "rationale")

    def __init__(self, intent_id, heading, rationale):
        self.intent_id, self.heading, self.rationale = intent_id, heading, rationale


def pending_rows(pending):
    """(title, rows, more): the box's title, a row per intent drawn, and the line saying how many
    more the console lists (None when all are drawn). Empty title: nothing waits."""
    if pending.total == 0:
        return "", [], None
    title = f"AI intents to review: {pending.total}"
    rows = []
    for intent in pending.intents[:SHOWN]:
        lines = wrap(intent.rationale, RATIONALE_WIDTH) or ["(no rationale given)"]
        if len(lines) > RATIONALE_LINES:
            lines = lines[:RATIONALE_LINES - 1] + [lines[RATIONALE_LINES - 1][:RATIONALE_WIDTH - 1] + "…"]
        rows.append(PendingRow(intent.id, f"#{intent.id} {intent.actor} · {intent.cls}", lines))
    more = pending.total - len(rows)
    return title, rows, (f"… and {more} more in the console" if more > 0 else None)


def review_url(pending, intent_id):
    """The console's page of one listed intent; ValueError (a sentence) when it is not listed now."""
    if pending.console is None or not any(i.id == intent_id for i in pending.intents):
        raise ValueError(f"intent {intent_id} is not waiting any more (the list changed); `vibesync status` shows what is pending")
    return pending.page_url(intent_id)
