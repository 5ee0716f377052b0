"""The C core's build: it exists, its constants match the twin's, and it compiles cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from dockproto import _decode
from dockproto import _pydecode as py

ROOT = Path(__file__).resolve().parents[2]


def test_native_is_built() -> None:
    """The extension is built, and in use unless DOCKPROTO_PURE_PYTHON=1 turned it off."""
    assert _decode._load_native(), "dockproto._native is missing: run csrc/build_native.py"
    assert _decode.NATIVE is (os.environ.get("DOCKPROTO_PURE_PYTHON") != "1")


def test_tar_events_extension_is_built_and_in_use() -> None:
    """dockproto._tarevents is built, accepted our event types, and is used with the core."""
    import dockproto._tarevents as ext

    assert _decode.configure_tar_events(ext) is not None
    assert _decode.TAR_EVENTS is _decode.NATIVE
    sink = _decode.TarReader()._dec._sink
    assert (sink._fast is not None) is _decode.NATIVE  # type: ignore[attr-defined]


def test_constants_match_header() -> None:
    """Every enum the twin mirrors has the value the C header gives it."""
    from dockproto._native import lib

    for name in dir(lib):
        if name.startswith("DP_") and isinstance(getattr(lib, name), int):
            ours = name[3:]
            assert hasattr(py, ours), name
            assert getattr(py, ours) == getattr(lib, name), name
    for code in range(1, lib.DP_E_TAR_DEVICE + 1):
        assert code in py.MESSAGES


WARNINGS = ["-Wall", "-Wextra", "-Wpedantic", "-Wconversion", "-Wshadow", "-Werror"]
# tarevents.c includes Python.h: its headers are system headers here (their own
# warnings are not ours), and it is checked for the stable ABI and without it.
PYTHON_INCLUDE = ["-isystem", sysconfig.get_paths()["include"]]
VARIANTS = {"tarevents.c": [["-DPy_LIMITED_API=0x030A0000"], []]}


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_c_sources_are_warning_free() -> None:
    """csrc/*.c compile as C99 with -Wall -Wextra -Wpedantic -Wconversion and no warning."""
    sources = sorted((ROOT / "csrc").glob("*.c"))
    assert "tarevents.c" in [s.name for s in sources]
    for src in sources:
        for variant in VARIANTS.get(src.name, [[]]):
            python = PYTHON_INCLUDE if src.name in VARIANTS else []
            proc = subprocess.run(
                ["gcc", "-std=c99", *WARNINGS, "-O2", "-fsyntax-only", *python, *variant, str(src)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert proc.returncode == 0, (src.name, variant, proc.stderr)


def _native_in_subprocess(env_value: str | None, hide_native: bool = False) -> str:
    env = dict(os.environ)
    env.pop("DOCKPROTO_PURE_PYTHON", None)
    if env_value is not None:
        env["DOCKPROTO_PURE_PYTHON"] = env_value
    hide = "import sys; sys.modules['dockproto._native'] = None; " if hide_native else ""
    code = (
        "import warnings; warnings.simplefilter('always'); "
        f"{hide}"
        "import dockproto._decode as d; print(d.NATIVE)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    return proc.stdout.strip() + "|" + ("warn" if "RuntimeWarning" in proc.stderr else "")


def test_pure_python_switch() -> None:
    """DOCKPROTO_PURE_PYTHON=1 forces the twin quietly; a missing extension warns."""
    assert _native_in_subprocess(None) == "True|"
    assert _native_in_subprocess("1") == "False|"
    assert _native_in_subprocess("0") == "True|"
    assert _native_in_subprocess(None, hide_native=True) == "False|warn"
    assert _native_in_subprocess("1", hide_native=True) == "False|"
