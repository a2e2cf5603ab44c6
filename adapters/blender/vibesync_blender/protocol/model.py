"""The canonical scene model (docs/protocol.md §2). Values are in whatever space a conversion says."""

from dataclasses import dataclass, field
from typing import Optional, Tuple

KINDS = ("empty", "mesh", "camera", "light", "armature", "joint")  # index = the byte in the hash encoding
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
    camera: Optional["CameraParameters"] = None  # kind camera only; None = not synced (schema 2)
    light: Optional["LightParameters"] = None  # kind light only; None = not synced or unrepresentable
    skin: Optional[str] = None  # kind mesh only (content schema 4): the skin's uuid; None = not skinned

    @property
    def has_view_axis(self):
        """Cameras and lights: local frames that look down −Z in canonical space."""
        return self.kind in VIEW_AXIS_KINDS


# Content schema 3 (docs/protocol.md §2): JSON spellings, index = the byte in the hash encoding.
ALPHA_MODES = ("OPAQUE", "MASK", "BLEND")
TEXTURE_SLOTS = ("base_color", "metallic_roughness", "normal", "occlusion", "emissive")
WRAPS = ("REPEAT", "CLAMP_TO_EDGE", "MIRRORED_REPEAT")
MAG_FILTERS = ("NEAREST", "LINEAR")
MIN_FILTERS = ("NEAREST", "LINEAR", "NEAREST_MIPMAP_NEAREST", "LINEAR_MIPMAP_NEAREST", "NEAREST_MIPMAP_LINEAR",
               "LINEAR_MIPMAP_LINEAR")
COLOR_SPACES = ("srgb", "linear")
MIMES = ("image/png", "image/jpeg")
CAMERA_TYPES = ("perspective", "orthographic")
LIGHT_TYPES = ("point", "spot", "directional")
MAX_TEXCOORD = 7
MAX_IMAGE_SIZE = 32768


@dataclass(frozen=True, slots=True)
class TextureBinding:
    """One texture slot's binding: image uuid, UV set, sampler, KHR_texture_transform (glTF UV space)."""

    image: str
    texcoord: int = 0
    wrap_s: str = "REPEAT"
    wrap_t: str = "REPEAT"
    mag_filter: str = "LINEAR"
    min_filter: str = "LINEAR_MIPMAP_LINEAR"
    offset: Vec2 = (0.0, 0.0)
    rotation: float = 0.0
    scale: Vec2 = (1.0, 1.0)


@dataclass(frozen=True, slots=True)
class Material:
    """A material record: glTF metallic-roughness, colours linear.

    ``textures`` maps a slot name (TEXTURE_SLOTS) to a TextureBinding. ``unsynced`` is None, or why
    Blender's node graph cannot be represented (the other fields are then a best effort)."""

    uuid: str
    name: str
    base_color: Tuple[float, float, float, float]
    metallic: float
    roughness: float
    emission: Vec3
    emissive_strength: float = 1.0
    alpha_mode: str = "OPAQUE"
    alpha_cutoff: float = 0.5
    double_sided: bool = False
    normal_scale: float = 1.0
    occlusion_strength: float = 1.0
    textures: dict = field(default_factory=dict)
    unsynced: Optional[str] = None

    def __hash__(self):  # textures is a dict; hash by identity fields (equality stays field-wise)
        return hash((self.uuid, self.name, self.base_color, self.metallic, self.roughness))

    def image_ids(self):
        """The image uuids the textures name, in slot order."""
        return [self.textures[s].image for s in TEXTURE_SLOTS if s in self.textures]


@dataclass(frozen=True, slots=True)
class Image:
    """An image record: the encoded file (PNG/JPEG as the file holds it) is the U8 blob ``blob``."""

    uuid: str
    name: str
    mime: str
    blob: str
    width: int
    height: int
    color_space: str = "srgb"


@dataclass(frozen=True, slots=True)
class CameraParameters:
    """glTF camera: perspective uses yfov (radians) and aspect, orthographic xmag/ymag (the other pair 0)."""

    type: str
    yfov: float = 0.0
    aspect: float = 0.0
    xmag: float = 0.0
    ymag: float = 0.0
    znear: float = 0.1
    zfar: float = 100.0


@dataclass(frozen=True, slots=True)
class LightParameters:
    """KHR_lights_punctual: linear colour, intensity in cd (point/spot) or lx (directional), range None = infinite."""

    type: str
    color: Vec3
    intensity: float
    range: Optional[float] = None
    inner_cone: float = 0.0
    outer_cone: float = 0.0


