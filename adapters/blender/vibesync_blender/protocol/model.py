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


@dataclass(frozen=True, slots=True)
class Mesh:
    """A mesh record; ``uv0`` is None when the mesh has no texture coordinates (not the same as empty)."""

    uuid: str
    positions: Tuple[Vec3, ...]
    triangles: Tuple[Tuple[int, int, int], ...]
    uv0: Optional[Tuple[Vec2, ...]] = None


@dataclass(frozen=True, slots=True)
class Scene:
    """Three record sets, each in input order (the hash sorts by uuid; error paths use input order)."""

    objects: Tuple[SceneObject, ...] = field(default_factory=tuple)
    materials: Tuple[Material, ...] = field(default_factory=tuple)
    meshes: Tuple[Mesh, ...] = field(default_factory=tuple)
