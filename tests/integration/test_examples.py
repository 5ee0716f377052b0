"""Every program in ``docs/examples`` runs against the private dockerd and prints what
it promises, so the examples cannot rot.

Each runs in a fresh interpreter with ``DOCKER_HOST`` set to the engine, and one change
to its text: ``"busybox"`` is the test image.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import ENGINES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
IMAGE = os.environ.get("DOCKPROTO_TEST_IMAGE", "dockproto-test/busybox:latest")
CLIENTS = ["asyncio", "trio", "sync"]
# ``DOCKPROTO_TEST_CLIENTS=trio`` (the ASan pass) keeps the examples of those clients.
_ONLY = os.environ.get("DOCKPROTO_TEST_CLIENTS", "")
KEPT = [c for c in CLIENTS if not _ONLY or c in _ONLY.split(",")]
# What each example prints (every pattern must be found).
EXPECT = {
    "run": [r"^hello from a container$"],
    "workers": [
        *(rf"^\[worker {n}\] stdout: step 3$" for n in range(5)),
        *(rf"^\[worker {n}\] stderr: warning 3$" for n in range(5)),
        r"^exit codes: \[0, 0, 0, 0, 0\]$",
    ],
    "follow_logs": [r"^the server is ready$"],
    "copy": [r"^\['hello.txt'\] hi there$"],
    "exec": [r"^exit code 7 output b'checking\\n'$"],
    "events": [r"^container create$", r"^container start$", r"^container die$",
               r"^container destroy$"],
}  # fmt: skip


def test_every_example_is_tested() -> None:
    """Each client has each example, and nothing else."""
    for loop in CLIENTS:
        assert sorted(p.stem for p in (EXAMPLES / loop).glob("*.py")) == sorted(EXPECT)


@pytest.mark.engines("docker")
@pytest.mark.parametrize("kind", KEPT)
@pytest.mark.parametrize("example", sorted(EXPECT))
def test_example_runs(engine: str, example: str, kind: str) -> None:
    host = ENGINES[engine]
    assert host is not None
    code = (EXAMPLES / kind / f"{example}.py").read_text()
    assert '"busybox"' in code
    env = {**os.environ, "DOCKER_HOST": host, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code.replace('"busybox"', repr(IMAGE))],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    for pattern in EXPECT[example]:
        assert re.search(pattern, done.stdout, re.M), (pattern, done.stdout)
