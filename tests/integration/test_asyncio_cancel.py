"""asyncio's own cancellation against both engines (and uvloop's): a task cancelled
mid-stream, or a stream under ``asyncio.timeout``, leaves no open socket and the client
goes on; a timeout around one receive leaves the stream usable.  (trio's cancel scopes: ``test_trio_cancel.py``; the blocking client's
``timeout=``: ``test_sync_timeouts.py``.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

import dockproto_asyncio

from ._async.support import Containers, made_containers
from .harness import ENGINES, IMAGE, AsyncioLoop, asyncio_timeout, open_sockets

pytestmark = pytest.mark.clients("asyncio", "uvloop")

# A container that prints a line every 10 ms for as long as it runs; and one that says
# it is ready, then is silent.
TICKS = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick $i; usleep 10000; done"]
SILENT = ["sh", "-c", "echo ready; exec sleep 600"]

Body = Callable[[dockproto_asyncio.Docker, Containers], Awaitable[None]]


def run(client: str, engine: str, body: Body) -> None:
    """``body(docker, containers)`` on ``client``'s loop, with an asyncio client."""
    loop = AsyncioLoop(client)

    async def main() -> None:
        async with dockproto_asyncio.open_docker(ENGINES[engine]) as docker:
            async with made_containers(loop, docker, IMAGE) as containers:
                await body(docker, containers)

    loop.run(main)


@asynccontextmanager
async def no_socket_left(docker: dockproto_asyncio.Docker) -> AsyncIterator[None]:
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
def test_task_cancelled_mid_stream_leaves_no_socket(client: str, engine: str, kind: str) -> None:
    """A task reading a stream while data flows, cancelled from outside after a few
    items, ends with CancelledError and closes the stream's connection."""

    async def body(docker: dockproto_asyncio.Docker, containers: Containers) -> None:
        cid = await _started(containers, TICKS)
        seen = 0
        kept: list[object] = []  # (so that no socket is closed by being collected)
        enough = asyncio.Event()

        def saw_one() -> None:
            nonlocal seen
            seen += 1
            if seen == 5:
                enough.set()

        async def reader() -> None:
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
            task = asyncio.ensure_future(reader())
            await asyncio.wait_for(enough.wait(), 30)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert task.cancelled()

    run(client, engine, body)


@pytest.mark.parametrize("kind", ["logs", "attach"])
def test_timeout_in_a_silent_stream_leaves_no_socket(client: str, engine: str, kind: str) -> None:
    """``asyncio.timeout`` (3.11) around a read blocked in a silent stream (after its
    first line) raises TimeoutError and closes the stream's connection."""

    async def body(docker: dockproto_asyncio.Docker, containers: Containers) -> None:
        cid = await containers.create(SILENT)
        got: list[bytes] = []
        async with no_socket_left(docker):
            stream: Any
            if kind == "logs":
                await docker.containers.start(cid)
                stream = docker.containers.logs(cid, follow=True)
            else:
                stream = docker.containers.attach(cid)
            async with stream as items:
                if kind == "attach":
                    await docker.containers.start(cid)
                async for chunk in items:
                    got.append(chunk.data)
                    break
                with pytest.raises(TimeoutError):
                    async with asyncio_timeout(0.25):
                        async for chunk in items:
                            got.append(chunk.data)
        assert got == [b"ready\n"]

    run(client, engine, body)


def test_cancelled_request_leaves_no_socket(client: str, engine: str) -> None:
    """A whole-answer call cancelled while the daemon has not answered (``wait`` on a
    running container) closes its connection; the next call gets a fresh one."""

    async def body(docker: dockproto_asyncio.Docker, containers: Containers) -> None:
        cid = await _started(containers, SILENT)
        async with no_socket_left(docker):
            with pytest.raises(TimeoutError):
                async with asyncio_timeout(0.25):
                    await docker.containers.wait(cid)
        assert (await docker.containers.inspect(cid))["State"]["Running"]

    run(client, engine, body)


def test_receive_timed_out_keeps_the_stream(client: str, engine: str) -> None:
    """A timeout around one ``receive`` with nothing to read cancels only that receive:
    the stream stays open and what comes next is read whole."""

    async def body(docker: dockproto_asyncio.Docker, containers: Containers) -> None:
        cid = await containers.create(["cat"], stdin=True, open_stdin=True)
        async with docker.containers.attach(cid, stdin=True) as stream:
            await docker.containers.start(cid)
            with pytest.raises(TimeoutError):
                async with asyncio_timeout(0.25):
                    await stream.receive()
            await stream.send_all(b"still here\n")
            echoed = b""
            async with asyncio_timeout(30):
                while echoed != b"still here\n":
                    chunk = await stream.receive()
                    assert chunk is not None
                    echoed += chunk.data

    run(client, engine, body)
