"""Image datablocks ⇄ image records (content schema 3, docs/protocol.md §2): the encoded file exactly as
Blender holds it (the packed bytes, or the external file's), named as a U8 blob, with its size from
the PNG/JPEG header and its colour space.

Reading a 4096² texture's bytes and hashing them costs tens of milliseconds, and a scene is read on
every depsgraph update that touches it: ``ImageRecords`` keeps each image's record by the datablock
and what would change its bytes (the packed file's size and data address, or the external file's path,
mtime and size), so an unchanged image is never read or hashed again.
"""

import os

import bpy

from ..not_synced import READ_FAILED, UNSUPPORTED_TYPE
from ..protocol.blobs import U8, BlobShape, bytes_id
from . import gltf
from .meshes import discard_blobs

MIMES = ("image/png", "image/jpeg")


class ImageNotSynced(Exception):
    """An image VibeSync cannot carry: ``code`` UNSUPPORTED_TYPE (not PNG/JPEG, generated, painted and
    unsaved) or READ_FAILED (its file is missing or unreadable)."""

    def __init__(self, reason, code=UNSUPPORTED_TYPE):
        super().__init__(reason)
        self.code = code


def image_bytes(image):
    """The encoded bytes Blender holds for ``image`` (packed or on disk); raises ImageNotSynced."""
    if image.source != "FILE":
        raise ImageNotSynced(f"it is a {image.source.lower()} image, not a file (save or pack it as PNG or JPEG)")
    if image.is_dirty:
        raise ImageNotSynced("it has unsaved pixel changes (save or pack it)")
    if image.packed_file is not None:
        return bytes(image.packed_file.data)
    path = bpy.path.abspath(image.filepath_raw, library=image.library)
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ImageNotSynced(f"its file {image.filepath_raw!r} cannot be read: {e.strerror or e}", READ_FAILED) from e


def _key(image):
    """What would change an image's record: its settings, and its bytes' identity without reading them."""
    if image.packed_file is not None:
        where = ("packed", image.packed_file.size, image.packed_file.as_pointer())
    else:
        path = bpy.path.abspath(image.filepath_raw, library=image.library)
        try:
            st = os.stat(path)
            where = ("file", path, st.st_mtime_ns, st.st_size)
        except OSError:
            where = ("missing", path)
    return (image.as_pointer(), image.name, image.source, image.is_dirty, image.colorspace_settings.name, where)


class ImageRecords:
    """Image records by datablock, re-read only when its key changes. ``sink`` receives new blobs."""

    def __init__(self, sink=None):
        self.sink = sink
        self._cache = {}   # uid → (key, record fields, blob id)
        self.reads = 0     # images actually read and hashed (the tests count them)

    def record(self, uid, image):
        """{name, mime, blob, width, height, color_space} of ``image``; raises ImageNotSynced."""
        key = _key(image)
        held = self._cache.get(uid)
        if held is not None and held[0] == key:
            if self.sink is not None and not self.sink.has(held[1]["blob"]):
                self._put(held[1]["blob"], image_bytes(image))
            return dict(held[1])
        if held is not None:  # its bytes changed: the old blob goes unless another image has the same bytes
            old = held[1]["blob"]
            if self.sink is not None and not any(e[1]["blob"] == old for u, e in self._cache.items() if u != uid):
                discard_blobs(self.sink, [old])
            del self._cache[uid]
        data = image_bytes(image)
        self.reads += 1
        try:
            mime, width, height = gltf.image_info(data)
        except ValueError as e:
            raise ImageNotSynced(f"its file is not a PNG or JPEG VibeSync can read: {e}") from e
        if not (1 <= width <= 32768 and 1 <= height <= 32768):
            raise ImageNotSynced(f"its size {width}×{height} is outside 1…32768")
        blob = bytes_id(data)
        self._put(blob, data)
        fields = {"name": image.name, "mime": mime, "blob": blob, "width": width, "height": height,
                  "color_space": gltf.color_space_of(image.colorspace_settings.name)}
        self._cache[uid] = (key, fields)
        return dict(fields)

    def seed(self, uid, image, op):
        """Knows a packed image made from an APPLY's image operation (its bytes already checked against
        its mime and size): its record, without reading and hashing the bytes again."""
        blob, mime, width, height = op.get("blob"), op.get("mime"), op.get("width"), op.get("height")
        color_space = op.get("color_space") or gltf.color_space_of(image.colorspace_settings.name)
        self._cache[uid] = (_key(image), {"name": image.name, "mime": mime, "blob": blob, "width": width,
                                          "height": height, "color_space": color_space})

    def _put(self, blob, data):
        if self.sink is not None:
            self.sink.put(blob, BlobShape(U8, 1, len(data)), data)

    def invalidate(self, uid):
        self._cache.pop(uid, None)


def used_images(materials):
    """The images of the Image Texture nodes of ``materials``, each once, in a stable order."""
    seen = {}
    for m in materials:
        if m.use_nodes and m.node_tree is not None:
            for n in m.node_tree.nodes:
                if n.type == "TEX_IMAGE" and n.image is not None and n.image.library is None:
                    seen.setdefault(n.image.name, n.image)
    return [seen[k] for k in sorted(seen)]


def packed_image(name, data, color_space, ext):
    """A new image datablock holding ``data`` (PNG/JPEG bytes) packed, as a file-sourced image."""
    image = bpy.data.images.new(name, 8, 8)
    fill_packed(image, data, color_space, ext)
    return image


def fill_packed(image, data, color_space, ext):
    """Makes ``image`` a packed file image of ``data``. Blender packs from memory only by loading a
    file, so the bytes go through a temporary file that is removed at once."""
    import tempfile
    fd, path = tempfile.mkstemp(suffix="." + ext, prefix="vibesync-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        image.source = "FILE"
        image.filepath_raw = path
        image.reload()
        image.pack()
        image.filepath_raw = "//" + image.name if image.name.lower().endswith("." + ext) else f"//{image.name}.{ext}"
        image.colorspace_settings.name = gltf.blender_color_space(color_space)
    finally:
        try:
            os.remove(path)
        except OSError:
            pass


def ext_of(mime):
    return "png" if mime == "image/png" else "jpg"


