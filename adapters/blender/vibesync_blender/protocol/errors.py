"""The one error type of scene reading: a path naming the record and field, and a reason."""


class SceneError(ValueError):
    """Scene JSON that cannot be hashed.

    ``path`` (``objects[3].location[1]``, or ``json``) is part of the contract shared with the C#
    reader and pinned by testdata/hash_error_vectors.json; ``reason`` is for humans.
    """

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    @property
    def message(self):
        """The human sentence after the path (the same text as ``reason``)."""
        return self.reason
