"""PENDING_INTENTS (docs/protocol.md §11.9): the orchestrator tells an adapter which AI intents wait
for a human, and where the console shows each one. The adapter only shows them and opens the
console's page; there is no message by which an adapter approves or denies. The C# twin is
src/VibeSync.Protocol/Link/PendingIntents.cs; testdata/pending_vectors.json pins both.

Needs no bpy: the panel's model (ui/pending_model.py) and the tests use it under the system Python."""

import json
import re

MAX_INTENTS = 100          # listed at most; ``total`` counts them all
MAX_RATIONALE = 500        # characters (Unicode code points); the orchestrator clips longer ones
MAX_ACTOR = 200
MAX_ID = 2 ** 53           # what a JSON number holds exactly in every reader
CLASSES = ("cosmetic", "structural", "destructive")
_CONSOLE = re.compile(r"http://127\.0\.0\.1:([1-9][0-9]{0,4})/console/")


class PendingError(ValueError):
    """A PENDING_INTENTS payload that is not what the orchestrator writes; ``path`` names the field."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class PendingIntent:
    __slots__ = ("id", "actor", "cls", "rationale")

    def __init__(self, id, actor, cls, rationale):
        self.id, self.actor, self.cls, self.rationale = id, actor, cls, rationale

    def __eq__(self, other):
        return isinstance(other, PendingIntent) and self.as_dict() == other.as_dict()

    def __repr__(self):
        return f"PendingIntent({self.as_dict()!r})"

    def as_dict(self):
        return {"id": self.id, "actor": self.actor, "class": self.cls, "rationale": self.rationale}


class PendingIntents:
    """One PENDING_INTENTS payload: the console's base URL, the listed intents (ascending id), the total."""

    __slots__ = ("console", "intents", "total")

    def __init__(self, console, intents, total):
        self.console, self.intents, self.total = console, list(intents), total

    @classmethod
    def none(cls):
        """What an adapter knows before the orchestrator said anything in this session."""
        return cls(None, [], 0)

    def page_url(self, intent_id):
        """The console's page of one intent: ``console`` + ``intents/`` + id."""
        if self.console is None:
            raise ValueError("the orchestrator has not said where its console is")
        return page_url(self.console, intent_id)


def page_url(console, intent_id):
    return f"{console}intents/{int(intent_id)}"


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise PendingError("payload", f"duplicate key '{k}'")
    return dict(pairs)


def _check_fields(obj, path, fields):
    prefix = f"{path}." if path else ""
    for k in obj:
        if k not in fields:
            raise PendingError(prefix + k, "unknown field")
    for k in fields:
        if k not in obj:
            raise PendingError(prefix + k, "missing field")


def check_console(url, path="console"):
    """The console's base URL, refused unless it is ``http://127.0.0.1:PORT/console/``: an adapter opens
    it in the user's browser, so it never opens anything but the loopback console."""
    m = _CONSOLE.fullmatch(url) if isinstance(url, str) else None
    if m is None or int(m.group(1)) > 65535:
        raise PendingError(path, "expected http://127.0.0.1:PORT/console/ (loopback, port 1–65535)")
    return url


def parse_pending(text):
    """Reads a PENDING_INTENTS payload strictly; raises PendingError naming the field."""
    def constant(c):
        raise PendingError("payload", f"{c} is not JSON")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=constant)
    except PendingError:
        raise
    except ValueError as e:
        raise PendingError("payload", f"not JSON: {e}")
    if not isinstance(data, dict):
        raise PendingError("payload", "expected an object")
    _check_fields(data, "", ("console", "intents", "total"))
    console = check_console(data["console"])
    items = data["intents"]
    if not isinstance(items, list):
        raise PendingError("intents", "expected a list")
    if len(items) > MAX_INTENTS:
        raise PendingError("intents", f"expected at most {MAX_INTENTS} intents, got {len(items)}")
    intents, last = [], 0
    for i, item in enumerate(items):
        at = f"intents[{i}]"
        if not isinstance(item, dict):
            raise PendingError(at, "expected an object")
        _check_fields(item, at, ("id", "actor", "class", "rationale"))
        iid = item["id"]
        if not _whole(iid) or not 1 <= iid <= MAX_ID:
            raise PendingError(at + ".id", f"expected an intent id: a whole number from 1 to {MAX_ID}")
        if iid <= last:
            raise PendingError(at + ".id", "expected ids in ascending order, each once")
        last = iid
        actor = item["actor"]
        if not isinstance(actor, str) or not actor.startswith("ai:") or not 4 <= len(actor) <= MAX_ACTOR:
            raise PendingError(at + ".actor", f"expected an AI actor, ai:NAME, 4–{MAX_ACTOR} characters")
        if item["class"] not in CLASSES or not isinstance(item["class"], str):
            raise PendingError(at + ".class", f"expected one of {', '.join(CLASSES)}")
        rationale = item["rationale"]
        if not isinstance(rationale, str) or len(rationale) > MAX_RATIONALE:
            raise PendingError(at + ".rationale", f"expected text of at most {MAX_RATIONALE} characters")
        intents.append(PendingIntent(iid, actor, item["class"], rationale))
    total = data["total"]
    if not _whole(total) or not len(intents) <= total <= MAX_ID:
        raise PendingError("total", f"expected a whole number from the intents listed ({len(intents)}) to {MAX_ID}")
    return PendingIntents(console, intents, total)


def pending_json(console, intents, total):
    """The payload byte for byte as the orchestrator writes it (used for the vectors and the tests)."""
    def s(text):
        return json.dumps(text, ensure_ascii=False)
    items = ", ".join(f'{{"id": {i.id}, "actor": {s(i.actor)}, "class": {s(i.cls)}, "rationale": {s(i.rationale)}}}' for i in intents)
    return f'{{"console": {s(console)}, "intents": [{items}], "total": {total}}}'
