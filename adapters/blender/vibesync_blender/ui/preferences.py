"""Add-on preferences: where the orchestrator is, and whether to connect on start."""

import os

import bpy
from bpy.props import BoolProperty, IntProperty, StringProperty

from ..link import LinkError, keyfile
from ..protocol.instances import parse_instance


def addon_name():
    return __package__.rsplit(".", 1)[0]


class VIBESYNC_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = __package__.rsplit(".", 1)[0]

    data_dir: StringProperty(
        name="Orchestrator data directory", subtype="DIR_PATH", default="",
        description="The directory `vibesync serve --data DIR` uses: the engine instance's key file (keys/blender.key, "
                    "keys/blender.NAME.key) gives the key (and, when serve listens across the LAN, where and which "
                    "certificate), serve.json the loopback port. Empty: use the key file below")
    engine: StringProperty(
        name="Engine instance", default="blender",
        description="Who this Blender is to the orchestrator: blender (the default), or blender:NAME for another seat "
                    "(`vibesync keys add blender:NAME` makes its key, keys/blender.NAME.key)")
    host: StringProperty(name="Host", default="127.0.0.1",
                         description="Loopback only; an orchestrator on another machine is reached through the endpoints "
                                     "its key file names (serve --listen), over TLS")
    port: IntProperty(name="Port", default=0, min=0, max=65535,
                      description="The loopback link port `vibesync serve` printed (unused when the key file names endpoints)")
    key_file: StringProperty(name="Key file", subtype="FILE_PATH", default="",
                             description="DIR/keys/blender.key of the orchestrator (mode 0600); copied from the orchestrator's "
                                         "machine, its endpoint and tls-sha256 lines say where to connect over TLS")
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
        """(data_dir, port, parsed key file) or raises ValueError with a sentence a user can act on."""
        if self.data_dir:
            d = bpy.path.abspath(self.data_dir)
            key_path = os.path.join(d, "keys", parse_instance(self.instance()).key_file_name)
            if not os.path.exists(os.path.join(d, "serve.json")) and not _names_endpoints(key_path):
                raise ValueError(f"no running orchestrator in {d} (start one: ./vibesync serve --data {d})")
            return d, None, None
        if not self.key_file:
            raise ValueError("set the orchestrator's data directory, or a key file, in the add-on preferences")
        try:
            key = keyfile.read(bpy.path.abspath(self.key_file))
        except LinkError as e:
            raise ValueError(str(e)) from None
        if key.endpoints:  # across the LAN: the key file says where, and which certificate to pin
            return None, None, key
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"{self.host} is not loopback: an orchestrator on another machine is reached through the "
                             "endpoints its key file names (vibesync serve --listen ADDR:PORT writes them)")
        if not self.port:
            raise ValueError("set the orchestrator's loopback port in the add-on preferences, or a key file with endpoints")
        return None, self.port, key


def _names_endpoints(path):
    try:
        return bool(keyfile.read(path).endpoints)
    except (OSError, LinkError):
        return False


def preferences(context=None):
    context = context or bpy.context
    addon = context.preferences.addons.get(addon_name())
    return addon.preferences if addon else None
