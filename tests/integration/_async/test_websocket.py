"""``containers.attach_ws``: an attach over a WebSocket, on a real daemon.

dockerd 20.10 upgrades ``GET /containers/{id}/attach/ws`` (Go's x/net/websocket), sends
the output as binary messages, stdout and stderr together, and closes with 1000 when the
container ends; podman 4.3 has no such route: its test pins the 404 it answers.
"""

from __future__ import annotations

import pytest

import dockproto

from .support import Containers, Docker, Loop

SCRIPT = "read x; echo got $x; echo err >&2; read y; echo y=$y"


@pytest.mark.engines("docker")
async def test_attach_ws_both_ways(docker: Docker, containers: Containers, loop: Loop) -> None:
    """stdin as messages (binary and text), the close as end of stdin, the output to its
    end, the daemon's close code."""
    cid = await containers.create(["sh", "-c", SCRIPT], open_stdin=True, stdin_once=True)
    async with loop.fail_after(30):
        async with docker.containers.attach_ws(cid, stdin=True) as ws:
            assert dict(ws.headers)[b"upgrade"].lower() == b"websocket"
            await docker.containers.start(cid)
            await ws.send(b"hello\n")
            await ws.send("world\n")
            await ws.send_eof()
            messages = await ws.read_all()
            assert ws.close_code == 1000
            assert await ws.receive() is None
        lines = b"".join(messages).splitlines()  # (stdout and stderr: two pipes, any order)
        assert sorted(lines) == [b"err", b"got hello", b"y=world"]
        assert await docker.containers.wait(cid) == 0


@pytest.mark.engines("docker")
async def test_attach_ws_to_no_container(docker: Docker) -> None:
    """No such container: the daemon's 404, before any upgrade."""
    with pytest.raises(dockproto.NoSuchContainer, match="No such container"):
        async with docker.containers.attach_ws("dp-no-such-container"):
            pass


@pytest.mark.engines("podman")
async def test_podman_has_no_attach_ws(docker: Docker, containers: Containers) -> None:
    """podman 4.3 serves no attach/ws route: a 404 for a container that exists."""
    cid = await containers.create(["true"])
    with pytest.raises(dockproto.NotFound, match="Not Found"):
        async with docker.containers.attach_ws(cid):
            pass
