"""Copies the boltc shared library into the built package (metadata is in pyproject.toml).

The library is taken from ``$BOLTC_LIBRARY`` or, failing that, from the repository's
``target/release`` (build it first with ``cargo build --release --lib``). When neither exists
the package is built without it and finds the library at run time through ``BOLTC_LIBRARY``.
"""

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

NAME = {"darwin": "libboltc.dylib", "win32": "boltc.dll"}.get(sys.platform, "libboltc.so")
HERE = Path(__file__).resolve().parent


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        src = os.environ.get("BOLTC_LIBRARY") or str(HERE.parent.parent / "target" / "release" / NAME)
        if os.path.isfile(src):
            dest = Path(self.build_lib) / "boltc" / NAME
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            print("boltc: bundled %s" % src)
        else:
            print("boltc: %s not found; set BOLTC_LIBRARY at run time" % src)


setup(cmdclass={"build_py": BuildPyWithLibrary})
