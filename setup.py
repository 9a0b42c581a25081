"""Builds the compiled modules, smemu.formats._wire_c and
smemu.algorithms.randomcutforest._codisp_c (everything else is in pyproject.toml).

It is optional: where no C compiler or Python headers are found, or with SMEMU_PURE_PYTHON=1 set
(smemu's container image is built that way, so its wheel installs on any Python), the build skips
it and smemu decodes the same records (and scores the same forests) with numpy, more slowly.
"""

import os

from setuptools import Extension, setup

PURE = os.environ.get("SMEMU_PURE_PYTHON", "") not in ("", "0")

setup(ext_modules=[] if PURE else [
    Extension("smemu.formats._wire_c", ["smemu/formats/_wire_c.c"], optional=True),
    Extension("smemu.algorithms.randomcutforest._codisp_c",
              ["smemu/algorithms/randomcutforest/_codisp_c.c"], optional=True),
])
