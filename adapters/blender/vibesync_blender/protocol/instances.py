"""Engine instance names, ``KIND`` or ``KIND:NAME`` (docs/protocol.md §11.1).

The twin of ``VibeSync.Protocol.Link.EngineInstance``; ``testdata/instance_vectors.json`` pins both.
KIND is ``blender`` or ``unity`` and fixes the coordinate space; NAME matches
``[a-z0-9][a-z0-9_-]{0,31}``. The default instances are the bare kinds.
"""

import re

KINDS = ("blender", "unity")
MAX_NAME_LENGTH = 32
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}\Z")


class InstanceError(ValueError):
    """Not an engine instance name; the message says why."""


class EngineInstance:
    """A parsed instance name: ``kind`` and ``name`` (None for a default instance)."""

    __slots__ = ("kind", "name")

    def __init__(self, kind, name=None):
        self.kind = kind
        self.name = name

    @property
    def is_default(self):
        return self.name is None

    @property
    def space(self):
        """The coordinate space its adapter writes in: its kind's (``blender`` or ``unity``)."""
        return self.kind

    @property
    def key_file_name(self):
        """``KIND.key`` or ``KIND.NAME.key`` in ``DIR/keys`` (no ':' in file names: Windows forbids it)."""
        return (self.kind if self.name is None else f"{self.kind}.{self.name}") + ".key"

    def __str__(self):
        return self.kind if self.name is None else f"{self.kind}:{self.name}"

    def __eq__(self, other):
        return isinstance(other, EngineInstance) and (self.kind, self.name) == (other.kind, other.name)

    def __hash__(self):
        return hash((self.kind, self.name))


def parse_instance(text):
    """Reads ``KIND`` or ``KIND:NAME``; raises InstanceError saying why otherwise."""
    if not isinstance(text, str):
        raise InstanceError("no engine instance given")
    kind, colon, name = text.partition(":")
    if kind not in KINDS:
        raise InstanceError(f"'{text}' is not an engine instance: its kind must be blender or unity (KIND or KIND:NAME)")
    if not colon:
        return EngineInstance(kind)
    # re's \Z and an explicit ASCII class: no Unicode digits or a trailing newline slip through.
    if not _NAME.match(name):
        raise InstanceError(f"'{text}' is not an engine instance: NAME must be 1–{MAX_NAME_LENGTH} of a-z, 0-9, '_' and '-', "
                            "starting with a letter or digit")
    return EngineInstance(kind, name)


def instance_of_key_file(file_name):
    """The instance whose key file is ``file_name`` (``KIND.key`` or ``KIND.NAME.key``), or None."""
    if not isinstance(file_name, str) or not file_name.endswith(".key"):
        return None
    stem = file_name[:-len(".key")]
    kind, dot, name = stem.partition(".")
    try:
        return parse_instance(f"{kind}:{name}" if dot else kind)
    except InstanceError:
        return None
