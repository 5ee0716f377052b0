"""Fixtures for the tests against real engines: dockerd 20.10 and podman 4.3.

``scripts/engines start`` prints the addresses; ``scripts/test`` exports them as
``DOCKPROTO_DOCKER_HOST`` and ``DOCKPROTO_PODMAN_HOST``, and the test image as
``DOCKPROTO_TEST_IMAGE``.  Without them these tests are skipped, unless
``DOCKPROTO_REQUIRE_ENGINES=1`` (as in CI), which makes a missing engine an error.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio

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


@pytest.fixture
async def rootfs_url(nursery: trio.Nursery) -> AsyncIterator[Any]:
    """``url(data)``: an http URL on 127.0.0.1 from which the daemon fetches ``data``."""
    served: dict[str, bytes] = {}

    async def serve(stream: trio.SocketStream) -> None:
        async with stream:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = await stream.receive_some(4096)
                if not chunk:
                    return
                request += chunk
            path = request.split(b" ", 2)[1].decode()
            data = served.get(path)
            if data is None:
                await stream.send_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return
            head = b"HTTP/1.0 200 OK\r\nContent-Type: application/x-tar\r\n"
            await stream.send_all(head + b"Content-Length: %d\r\n\r\n" % len(data) + data)

    listeners = await nursery.start(functools.partial(trio.serve_tcp, serve, 0, host="127.0.0.1"))
    port = listeners[0].socket.getsockname()[1]

    def url(data: bytes) -> str:
        path = f"/{uuid.uuid4().hex}.tar"
        served[path] = data
        return f"http://127.0.0.1:{port}{path}"

    yield url
    nursery.cancel_scope.cancel()
