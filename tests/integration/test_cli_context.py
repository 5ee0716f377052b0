"""The dockproto command's ``context ls`` and ``context use``, on contexts made by the real
docker CLI in a configuration folder of the test's own (HOME and DOCKER_CONFIG given to
the commands it runs, never set on this process), and the docker CLI reading back what
``context use`` wrote."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import trio

from .conftest import ENGINES
from .sshenv import base_env, docker_cli

pytestmark = pytest.mark.engines("docker")


async def cli(env: dict[str, str], *args: str) -> Any:
    return await trio.run_process(
        [sys.executable, "-m", "dockproto_sync", *args],
        capture_stdout=True,
        capture_stderr=True,
        check=False,
        env=env,
    )


def table(text: bytes) -> list[list[str]]:
    """``context ls``'s rows, cells split where columns are (3 spaces or more)."""
    return [re.split(r" {3,}", line) for line in text.decode().splitlines()]


async def test_context_ls_and_use(engine: str, tmp_path: Path) -> None:
    """ls lists default first (current, marked *), then each context by name with its
    description and endpoint; use writes currentContext into config.json, keeping the
    other keys; the docker CLI then shows that context, and the command connects
    through it."""
    env = base_env(tmp_path)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    docker_cli(env, "context", "create", "one", "--description", "the private dockerd",
               "--docker", f"host={ENGINES[engine]}")  # fmt: skip
    docker_cli(env, "context", "create", "b-ssh", "--docker", "host=ssh://me@remote:2222")
    config = tmp_path / ".docker" / "config.json"
    config.write_text(
        json.dumps({"auths": {"r.example": {"auth": "eDp5"}}, "detachKeys": "ctrl-x"})
    )

    ls = await cli(env, "context", "ls")
    assert ls.returncode == 0, ls.stderr
    assert table(ls.stdout) == [
        ["NAME", "DESCRIPTION", "DOCKER ENDPOINT"],
        ["default *", "Current DOCKER_HOST based configuration", "unix:///var/run/docker.sock"],
        ["b-ssh", "ssh://me@remote:2222"],  # (no description: the two columns meet)
        ["one", "the private dockerd", str(ENGINES[engine])],
    ]

    use = await cli(env, "context", "use", "one")
    assert (use.returncode, use.stdout) == (0, b"one\n"), use.stderr
    assert json.loads(config.read_text()) == {
        "auths": {"r.example": {"auth": "eDp5"}},
        "detachKeys": "ctrl-x",
        "currentContext": "one",
    }
    assert docker_cli(env, "context", "show").strip() == "one"
    rows = table((await cli(env, "context", "ls")).stdout)
    assert [row[0] for row in rows] == ["NAME", "default", "b-ssh", "one *"]

    version = await cli(env, "version")  # (no -H, no DOCKER_HOST: the current context)
    assert version.returncode == 0 and b"Server:" in version.stdout, version.stderr

    back = await cli(env, "context", "use", "default")
    assert back.returncode == 0
    assert "currentContext" not in json.loads(config.read_text())
    assert docker_cli(env, "context", "show").strip() == "default"


async def test_context_errors(engine: str, tmp_path: Path) -> None:
    """A context that does not exist: use refuses it, naming it, and writes nothing; a
    command under DOCKER_CONTEXT naming it says so and exits 1."""
    env = base_env(tmp_path)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    use = await cli(env, "context", "use", "nope")
    assert use.returncode == 1
    assert b"Docker context 'nope' does not exist" in use.stderr
    assert not (tmp_path / ".docker" / "config.json").exists()
    version = await cli({**env, "DOCKER_CONTEXT": "nope"}, "version")
    assert version.returncode == 1
    assert version.stderr.startswith(b"dockproto: Docker context 'nope' does not exist")
    assert b"Traceback" not in version.stderr
