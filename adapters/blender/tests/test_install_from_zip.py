"""The add-on installs from its zip through Blender's own installer (Preferences › Add-ons ›
Install…, i.e. bpy.ops.preferences.addon_install), enables, shows its panel, and disables
leaving no handler behind: in real Blender, with a throwaway user configuration."""

import os
import shutil
import subprocess
import tempfile
import unittest
import zipfile

from .support import ADAPTER, blender_env

SCRIPT = r"""
import sys, bpy
zip_path = sys.argv[-1]
before = {n: len(getattr(bpy.app.handlers, n)) for n in dir(bpy.app.handlers) if isinstance(getattr(bpy.app.handlers, n), list)}
bpy.ops.preferences.addon_install(filepath=zip_path)
bpy.ops.preferences.addon_enable(module="vibesync_blender")
import vibesync_blender
print("VIBESYNC-RESULT enabled", hasattr(bpy.types, "VIBESYNC_PT_panel"), vibesync_blender.__file__.startswith(bpy.utils.user_resource("SCRIPTS")))
bpy.ops.preferences.addon_disable(module="vibesync_blender")
after = {n: len(getattr(bpy.app.handlers, n)) for n in before}
print("VIBESYNC-RESULT disabled", hasattr(bpy.types, "VIBESYNC_PT_panel"), before == after)
"""


@unittest.skipIf(shutil.which("blender") is None, "real Blender is not installed (run-tests installs it)")
class InstallTests(unittest.TestCase):
    def test_the_addon_zip_installs_enables_and_disables_cleanly_in_real_blender(self):
        out = tempfile.mkdtemp(prefix="vibesync-zip-")
        home = tempfile.mkdtemp(prefix="vibesync-blender-home-")
        try:
            built = subprocess.run(["python3", os.path.join(ADAPTER, "package.py"), "--out", out], capture_output=True, text=True, check=True)
            addon_zip, extension_zip = built.stdout.split()
            with zipfile.ZipFile(addon_zip) as z:
                self.assertIn("vibesync_blender/__init__.py", z.namelist())
                self.assertFalse(any("tests/" in n or n.endswith(".pyc") for n in z.namelist()))
            with zipfile.ZipFile(extension_zip) as z:
                self.assertIn("blender_manifest.toml", z.namelist())
                self.assertIn("__init__.py", z.namelist())
            env = blender_env(BLENDER_USER_CONFIG=os.path.join(home, "config"), BLENDER_USER_SCRIPTS=os.path.join(home, "scripts"),
                              HOME=home)
            env.pop("PYTHONPATH", None)  # the add-on must come from the zip, not from this checkout
            run = subprocess.run(["blender", "-b", "--factory-startup", "--python-exit-code", "1", "--python-expr", SCRIPT, "--", addon_zip],
                                 capture_output=True, text=True, timeout=120, env=env)
            lines = [l.split()[1:] for l in run.stdout.splitlines() if l.startswith("VIBESYNC-RESULT")]
            self.assertEqual([["enabled", "True", "True"], ["disabled", "False", "True"]], lines, run.stdout[-3000:] + run.stderr[-3000:])
        finally:
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