POSITION, NORMAL, TANGENT, COLOR_0 = "POSITION", "NORMAL", "TANGENT", "COLOR_0"
JOINTS_0, WEIGHTS_0 = "JOINTS_0", "WEIGHTS_0"  # content schema 4: U16 × 4 and F32 × 4, always together
WEIGHT_SUM_TOLERANCE = 1e-3
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
    """Values per vertex of a known semantic (POSITION/NORMAL 3, TANGENT/COLOR_0/JOINTS_0/WEIGHTS_0 4,
    TEXCOORD_k 2), else 0. JOINTS_0's are u16, every other float32."""
    if semantic in (POSITION, NORMAL):
        return 3
    if semantic in (TANGENT, COLOR_0, JOINTS_0, WEIGHTS_0):
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
    targets: Tuple["MorphTarget", ...] = ()  # content schema 4: shape keys but the reference key, in key order
    weights: Tuple[float, ...] = ()  # one default weight per target, 0…1

    @property
    def is_derived(self):
        return bool(self.derived)

    def blob_ids(self):
        """Every blob id the record references (attributes, primitives, then targets' deltas)."""
        return [*self.attributes.values(), *(p.indices for p in self.primitives),
                *(b for t in self.targets for b in ((t.position,) if t.normal is None else (t.position, t.normal)))]


@dataclass(frozen=True, slots=True)
class MorphTarget:
    """One morph target: blob ids of F32 × 3 position (required) and normal deltas, one per vertex."""

    name: str
    position: str
    normal: Optional[str] = None


MAX_JOINTS = 65535
ANIMATION_PATHS = ("translation", "rotation", "scale", "weights")  # index = the byte in the hash encoding
INTERPOLATIONS = ("LINEAR", "STEP", "CUBICSPLINE")


@dataclass(frozen=True, slots=True)
class Skin:
    """A skin record (content schema 4): ordered joint uuids, the blob id of their F32 × 16 column-major
    inverse bind matrices, and the skeleton root (a joint or armature ancestor of every joint) or None."""

    uuid: str
    name: str
    joints: Tuple[str, ...]
    inverse_bind_matrices: str
    skeleton: Optional[str] = None


@dataclass(frozen=True, slots=True)
class AnimationChannel:
    """One channel: ``path`` of object ``target`` driven by keyframe ``times`` and ``values`` (blob ids)."""

    target: str
    path: str
    interpolation: str
    times: str
    values: str
    sampled: bool = False

    @property
    def order(self):
        """The record order: target uuid (ordinal), then path."""
        return (self.target, ANIMATION_PATHS.index(self.path))


def channel_components(path):
    """Floats per value element: translation/scale 3, rotation 4, weights 1."""
    return {"rotation": 4, "weights": 1}.get(path, 3)


def channel_value_count(path, interpolation, keyframes, targets):
    """Value elements a channel needs: one per keyframe (× targets for weights), × 3 for CUBICSPLINE."""
    return keyframes * (targets if path == "weights" else 1) * (3 if interpolation == "CUBICSPLINE" else 1)


@dataclass(frozen=True, slots=True)
class Animation:
    """An animation record (content schema 4): channels ordered by target then path, one per pair."""

    uuid: str
    name: str
    frame_rate: float  # frames per second it was authored at (Blender: fps / fps_base), 0 < rate ≤ 1000
    channels: Tuple[AnimationChannel, ...] = ()

    def blob_ids(self):
        """Each channel's times then values."""
        return [b for c in self.channels for b in (c.times, c.values)]


@dataclass(frozen=True, slots=True)
class Scene:
    """Six record sets, each in input order (the hash sorts by uuid; error paths use input order)."""

    objects: Tuple[SceneObject, ...] = field(default_factory=tuple)
    materials: Tuple[Material, ...] = field(default_factory=tuple)
    meshes: Tuple[Mesh, ...] = field(default_factory=tuple)
    images: Tuple[Image, ...] = field(default_factory=tuple)
    skins: Tuple[Skin, ...] = field(default_factory=tuple)
    animations: Tuple[Animation, ...] = field(default_factory=tuple)

    def blob_ids(self):
        """Every blob id the scene references: meshes' arrays (morph deltas included), images' files, skins'
        inverse bind matrices, animations' times and values (repeats possible). Use it wherever blobs are
        pinned, retained, written beside a scene or collected."""
        return [*(b for m in self.meshes for b in m.blob_ids()), *(i.blob for i in self.images),
                *(s.inverse_bind_matrices for s in self.skins), *(b for a in self.animations for b in a.blob_ids())]
