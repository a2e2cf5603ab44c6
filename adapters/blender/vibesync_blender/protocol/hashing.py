"""Scene hashes: every record's hash and the Merkle root (docs/protocol.md §3–§5, §8)."""

import json
from dataclasses import dataclass

from .encoding import (encode_animation, encode_image, encode_material, encode_mesh, encode_object, encode_skin,
                       record_hash)
from .merkle import MerkleTree


@dataclass
class SceneHashes:
    tree: MerkleTree
    objects: dict
    materials: dict
    meshes: dict
    images: dict
    skins: dict
    animations: dict

    @property
    def root(self):
        return self.tree.root

    def to_json(self):
        """The one line `hash` prints, byte for byte the same as the C# CLI's."""
        def hexmap(m):
            return {k: m[k].hex() for k in sorted(m)}
        return json.dumps({
            "root": self.root.hex(),
            "objects": hexmap(self.objects),
            "materials": hexmap(self.materials),
            "meshes": hexmap(self.meshes),
            "images": hexmap(self.images),
            "skins": hexmap(self.skins),
            "animations": hexmap(self.animations),
        }, ensure_ascii=True)


def hash_scene(scene):
    """Hashes every record of a canonical scene and builds its tree."""
    objects = {o.uuid: record_hash(encode_object(o)) for o in scene.objects}
    materials = {m.uuid: record_hash(encode_material(m)) for m in scene.materials}
    meshes = {m.uuid: record_hash(encode_mesh(m)) for m in scene.meshes}
    images = {i.uuid: record_hash(encode_image(i)) for i in scene.images}
    skins = {s.uuid: record_hash(encode_skin(s)) for s in scene.skins}
    animations = {a.uuid: record_hash(encode_animation(a)) for a in scene.animations}
    leaves = [*objects.items(), *materials.items(), *meshes.items(), *images.items(), *skins.items(), *animations.items()]
    return SceneHashes(MerkleTree(leaves), objects, materials, meshes, images, skins, animations)
