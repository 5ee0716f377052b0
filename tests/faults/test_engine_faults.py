"""Faults injected between the client and the real engines by a TCP proxy on 127.0.0.1:
the answer reset or cut mid-stream, dripped one byte per write, or stalled.

The engine itself is never disturbed (others use it); the proxy only misbehaves towards
the client.  Afterwards the same client must work through the proxy and directly.
"""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing

import dockproto
import dockproto_trio

from .engines import IMAGE, engine_socket, remove, unique
from .wire import FaultProxy, open_fds

pytestmark = pytest.mark.integration


@pytest.fixture(params=["docker", "podman"])
def engine(request: Any) -> str:
    return engine_socket(str(request.param))


async def made_container(docker: dockproto_trio.Docker, lines: int) -> str:
    """A container that printed ``lines`` numbered lines and exited."""
    cid = await docker.containers.create(IMAGE, ["seq", "1", str(lines)], name=unique())
    await docker.containers.start(cid)
    assert await docker.containers.wait(cid) == 0
    return cid


async def log_bytes(docker: dockproto_trio.Docker, cid: str) -> bytes:
    return b"".join([c.data async for c in docker.containers.logs(cid, tty=False)])


async def export_size(docker: dockproto_trio.Docker, cid: str) -> int:
    total = 0
    async with docker.containers.export(cid) as tar:
        async for item in tar:
            if isinstance(item, dockproto.TarData):
                total += len(item.data)
    return total


@pytest.mark.parametrize("mode", ["reset", "cut"])
async def test_engine_stream_broken_midway(engine: str, mode: str) -> None:
    """Logs and export broken off midway raise ProtocolError; then everything works."""
    before = len(open_fds())
    proxy = FaultProxy(engine)
    async with dockproto_trio.open_docker(f"unix://{engine}") as direct:
        cid = await made_container(direct, 3000)
        try:
            want_logs = await log_bytes(direct, cid)
            want_size = await export_size(direct, cid)
            async with proxy.running():
                # (the proxy takes the mode when a connection opens; a failed call
                # closes its connection, so each step below runs on a new one)
                proxy.mode, proxy.after = mode, 5000
                async with dockproto_trio.open_docker(proxy.host, tls=False) as docker:
                    with pytest.raises(dockproto.ProtocolError):
                        await log_bytes(docker, cid)
                    proxy.after = 300_000
                    with pytest.raises(dockproto.ProtocolError):
                        await export_size(docker, cid)
                    proxy.mode = "pass"
                    assert await log_bytes(docker, cid) == want_logs
                    assert await export_size(docker, cid) == want_size
        finally:
            await remove(direct, cid)
    assert len(want_logs) > 5000 and want_size > 300_000
    assert len(open_fds()) == before


async def test_engine_answers_dripped_one_byte_per_write(engine: str) -> None:
    """The engine's answers dripped one byte per write decode to the same results."""
    proxy = FaultProxy(engine)
    async with dockproto_trio.open_docker(f"unix://{engine}") as direct:
        cid = await made_container(direct, 300)
        try:
            want = (await direct.containers.inspect(cid))["Id"], await log_bytes(direct, cid)
            async with proxy.running():
                proxy.mode, proxy.after = "drip", 3000
                async with dockproto_trio.open_docker(proxy.host, tls=False) as docker:
                    got = (await docker.containers.inspect(cid))["Id"], await log_bytes(docker, cid)
                    assert got == want
                    assert await docker.ping() == "OK"
        finally:
            await remove(direct, cid)
    assert proxy.forwarded > 3000


@pytest.fixture
def idle_clock() -> trio.testing.MockClock:
    """Virtual time that jumps ahead once every task has waited 0.3 s of real time: a
    stall (which never ends) is cut short, real engine answers (milliseconds) are not."""
    return trio.testing.MockClock(autojump_threshold=0.3)


async def test_engine_stalled_follow_ends_with_fail_after(
    engine: str, idle_clock: trio.testing.MockClock
) -> None:
    """A follow whose bytes stop coming is ended by the caller's fail_after, cleanly."""
    before = len(open_fds())
    proxy = FaultProxy(engine)
    async with dockproto_trio.open_docker(f"unix://{engine}") as direct:
        cid = await made_container(direct, 2000)
        try:
            async with proxy.running():
                proxy.mode, proxy.after = "stall", 2000
                async with dockproto_trio.open_docker(proxy.host, tls=False) as docker:
                    got = 0
                    with pytest.raises(trio.TooSlowError):
                        with trio.fail_after(30):
                            async for c in docker.containers.logs(cid, follow=True, tty=False):
                                got += len(c.data)
                    assert 0 < got <= 2000
                    proxy.mode = "pass"
                    assert await docker.ping() == "OK"
                    assert docker._pool.idle == 1
        finally:
            await remove(direct, cid)
    assert len(open_fds()) == before
