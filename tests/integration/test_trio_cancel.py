"""trio's cancel scopes against both engines: a scope cancelled mid-stream, or a
deadline in a silent stream, leaves no open socket and the client goes on; a scope
around one receive leaves the stream usable.

trio only: these check cancel scopes (level-triggered, cancelled from another task or
by a deadline, ``cancelled_caught``), which the other clients do not have; asyncio's
task cancellation is ``test_asyncio_cancel.py``'s, the blocking client's ``timeout=``
is ``test_sync_timeouts.py``'s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trio

import dockproto_trio

from .conftest import Containers
from .harness import open_sockets

TICKS = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick $i; usleep 10000; done"]
SILENT = ["sh", "-c", "echo ready; exec sleep 600"]


@asynccontextmanager
async def no_socket_left(docker: dockproto_trio.Docker) -> AsyncIterator[None]:
    """The block leaves no socket open (besides the pool's idle ones), and the client
    works after it."""
    await docker.ping()
    before = open_sockets(docker)
    yield
    assert open_sockets(docker) == before
    assert await docker.ping() == "OK"
    assert open_sockets(docker) == before


async def _started(containers: Containers, cmd: list[str]) -> str:
    cid = await containers.create(cmd)
    await containers.docker.containers.start(cid)
    return cid


@pytest.mark.parametrize("kind", ["logs", "attach", "exec"])
async def test_scope_cancelled_mid_stream_leaves_no_socket(
    docker: dockproto_trio.Docker, containers: Containers, kind: str
) -> None:
    """A task reading a stream while data flows, its scope cancelled from another task
    after a few items, stops and closes the stream's connection."""
    cid = await _started(containers, TICKS)
    seen = 0
    kept: list[object] = []  # (so that no socket is closed by being collected)
    enough = trio.Event()
    scope = trio.CancelScope()

    def saw_one() -> None:
        nonlocal seen
        seen += 1
        if seen == 5:
            enough.set()

    async def reader() -> None:
        with scope:
            if kind == "logs":
                logs = docker.containers.logs(cid, follow=True)
                kept.append(logs)
                async for _ in logs:
                    saw_one()
            elif kind == "attach":
                async with docker.containers.attach(cid) as stream:
                    kept.append(stream)
                    async for _ in stream:
                        saw_one()
            else:
                eid = await docker.exec.create(cid, TICKS)
                async with docker.exec.start(eid) as stream:
                    kept.append(stream)
                    async for _ in stream:
                        saw_one()
            raise AssertionError("the stream ended by itself")

    async with no_socket_left(docker):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(reader)
            with trio.fail_after(30):
                await enough.wait()
            scope.cancel()
    assert scope.cancelled_caught and seen >= 5


@pytest.mark.parametrize("kind", ["logs", "attach"])
async def test_deadline_in_a_silent_stream_leaves_no_socket(
    docker: dockproto_trio.Docker, containers: Containers, kind: str
) -> None:
    """``move_on_after`` around a read blocked in a silent stream (after its first line)
    stops it and closes the stream's connection."""
    cid = await containers.create(SILENT)
    got: list[bytes] = []
    async with no_socket_left(docker):
        if kind == "logs":
            await docker.containers.start(cid)
            stream = docker.containers.logs(cid, follow=True)
            async with stream:
                async for chunk in stream:
                    got.append(chunk.data)
                    break
                with trio.move_on_after(0.25) as scope:
                    async for chunk in stream:
                        got.append(chunk.data)
        else:
            async with docker.containers.attach(cid) as attached:
                await docker.containers.start(cid)
                async for chunk in attached:
                    got.append(chunk.data)
                    break
                with trio.move_on_after(0.25) as scope:
                    async for chunk in attached:
                        got.append(chunk.data)
    assert scope.cancelled_caught
    assert got == [b"ready\n"]


async def test_cancelled_request_leaves_no_socket(
    docker: dockproto_trio.Docker, containers: Containers
) -> None:
    """A whole-answer call whose scope is cancelled before the daemon answers (``wait``
    on a running container) closes its connection."""
    cid = await _started(containers, SILENT)
    async with no_socket_left(docker):
        with trio.move_on_after(0.25) as scope:
            await docker.containers.wait(cid)
    assert scope.cancelled_caught
    assert (await docker.containers.inspect(cid))["State"]["Running"]


async def test_receive_cancelled_by_its_scope_keeps_the_stream(
    docker: dockproto_trio.Docker, containers: Containers
) -> None:
    """A scope around one ``receive`` with nothing to read cancels only that receive:
    the stream stays open and what comes next is read whole."""
    cid = await containers.create(["cat"], stdin=True, open_stdin=True)
    async with docker.containers.attach(cid, stdin=True) as stream:
        await docker.containers.start(cid)
        with trio.move_on_after(0.25) as scope:
            await stream.receive()
        assert scope.cancelled_caught
        await stream.send_all(b"still here\n")
        echoed = b""
        with trio.fail_after(30):
            while echoed != b"still here\n":
                chunk = await stream.receive()
                assert chunk is not None
                echoed += chunk.data
