"""Runs the in-Blender test suite:

    blender -b --factory-startup --python-exit-code 1 --python adapters/blender/tests_in_blender/run.py -- [pattern]

Inside real Blender (Debian's `blender`, headless). Prints unittest's usual summary ("Ran N tests",
"OK"/"FAILED") for run-tests to count, and exits non-zero on any failure."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ADAPTER = os.path.dirname(HERE)
sys.path.insert(0, ADAPTER)

argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
pattern = argv[0] if argv else "test_*.py"
suite = unittest.defaultTestLoader.discover(HERE, pattern=pattern, top_level_dir=ADAPTER)
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
sys.stdout.flush()
if not result.wasSuccessful() or result.testsRun == 0:
    sys.exit(1)
