"""Load against the real dockerd: 1,000 concurrent requests, 200 concurrent streams.

One client each time.  Every answer must be right, nothing may fail, and afterwards the
process holds exactly the file descriptors it held before (idle keep-alive connections
are closed with the client).  Figures are printed (``-s`` shows them).
"""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio

import dockproto_trio
from dockproto._policy import MAX_CONCURRENT_REQUESTS, MAX_IDLE

from ..limits import teardown_limit

pytestmark = pytest.mark.integration

HOST = os.environ.get("DOCKPROTO_DOCKER_HOST")
IMAGE = os.environ.get("DOCKPROTO_TEST_IMAGE", "dockproto-test/busybox:latest")
REQUESTS = 1000
STREAMS = 200


def open_fds() -> int:
    gc.collect()  # (what earlier tests left to the collector is not this test's)
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def host() -> str:
    if not HOST:
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail("no docker engine: run scripts/engines start")
        pytest.skip("no docker engine (set DOCKPROTO_DOCKER_HOST)")
    return HOST


@pytest.fixture
async def container(host: str) -> AsyncIterator[tuple[str, str]]:
    """A container that printed 2,000 numbered lines and exited: (id, name)."""
    name = f"dpload-{uuid.uuid4().hex[:10]}"
    async with dockproto_trio.open_docker(host) as docker:
        cid = await docker.containers.create(IMAGE, ["seq", "1", "2000"], name=name)
        try:
            await docker.containers.start(cid)
            assert await docker.containers.wait(cid) == 0
            yield cid, name
        finally:
            with teardown_limit():
                await docker.containers.rm(cid, force=True)


async def test_thousand_concurrent_requests(host: str, container: tuple[str, str]) -> None:
    """1,000 requests at once (five kinds) all succeed with the right answers, no leak."""
    cid, name = container
    before = open_fds()
    results: dict[int, Any] = {}
    start = time.monotonic()
    async with dockproto_trio.open_docker(host) as docker:

        async def one(i: int) -> None:
            kind = i % 5
            if kind == 0:
                results[i] = await docker.ping() == "OK"
            elif kind == 1:
                results[i] = (await docker.version()).api_version >= "1.41"
            elif kind == 2:
                results[i] = (await docker.containers.inspect(cid))["Id"] == cid
            elif kind == 3:
                found = await docker.containers.list(all=True, filters={"name": [name]})
                results[i] = [c.id for c in found] == [cid]
            else:
                results[i] = bool((await docker.images.inspect(IMAGE))["Id"])

        async with trio.open_nursery() as nursery:
            for i in range(REQUESTS):
                nursery.start_soon(one, i)
        opened = docker._pool.opened
        idle = docker._pool.idle
    elapsed = time.monotonic() - start
    print(f"\n{REQUESTS} concurrent requests in {elapsed:.2f} s over {opened} connections")
    assert len(results) == REQUESTS and all(results.values())
    assert idle <= MAX_IDLE and opened <= MAX_CONCURRENT_REQUESTS
    assert open_fds() == before


async def test_two_hundred_concurrent_log_streams(host: str, container: tuple[str, str]) -> None:
    """200 logs streams open at once each read all 2,000 lines, in order; no leak."""
    cid, _ = container
    want = b"".join(b"%d\n" % i for i in range(1, 2001))
    before = open_fds()
    got: dict[int, bytes] = {}
    opened = 0
    all_open = trio.Event()
    start = time.monotonic()
    async with dockproto_trio.open_docker(host) as docker:
        docker.remember_tty(cid, False)

        async def one(i: int) -> None:
            nonlocal opened
            async with docker.containers.logs(cid) as logs:
                opened += 1
                if opened == STREAMS:
                    all_open.set()
                await all_open.wait()  # every stream has its answer's head: all open at once
                got[i] = b"".join([c.data async for c in logs])

        async with trio.open_nursery() as nursery:
            for i in range(STREAMS):
                nursery.start_soon(one, i)
    elapsed = time.monotonic() - start
    print(f"\n{STREAMS} concurrent log streams ({len(want)} bytes each) in {elapsed:.2f} s")
    assert len(got) == STREAMS and all(v == want for v in got.values())
    assert open_fds() == before


async def test_two_hundred_concurrent_event_streams(host: str) -> None:
    """200 event streams open at once each see a container's create, start and destroy."""
    name = f"dpload-{uuid.uuid4().hex[:10]}"
    before = open_fds()
    seen: dict[int, list[str]] = {}
    opened = 0
    all_open = trio.Event()
    start = time.monotonic()
    async with dockproto_trio.open_docker(host) as docker:
        since = int(time.time()) - 1  # (the daemon runs on this machine: one clock)

        async def one(i: int) -> None:
            nonlocal opened
            filters = {"container": [name], "type": ["container"]}
            actions: list[str] = []
            async with docker.events(since=since, filters=filters) as events:
                opened += 1
                if opened == STREAMS:
                    all_open.set()
                async for event in events:
                    actions.append(event["Action"])
                    if event["Action"] == "destroy":
                        break
            seen[i] = actions

        with trio.fail_after(60):
            async with trio.open_nursery() as nursery:
                for i in range(STREAMS):
                    nursery.start_soon(one, i)
                await all_open.wait()
                cid = await docker.containers.create(IMAGE, ["true"], name=name)
                await docker.containers.start(cid)
                await docker.containers.wait(cid)
                await docker.containers.rm(cid)
    elapsed = time.monotonic() - start
    print(f"\n{STREAMS} concurrent event streams in {elapsed:.2f} s")
    assert len(seen) == STREAMS
    for actions in seen.values():
        assert actions[0] == "create" and "start" in actions and actions[-1] == "destroy"
    assert open_fds() == before
