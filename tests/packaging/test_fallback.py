"""The pure-Python fallback of an installed dockproto: switch, missing and broken core.

Each case imports dockproto in a fresh interpreter (the choice is made once, when the
stream decoders are first used: ``import dockproto`` does not load them), decodes a
multiplexed stream and a tar archive there, and reports what it saw.  "Missing" and "broken" run on a copy of the package under test (the installed
wheel, or the source tree) without its extension, or with a file in its place that
the loader rejects, as on an install where the C build failed.
"""

from __future__ import annotations

import importlib.machinery
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

import dockproto
from dockproto import _decode

PACKAGE = Path(dockproto.__file__).resolve().parent
WARNING = "RuntimeWarning: dockproto: the C stream core (dockproto._native) is not available"

PROBE = r"""
import io, json, sys, tarfile, warnings
if sys.argv[3] == "copy":  # import the copy only: drop finders of editable installs
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in str(f)]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import dockproto
    lazy = "dockproto._decode" not in sys.modules
    demux = dockproto.Demuxer()
    wire = bytes.fromhex(sys.argv[1])
    chunks = [[c.stream.name, c.data.decode()] for c in demux.feed(wire) + demux.close()]
    reader = dockproto.TarReader()
    tar = [type(e).__name__ for e in reader.feed(bytes.fromhex(sys.argv[2])) + reader.close()]
print(json.dumps({
    "lazy": lazy,
    "native": dockproto.NATIVE,
    "tar_events": dockproto._decode.TAR_EVENTS,
    "file": dockproto.__file__,
    "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    "chunks": chunks,
    "tar": tar,
}))
"""

WIRE = b"\x01\x00\x00\x00\x00\x00\x00\x04out\n" + b"\x02\x00\x00\x00\x00\x00\x00\x04err\n"
CHUNKS = [["STDOUT", "out\n"], ["STDERR", "err\n"]]
TAR_EVENTS = ["TarMember", "TarData", "EndOfArchive"]


def _tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("hello.txt")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"hi\n"))
    return buf.getvalue()


def probe(tmp: Path, switch: str | None, package: Path | None = None) -> dict[str, Any]:
    """Run PROBE in a fresh interpreter; ``package`` is a folder to import dockproto from."""
    env = {k: v for k, v in os.environ.items() if k != "DOCKPROTO_PURE_PYTHON"}
    if switch is not None:
        env["DOCKPROTO_PURE_PYTHON"] = switch
    if package is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, WIRE.hex(), _tar().hex(), "copy" if package else "-"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    assert result["chunks"] == CHUNKS
    assert result["tar"] == TAR_EVENTS
    assert result["lazy"], "import dockproto loaded the stream decoders"
    if package is not None:
        assert Path(result["file"]).resolve().is_relative_to(package.resolve())
    return result


def without_core(tmp: Path, extension: str = "_native") -> Path:
    """A copy of the package under test, minus an extension; returns its sys.path entry."""
    site = tmp / "site"

    def skip(folder: str, names: list[str]) -> set[str]:
        core = {n for n in names if n.startswith(f"{extension}.") and not n.endswith(".pyi")}
        return core | {"__pycache__"}

    shutil.copytree(PACKAGE, site / "dockproto", ignore=skip)
    return site


needs_core = pytest.mark.skipif(
    not _decode._load_native(), reason="the C core is not built in this install"
)


@needs_core
@pytest.mark.parametrize("switch", [None, "0", ""])
def test_core_is_used_by_default(tmp_path: Path, switch: str | None) -> None:
    """With the extension importable and no DOCKPROTO_PURE_PYTHON=1, the C core decodes, quietly."""
    result = probe(tmp_path, switch)
    assert result["native"] is True
    assert result["tar_events"] is True
    assert result["warnings"] == []


@needs_core
def test_missing_tar_events_extension_falls_back_to_the_python_sink(tmp_path: Path) -> None:
    """Without dockproto._tarevents the C core still decodes, and tar events are built
    in Python: the same events, and nothing to warn about."""
    site = without_core(tmp_path, "_tarevents")
    assert not list((site / "dockproto").glob("_tarevents.*.so"))
    result = probe(tmp_path, None, site)
    assert result["native"] is True
    assert result["tar_events"] is False
    assert result["warnings"] == []


def test_switch_forces_pure_python_quietly(tmp_path: Path) -> None:
    """DOCKPROTO_PURE_PYTHON=1 selects the Python twins, decodes the same, and warns of nothing."""
    result = probe(tmp_path, "1")
    assert result["native"] is False
    assert result["tar_events"] is False
    assert result["warnings"] == []


def test_missing_core_falls_back_with_a_warning(tmp_path: Path) -> None:
    """Without dockproto._native the package still works, NATIVE is False, and it warns once."""
    result = probe(tmp_path, None, without_core(tmp_path))
    assert result["native"] is False
    [warning] = result["warnings"]
    assert warning.startswith(WARNING)
    assert "pure-Python decoders" in warning
    assert "DOCKPROTO_PURE_PYTHON=1" in warning


def test_broken_core_falls_back_with_a_warning(tmp_path: Path) -> None:
    """A core the loader rejects (another platform's build, a truncated file) also falls back."""
    site = without_core(tmp_path)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (site / "dockproto" / f"_native{suffix}").write_bytes(b"not a shared object\n")
    result = probe(tmp_path, None, site)
    assert result["native"] is False
    [warning] = result["warnings"]
    assert warning.startswith(WARNING)


def test_switch_with_missing_core_is_quiet(tmp_path: Path) -> None:
    """DOCKPROTO_PURE_PYTHON=1 also silences the warning where the core is missing."""
    result = probe(tmp_path, "1", without_core(tmp_path))
    assert result["native"] is False
    assert result["warnings"] == []
