"""The canonical scene model (docs/protocol.md §2). Values are in whatever space a conversion says."""

from dataclasses import dataclass, field
from typing import Optional, Tuple

KINDS = ("empty", "mesh", "camera", "light")  # index = the byte in the hash encoding
VIEW_AXIS_KINDS = ("camera", "light")

Vec2 = Tuple[float, float]
Vec3 = Tuple[float, float, float]
Quat = Tuple[float, float, float, float]  # always (x, y, z, w)

# slots=True needs Python 3.10, which every supported Blender (3.4 and later) bundles.


@dataclass(frozen=True, slots=True)
class SceneObject:
    """An object record: a local transform (rotation as x, y, z, w) and what it shows."""

    uuid: str
    name: str
    kind: str
    parent: Optional[str]
    translation: Vec3
    rotation: Quat
    scale: Vec3
    visible: bool
    materials: Tuple[Optional[str], ...] = ()
    mesh: Optional[str] = None

    @property
    def has_view_axis(self):
        """Cameras and lights: local frames that look down −Z in canonical space."""
        return self.kind in VIEW_AXIS_KINDS


@dataclass(frozen=True, slots=True)
class Material:
    """A material record; colours are linear."""

    uuid: str
    name: str
    base_color: Tuple[float, float, float, float]
    metallic: float
    roughness: float
    emission: Vec3


POSITION, NORMAL, TANGENT, COLOR_0 = "POSITION", "NORMAL", "TANGENT", "COLOR_0"
TEXCOORD_PREFIX = "TEXCOORD_"
MAX_TEXCOORDS = 8
MAX_MATERIAL_SLOT = 1024


def texcoord(k):
    """The semantic of texture coordinate set ``k``."""
    return f"{TEXCOORD_PREFIX}{k}"


def texcoord_index(semantic):
    """k of TEXCOORD_k (k = 0…7, one digit), or −1 for any other text."""
    if len(semantic) == len(TEXCOORD_PREFIX) + 1 and semantic.startswith(TEXCOORD_PREFIX) and "0" <= semantic[-1] < str(MAX_TEXCOORDS):
        return ord(semantic[-1]) - ord("0")
    return -1


def components(semantic):
    """Floats per vertex of a known semantic (POSITION/NORMAL 3, TANGENT/COLOR_0 4, TEXCOORD_k 2), else 0."""
    if semantic in (POSITION, NORMAL):
        return 3
    if semantic in (TANGENT, COLOR_0):
        return 4
    return 2 if texcoord_index(semantic) >= 0 else 0


@dataclass(frozen=True, slots=True)
class Primitive:
    """The triangles of one material slot: the blob id of canonical, counter-clockwise u32 indices."""

    material: int
    indices: str


@dataclass(frozen=True, slots=True)
class Mesh:
    """A mesh record (content schema 2, docs/protocol.md §2): glTF's model, heavy arrays as blobs.

    ``attributes`` maps a semantic (POSITION required; NORMAL, TANGENT, TEXCOORD_0…7, COLOR_0) to the
    blob id of its canonical float32 array; ``primitives`` are strictly ascending by material slot;
    ``derived`` names what derived the mesh (modifiers as "NAME (TYPE)", or curve/surface/metaball/text),
    empty for an authored mesh. The record is the same in every space: engines convert blob contents.
    """

    uuid: str
    vertex_count: int
    attributes: dict
    primitives: Tuple[Primitive, ...] = ()
    derived: Tuple[str, ...] = ()

    @property
    def is_derived(self):
        return bool(self.derived)

    def blob_ids(self):
        """Every blob id the record references (attributes, then primitives)."""
        return [*self.attributes.values(), *(p.indices for p in self.primitives)]


@dataclass(frozen=True, slots=True)
class Scene:
    """Three record sets, each in input order (the hash sorts by uuid; error paths use input order)."""

    objects: Tuple[SceneObject, ...] = field(default_factory=tuple)
    materials: Tuple[Material, ...] = field(default_factory=tuple)
    meshes: Tuple[Mesh, ...] = field(default_factory=tuple)
