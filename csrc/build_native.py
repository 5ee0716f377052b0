"""Build ``dockproto._native``, the cffi (API mode) binding of the C stream core.

``setup.py`` names ``csrc/build_native.py:ffibuilder``; paths are relative to the
repository root.  The cdef below mirrors the public part of ``csrc/dockproto.h``; in
API mode the compiler checks it against the real header on every build.  ``dp_body``
is declared with ``...;`` so only the fields Python touches are named here.

``DOCKPROTO_CFLAGS`` (split on whitespace) is appended to the compile and link flags,
so CI can add ``-Werror`` or ``-fsanitize=address,undefined``; a user building the
sdist never gets ``-Werror``.

On CPython with the GIL the extension targets the stable ABI (``LIMITED_API``): one
``cp310-abi3`` wheel per platform serves 3.10 and every later version.  cffi defines
``Py_LIMITED_API`` itself; ``py_limited_api`` below names the file ``_native.abi3.so``,
and ``setup.py`` tags the wheel with ``LIMITED_API_TAG``.  cffi 2 supports free-threaded
CPython from 3.14t, which has no ``abi3`` (setuptools refuses it there): that choice is
left to cffi (a per-version build on 3.14t, the ``abi3t`` API on 3.15t), and the wheel
is per-version (``cp314t``, ``cp315t``), as a debug build's is.

``tar_extension`` describes the other, smaller extension, ``dockproto._tarevents``
(``csrc/tarevents.c``): a plain CPython extension that builds tar events, which cffi
cannot (it hands no Python objects across).  setup.py lists it in ``ext_modules``.

Run as a script to build both in place (``dockproto/_native.*.so``,
``dockproto/_tarevents.*.so``)::

    .venv/bin/python csrc/build_native.py
"""

from __future__ import annotations

import os
import shlex
import sys
import sysconfig

import cffi  # type: ignore[import-untyped]
from setuptools import Distribution, Extension

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CDEF = """
enum dp_framing { DP_CHUNKED = 0, DP_LENGTH = 1, DP_CLOSE = 2 };
enum dp_content { DP_MUX = 0, DP_PASS = 1, DP_TAR = 2, DP_LINES = 3 };
enum dp_span_bits {
    DP_KIND_MASK = 0x0F, DP_SPAN_END = 0x10, DP_SPAN_CONT = 0x20, DP_SPAN_OUT = 0x40,
    DP_POS_SHIFT = 8
};
enum dp_kind {
    DP_K_DATA = 1, DP_K_LINE = 1, DP_K_TAR_HEADER = 1, DP_K_TAR_DATA = 2, DP_K_TAR_EOA = 3
};
enum dp_error {
    DP_OK = 0, DP_E_ARGS = 1, DP_E_CHUNK_SIZE = 2, DP_E_CHUNK_TOO_BIG = 3,
    DP_E_CHUNK_LINE = 4, DP_E_CHUNK_CRLF = 5, DP_E_BODY_CUT = 6, DP_E_BODY_SHORT = 7,
    DP_E_MUX_STREAM = 8, DP_E_MUX_HEADER = 9, DP_E_MUX_CUT = 10, DP_E_TAR_CHECKSUM = 11,
    DP_E_TAR_SIZE = 12, DP_E_TAR_ZERO = 13, DP_E_TAR_CUT = 14, DP_E_TAR_NO_END = 15,
    DP_E_TAR_TRAILING = 16, DP_E_TAR_FIELD = 17, DP_E_TAR_DEVICE = 18
};
enum dp_limits {
    DP_MAX_LINE = 4096, DP_MIN_OUT = 512, DP_BIG_PIECE = 4096, DP_TAR_RECORD = 64
};

typedef struct dp_span { uint64_t tag; uint64_t off; uint64_t len; } dp_span;
typedef struct dp_result { size_t consumed; size_t nspans; size_t out_len; } dp_result;
typedef struct dp_body {
    int done;
    int error;
    uint64_t err_offset;
    uint64_t pos;
    int64_t tar_next_size;
    ...;
} dp_body;

void dp_body_init(dp_body *st, int framing, int content, uint64_t length, int frames);
int dp_body_feed(dp_body *st, const uint8_t *in, size_t in_len, uint8_t *out,
                 size_t out_cap, dp_span *spans, size_t max_spans, dp_result *res);
int dp_body_eof(dp_body *st);
"""

SOURCES = ["csrc/body.c", "csrc/demux.c", "csrc/tar.c"]
"""The stream core's sources (``tarevents.c`` is the separate ``_tarevents``)."""
EXT = (".so", ".pyd")

