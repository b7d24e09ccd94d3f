"""Bundles the boltc shared library into the built package (metadata is in pyproject.toml).

Where the library comes from, in order:

1. ``$BOLTC_LIBRARY``, a path to a built ``libboltc.so`` (an error if it is not a file);
2. in the boltc repository (``pip install ./bindings/python``), ``cargo build --release --lib``
   runs (a no-op when the build is current) and ``target/release/libboltc.so`` is bundled;
3. otherwise (no repository, or no ``cargo`` on PATH) the package is built without the library,
   says so, and finds it at run time through ``BOLTC_LIBRARY`` (see boltc/_ffi.py).

The wheel is tagged for the platform, since it carries a native library.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

NAME = {"darwin": "libboltc.dylib", "win32": "boltc.dll"}.get(sys.platform, "libboltc.so")
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def library_source():
    """The path of the library to bundle, building it when in the repository; None if none."""
    env = os.environ.get("BOLTC_LIBRARY")
    if env:
        if not os.path.isfile(env):
            raise SystemExit("boltc: BOLTC_LIBRARY=%s is not a file" % env)
        return env
    if (REPO / "Cargo.toml").is_file() and shutil.which("cargo"):
        print("boltc: cargo build --release --lib in %s" % REPO)
        subprocess.run(["cargo", "build", "--release", "--lib"], cwd=str(REPO), check=True)
    built = REPO / "target" / "release" / NAME
    return str(built) if built.is_file() else None


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        src = library_source()
        if src:
            dest = Path(self.build_lib) / "boltc" / NAME
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            print("boltc: bundled %s" % src)
        else:
            print("boltc: no %s to bundle (no repository or no cargo); set BOLTC_LIBRARY at run time" % NAME)


class BinaryDistribution(Distribution):
    """Marks the package as platform-specific (it carries a native library)."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildPyWithLibrary}, distclass=BinaryDistribution)
