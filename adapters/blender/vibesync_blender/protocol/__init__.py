"""VibeSync protocol core in Python: the twin of src/VibeSync.Protocol (docs/protocol.md).

Standard library only and importable without bpy, so the same code runs inside Blender and under
the system Python, where it is tested against the shared vectors in testdata/.
"""

from .compare import differences, equal_within_epsilon, rotations_close
from .convert import from_canonical, stored_as, to_canonical
from .crypto import constant_time_equals, hkdf, hkdf_expand, hkdf_extract, hmac_sha256
from .encoding import (encode_animation, encode_image, encode_material, encode_mesh, encode_object, encode_skin,
                       record_hash)
from .errors import SceneError
from .frames import Frame, FrameDecoder, FrameError, decode_frame, encode_frame
from .hashing import SceneHashes, hash_scene
from .merkle import MerkleTree
from .model import (Animation, AnimationChannel, CameraParameters, Image, LightParameters, Material, Mesh, MorphTarget,
                    Primitive, Scene, SceneObject, Skin, TextureBinding)
from .quantize import EPSILON, q, quantize, quantize_rotation
from .scene_json import read_canonical

__all__ = [
    "Animation", "AnimationChannel", "CameraParameters", "Image", "LightParameters", "MorphTarget", "Skin",
    "TextureBinding", "encode_animation", "encode_skin",
    "EPSILON", "Frame", "FrameDecoder", "FrameError", "Material", "Mesh", "MerkleTree", "Primitive", "Scene",
    "SceneError", "SceneHashes", "SceneObject", "constant_time_equals", "decode_frame", "differences",
    "encode_frame", "encode_image", "encode_material", "encode_mesh", "encode_object", "equal_within_epsilon",
    "from_canonical", "hash_scene", "hkdf", "hkdf_expand", "hkdf_extract", "hmac_sha256", "q", "quantize",
    "quantize_rotation", "read_canonical", "record_hash", "rotations_close", "stored_as", "to_canonical",
]