LIMITED_API = (
    sys.implementation.name == "cpython"
    and not sysconfig.get_config_var("Py_GIL_DISABLED")
    and not hasattr(sys, "gettotalrefcount")  # a debug build has no abi3 either
)
"""True when this interpreter builds an ``abi3`` extension (and wheel)."""
LIMITED_API_TAG = "cp310"
"""The oldest CPython an abi3 wheel claims (``requires-python`` in pyproject.toml)."""
LIMITED_API_HEX = "0x030A0000"
"""``Py_LIMITED_API`` for ``_tarevents``: the same 3.10 (cffi sets its own for ``_native``)."""
TAR_EVENTS_SOURCE = "csrc/tarevents.c"


def _flags() -> tuple[list[str], list[str]]:
    """Compile and link flags: -O2, then ``DOCKPROTO_CFLAGS``."""
    extra = ["-O2"]
    extra += shlex.split(os.environ.get("DOCKPROTO_CFLAGS", ""))
    link = [f for f in extra if f.startswith("-fsanitize") or f == "-fno-omit-frame-pointer"]
    return extra, link


def tar_extension(root: str = "") -> Extension:
    """``dockproto._tarevents``: tar events built in C (``csrc/tarevents.c``).

    A plain CPython extension, not cffi: it builds Python objects.  Stable ABI (3.10)
    wherever the cffi core is, so the wheel stays ``cp310-abi3``.
    """
    extra, link = _flags()
    return Extension(
        "dockproto._tarevents",
        sources=[os.path.join(root, TAR_EVENTS_SOURCE)],
        include_dirs=[os.path.join(root, "csrc")],
        depends=[os.path.join(root, "csrc", "dockproto.h")],
        extra_compile_args=extra,
        extra_link_args=link,
        define_macros=[("Py_LIMITED_API", LIMITED_API_HEX)] if LIMITED_API else [],
        py_limited_api=LIMITED_API,
    )


def make_builder(root: str = "") -> cffi.FFI:
    """The FFI builder; ``root`` prefixes the source paths (empty for setup.py)."""
    extra, link = _flags()
    builder = cffi.FFI()
    builder.cdef(CDEF)
    builder.set_source(
        "dockproto._native",
        '#include "dockproto.h"',
        sources=[os.path.join(root, s) for s in SOURCES],
        include_dirs=[os.path.join(root, "csrc")],
        extra_compile_args=extra,
        extra_link_args=link,
        **({"py_limited_api": True} if LIMITED_API else {}),
    )
    return builder


ffibuilder = make_builder()


def main() -> None:
    """Compile in place: ``dockproto/_native.*.so`` next to the Python sources."""
    tmp = os.path.join(ROOT, "build", "native")
    os.makedirs(tmp, exist_ok=True)
    make_builder(ROOT).compile(tmpdir=tmp, target=None, verbose="-v" in sys.argv)
    # compile() writes tmp/dockproto/_native.*.so; move it into the package, and drop
    # other builds that could shadow it.
    built = os.path.join(tmp, "dockproto")
    pkg = os.path.join(ROOT, "dockproto")
    new = [n for n in os.listdir(built) if n.startswith("_native.") and n.endswith(EXT)]
    drop_other_builds("_native", new)
    for name in new:
        os.replace(os.path.join(built, name), os.path.join(pkg, name))
        print(os.path.join("dockproto", name))
    print(build_tar_events_in_place())


def build_tar_events_in_place() -> str:
    """Compile ``dockproto/_tarevents.*.so`` in place (setuptools' build_ext)."""
    here = os.getcwd()
    os.chdir(ROOT)  # build_ext --inplace writes relative to the working directory
    try:
        dist = Distribution({"ext_modules": [tar_extension()], "script_name": "build_native.py"})
        cmd = dist.get_command_obj("build_ext")
        cmd.inplace = True  # type: ignore[attr-defined]
        cmd.force = True  # type: ignore[attr-defined]  # (the flags may have changed)
        cmd.build_temp = os.path.join("build", "tarevents")  # type: ignore[attr-defined]
        cmd.ensure_finalized()
        dist.run_command("build_ext")
        out = cmd.get_ext_fullpath("dockproto._tarevents")  # type: ignore[attr-defined]
    finally:
        os.chdir(here)
    drop_other_builds("_tarevents", [os.path.basename(out)])
    return os.path.relpath(out, ROOT)


def drop_other_builds(module: str, keep: list[str]) -> None:
    """Remove ``dockproto/<module>.*.so`` files not in ``keep``: another build (abi3 or
    not, say from ``pip install -e .``) could shadow the one just made."""
    pkg = os.path.join(ROOT, "dockproto")
    for name in os.listdir(pkg):
        if name.startswith(f"{module}.") and name.endswith(EXT) and name not in keep:
            os.remove(os.path.join(pkg, name))


if __name__ == "__main__":
    main()
