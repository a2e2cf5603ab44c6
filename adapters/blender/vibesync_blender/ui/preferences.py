"""Add-on preferences: where the orchestrator is, and whether to connect on start."""

import os

import bpy
from bpy.props import BoolProperty, IntProperty, StringProperty

from ..protocol.instances import parse_instance


def addon_name():
    return __package__.rsplit(".", 1)[0]


class VIBESYNC_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = __package__.rsplit(".", 1)[0]

    data_dir: StringProperty(
        name="Orchestrator data directory", subtype="DIR_PATH", default="",
        description="The directory `vibesync serve --data DIR` uses: its serve.json gives the port and keys/blender.key "
                    "the key. Empty: use the host, port and key file below")
    engine: StringProperty(
        name="Engine instance", default="blender",
        description="Who this Blender is to the orchestrator: blender (the default), or blender:NAME for another seat "
                    "(`vibesync keys add blender:NAME` makes its key, keys/blender.NAME.key)")
    host: StringProperty(name="Host", default="127.0.0.1",
                         description="The orchestrator listens on loopback only; other hosts are refused")
    port: IntProperty(name="Port", default=0, min=0, max=65535, description="The link port `vibesync serve` printed")
    key_file: StringProperty(name="Key file", subtype="FILE_PATH", default="",
                             description="DIR/keys/blender.key of the orchestrator (mode 0600)")
    auto_connect: BoolProperty(name="Connect on start", default=False,
                               description="Connect when Blender starts or the add-on is enabled")

    def draw(self, context):
        col = self.layout.column()
        col.prop(self, "data_dir")
        col.prop(self, "engine")
        box = col.box()
        box.label(text="Or connect explicitly:")
        box.prop(self, "host")
        box.prop(self, "port")
        box.prop(self, "key_file")
        col.prop(self, "auto_connect")

    def instance(self):
        """The engine instance name, checked; raises ValueError (InstanceError) with a sentence a user can act on."""
        instance = parse_instance(self.engine.strip())
        if instance.kind != "blender":
            raise ValueError(f"'{self.engine}' is not a Blender instance (blender or blender:NAME)")
        return str(instance)

    def endpoint(self):
        """(data_dir, port, key bytes) or raises ValueError with a sentence a user can act on."""
        if self.data_dir:
            d = bpy.path.abspath(self.data_dir)
            if not os.path.exists(os.path.join(d, "serve.json")):
                raise ValueError(f"no running orchestrator in {d} (start one: ./vibesync serve --data {d})")
            return d, None, None
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"VibeSync connects on loopback only, not to {self.host}")
        if not self.port or not self.key_file:
            raise ValueError("set the orchestrator's data directory, or a port and a key file, in the add-on preferences")
        with open(bpy.path.abspath(self.key_file), encoding="ascii") as f:
            return None, self.port, bytes.fromhex(f.read().strip())


def preferences(context=None):
    context = context or bpy.context
    addon = context.preferences.addons.get(addon_name())
    return addon.preferences if addon else None
