"""Names as synced versus names as Blender keeps them.

Blender keeps the names of objects and of materials unique (a clash gives one of the two a ``.001``:
in 3.4 the one that held the name) and cuts them at 63 bytes; the scene model does neither (Unity allows two objects of one name). So when Blender makes
something else of a name it is given, the name as synced is kept beside it, together with the name
Blender made of it: while the block still has that Blender name, it reports the synced one. A person
who renames it in Blender changes the Blender name, and from then on the block reports that.

Without this, a rename to a name some other object holds (one the sync does not even carry: an
object kept from AI, an unsynced armature) came back different, was rolled back as a hash mismatch,
and told an AI that such a name exists; three of them put automation in safe mode (issue #16).
"""

SYNCED = "vibesync_name"          # the name as synced, when Blender's differs
AS_BLENDER = "vibesync_blender_name"  # what Blender made of it


def synced_name(block):
    """The block's name as the sync knows it."""
    wanted = block.get(SYNCED)
    return wanted if wanted is not None and block.get(AS_BLENDER) == block.name else block.name


def adopt(block, name):
    """Records that ``block`` stands for ``name`` (it was just given it, or created with it)."""
    if block.name == name:
        forget(block)
    else:
        block[SYNCED] = name
        block[AS_BLENDER] = block.name


def holder_of(pool, name, block):
    """The other block of ``pool`` (bpy.data.objects, bpy.data.materials) whose Blender name is ``name``."""
    other = pool.get(name)
    return other if other is not None and other != block else None


def set_name(block, name, holder=None):
    """Names ``block`` ``name`` as far as Blender allows, and records the rest. ``holder`` had that
    name: Blender may rename it instead of ``block`` (3.4 does), and it keeps reporting its own."""
    held = (holder.name, synced_name(holder)) if holder is not None else None
    block.name = name
    adopt(block, name)
    if holder is not None and holder.name != held[0]:
        adopt(holder, held[1])


def forget(block):
    for key in (SYNCED, AS_BLENDER):
        if key in block:
            del block[key]


def remembered(block):
    """What restore() needs to put the naming of ``block`` back exactly."""
    return block.name, block.get(SYNCED), block.get(AS_BLENDER)


def restore(block, memory):
    name, synced, as_blender = memory
    block.name = name
    forget(block)
    if synced is not None:
        block[SYNCED], block[AS_BLENDER] = synced, as_blender
