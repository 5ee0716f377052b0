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
    "dockproto_sync": [
        r"^b'hello\\n'$",
        r"STDOUT b'hi\\n'",
        r"STDERR b'oops\\n'",
        r"exit code 0",
    ],
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
        assert re.search(pattern, done.stdout, re.M), (pattern, done.stdout)


def _section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _shape(line: str) -> str:
    """A sample log line as a pattern: ``<id>`` any container id, any number any number."""
    parts = []
    for i, piece in enumerate(re.split(r"(\d+(?:\.\d+)?)", line)):
        parts.append(r"\d+(?:\.\d+)?" if i % 2 else re.escape(piece))
    return "".join(parts).replace(re.escape("<id>"), "[0-9a-f]{64}")


def test_readme_debugging_sample(engine: str) -> None:
    """The Debugging section's lines switch logging on, and a program that does what
    its sample shows logs lines of the sample's every shape."""
    section = _section("Debugging")
    (switch,) = re.findall(r"```python\n(.*?)```", section, re.S)
    (sample,) = re.findall(r"```text\n(.*?)```", section, re.S)
    host = ENGINES[engine]
    code = switch + (
        "import dockproto_sync\n"
        f"with dockproto_sync.open_docker({host!r}) as d:\n"
        f"    cid = d.containers.create({IMAGE!r}, ['sh', '-c', 'echo hi; sleep 60'])\n"
        "    d.containers.start(cid)\n"
        "    with d.containers.logs(cid, stdout=True, stderr=True, follow=True) as s:\n"
        "        next(iter(s))\n"
        "    d.containers.rm(cid, force=True)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    logged = done.stderr.splitlines()
    version = re.escape(re.search(r"/v(1\.\d+)/", done.stderr).group(1))  # type: ignore[union-attr]
    for line in sample.splitlines():
        pattern = _shape(line.replace("/v1.41/", "/v<version>/"))
        pattern = pattern.replace(re.escape("<version>"), version)
        assert any(re.fullmatch(pattern, got) for got in logged), (line, done.stderr)
