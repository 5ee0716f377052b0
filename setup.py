"""Build dockproto: the metadata is in pyproject.toml; this adds the C extensions.

``csrc/build_native.py`` describes ``dockproto._native`` (the stream core: cffi, API
mode) and ``dockproto._tarevents`` (tar events built in C: a plain extension).  Their
build is optional: without a working C compiler the install still succeeds, without
them, and ``import dockproto`` then warns that the pure-Python decoders are in use
(``dockproto.NATIVE`` is False); without ``_tarevents`` alone, tar events are built in
Python.  ``DOCKPROTO_REQUIRE_NATIVE=1`` turns a failed build into an error instead;
wheel builds (cibuildwheel, ``scripts/wheels``) set it, so no published wheel lacks
either.  On CPython with the GIL both are stable-ABI and the wheel is ``cp310-abi3``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, ExecError, PlatformError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "csrc"))
from build_native import LIMITED_API, LIMITED_API_TAG, tar_extension

sys.path.pop(0)

REQUIRE_NATIVE = os.environ.get("DOCKPROTO_REQUIRE_NATIVE") == "1"
BUILD_ERRORS = (CCompilerError, ExecError, PlatformError)

FALLBACK = """
************************************************************************************
dockproto: {what} could not be built:
    {error}
Installing without it: {without}  To get it,
install a C compiler and the Python headers (Debian: gcc python3-dev) and reinstall,
or install a prebuilt wheel.  DOCKPROTO_REQUIRE_NATIVE=1 makes this an error.
************************************************************************************
"""
WITHOUT = {
    "dockproto._native": (
        "the C stream core (dockproto._native)",
        "dockproto works through its pure-Python decoders, which\nare much slower on "
        "streamed bodies, and `import dockproto` warns about it.",
    ),
    "dockproto._tarevents": (
        "the tar events extension (dockproto._tarevents)",
        "tar archives (export, copy, save) are read by the C\ncore with their events "
        "built in Python, about half as fast.",
    ),
    "": ("dockproto's C extensions", "dockproto works through its pure-Python decoders."),
}


class OptionalBuildExt(build_ext):
    """``build_ext`` that installs the pure-Python package when the C build fails."""

    def initialize_options(self) -> None:
        super().initialize_options()
        self._failed: set[str] = set()

    def run(self) -> None:
        try:
            super().run()
        except BUILD_ERRORS as exc:  # no compiler for this platform at all, say
            self._fall_back(exc, "")
            self.extensions = []

    def build_extensions(self) -> None:
        super().build_extensions()
        # Forget what failed, so nothing later (an editable install, --record) looks
        # for its file: the install is then the pure-Python package, whole.
        self.extensions = [e for e in self.extensions if e.name not in self._failed]

    def build_extension(self, ext: Any) -> None:
        try:
            super().build_extension(ext)
        except BUILD_ERRORS as exc:  # the compiler or linker failed, or is missing
            self._fall_back(exc, ext.name)
            self._failed.add(ext.name)

    def _fall_back(self, exc: BaseException, name: str) -> None:
        if REQUIRE_NATIVE:
            raise exc
        what, without = WITHOUT.get(name, WITHOUT[""])
        error = str(exc).strip() or type(exc).__name__
        sys.stderr.write(FALLBACK.format(what=what, error=error, without=without))
        sys.stderr.flush()


# cffi wraps the build_ext it finds in cmdclass, so the C source is still generated
# first and only compiling and linking can fall back.
setup(
    cmdclass={"build_ext": OptionalBuildExt},
    cffi_modules=["csrc/build_native.py:ffibuilder"],
    ext_modules=[tar_extension()],
    options={"bdist_wheel": {"py_limited_api": LIMITED_API_TAG}} if LIMITED_API else {},
)
