"""Fixtures for the tests against real engines: dockerd 20.10 and podman 4.3.

``scripts/engines start`` prints the addresses; ``scripts/test`` exports them as
``DOCKPROTO_DOCKER_HOST`` and ``DOCKPROTO_PODMAN_HOST``, and the test image as
``DOCKPROTO_TEST_IMAGE``.  Without them these tests are skipped, unless
``DOCKPROTO_REQUIRE_ENGINES=1`` (as in CI), which makes a missing engine an error.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

import dockproto_trio

from ..limits import teardown_limit

ENGINES = {
    "docker": os.environ.get("DOCKPROTO_DOCKER_HOST"),
    "podman": os.environ.get("DOCKPROTO_PODMAN_HOST"),
}
IMAGE = os.environ.get("DOCKPROTO_TEST_IMAGE", "dockproto-test/busybox:latest")


@pytest.fixture(params=sorted(ENGINES))
def engine(request: Any) -> str:
    name = str(request.param)
    if not ENGINES[name]:
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail(f"no {name} engine: run scripts/engines start")
        pytest.skip(f"no {name} engine (set DOCKPROTO_{name.upper()}_HOST)")
    return name


@pytest.fixture
async def docker(engine: str) -> AsyncIterator[dockproto_trio.Docker]:
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(dockproto_trio.open_docker(ENGINES[engine]))
        yield client
        with teardown_limit():
            await stack.aclose()


@pytest.fixture
def image() -> str:
    return IMAGE


class Containers:
    """Creates containers with unique names and removes them at the end of the test."""

    def __init__(self, docker: dockproto_trio.Docker) -> None:
        self.docker = docker
        self.ids: list[str] = []

    async def create(self, cmd: list[str] | None = None, **kwargs: Any) -> str:
        kwargs.setdefault("name", f"dp-{uuid.uuid4().hex[:12]}")
        cid = await self.docker.containers.create(IMAGE, cmd, **kwargs)
        self.ids.append(cid)
        return cid


@pytest.fixture
async def containers(docker: dockproto_trio.Docker) -> AsyncIterator[Containers]:
    made = Containers(docker)
    yield made
    with teardown_limit():
        for cid in made.ids:
            try:
                await docker.containers.rm(cid, force=True)
            except Exception:
                pass  # (the test removed it already, or the engine is gone: reported there)
