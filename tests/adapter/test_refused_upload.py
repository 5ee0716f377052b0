"""A streamed upload the daemon refuses before reading it: dockerd answers an error (409
for ``plugins.create`` under a name in use) and closes, so the client's write breaks.
The daemon's answer is what the caller gets, typed, on every client: not a broken pipe.
A real Unix socket (a fake daemon thread), so that the write really breaks."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

import dockproto
import dockproto_asyncio
import dockproto_sync
import dockproto_trio

BODY = b"\0" * (8 << 20)  # far more than the socket buffers: the write must break


@pytest.fixture
def refusing_daemon(tmp_path: Path) -> Iterator[str]:
    """A daemon that reads a request's head, answers 409 and closes, unread body and all."""
    path = str(tmp_path / "refusing.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    server.settimeout(30)

    def serve() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            body = b'{"message":"plugin p:latest already exists"}'
            conn.sendall(
                b"HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
                b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"unix://{path}"
    finally:
        server.close()
        thread.join(10)


def check(exc: Any) -> None:
    assert isinstance(exc.value, dockproto.Conflict)
    assert exc.value.message == "plugin p:latest already exists"


def test_trio(refusing_daemon: str) -> None:
    async def main() -> None:
        async with dockproto_trio.open_docker(refusing_daemon, api_version="1.41") as docker:
            with pytest.raises(dockproto.Conflict) as exc:
                await docker.plugins.create("p", BODY)
            check(exc)

    trio.run(main)


def test_asyncio(refusing_daemon: str) -> None:
    async def main() -> None:
        async with dockproto_asyncio.open_docker(refusing_daemon, api_version="1.41") as docker:
            with pytest.raises(dockproto.Conflict) as exc:
                await docker.plugins.create("p", BODY)
            check(exc)

    asyncio.run(main())


def test_sync(refusing_daemon: str) -> None:
    with dockproto_sync.open_docker(refusing_daemon, api_version="1.41") as docker:
        with pytest.raises(dockproto.Conflict) as exc:
            docker.plugins.create("p", BODY, timeout=30)
        check(exc)
