"""README's client examples run as written, against both engines.

Each ```python block that opens a client is run in a fresh interpreter with only these
changes: ``open_docker()`` gets the engine's address, ``"busybox"`` is the test image,
and ``"web"`` (the trio example's running container) is a container made for the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from .harness import ENGINES

ROOT = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("DOCKPROTO_TEST_IMAGE", "dockproto-test/busybox:latest")
BLOCKS = [
    b
    for b in re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    if "open_docker()" in b
]
# What each example prints, as the README's comments say.
EXPECT = {
    "dockproto_sync": [r"STDOUT b'hi\\n'", r"STDERR b'oops\\n'", r"exit code 0"],
    "dockproto_asyncio": [r"\(b'hello\\n', b'done\\n'\)"],
    "dockproto_trio": [r"Version\(api_version=", r"3 b'in' b''"],
}


def _client(block: str) -> str:
    return re.search(r"dockproto_(sync|asyncio|trio)", block).group(0)  # type: ignore[union-attr]


def test_readme_shows_every_client() -> None:
    """The README has one runnable example per client."""
    assert sorted(_client(b) for b in BLOCKS) == sorted(EXPECT)


def _run(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.mark.parametrize("block", BLOCKS, ids=_client)
def test_readme_example_runs(engine: str, block: str) -> None:
    host = ENGINES[engine]  # (the engine fixture skips, or fails in CI, without it)
    name = f"dp-readme-{uuid.uuid4().hex[:12]}"
    setup = (
        "import dockproto_sync\n"
        f"with dockproto_sync.open_docker({host!r}) as d:\n"
        f"    d.containers.start(d.containers.create({IMAGE!r}, ['sleep', '300'], name={name!r}))\n"
    )
    cleanup = (
        "import dockproto_sync\n"
        f"with dockproto_sync.open_docker({host!r}) as d:\n"
        f"    d.containers.rm({name!r}, force=True)\n"
    )
    code = block.replace("open_docker()", f"open_docker({host!r})")
    code = code.replace('"busybox"', repr(IMAGE)).replace('"web"', repr(name))
    assert _run(setup).returncode == 0
    try:
        done = _run(code)
    finally:
        _run(cleanup)
    assert done.returncode == 0, done.stderr
    for pattern in EXPECT[_client(block)]:
        assert re.search(pattern, done.stdout), (pattern, done.stdout)
