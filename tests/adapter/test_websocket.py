"""The client's WebSocket stream (``containers.attach_ws``) where a real daemon cannot
be made to do it: a ping to answer, and a close to answer, over the fake daemon."""

from __future__ import annotations

import struct
from typing import Any

import trio

from dockproto._websocket import accept_for

from ..fakedaemon import FakeDaemon, Seen, fake_docker


def server_frame(opcode: int, payload: bytes) -> bytes:
    return struct.pack("!BB", 0x80 | opcode, len(payload)) + payload


def client_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Unmask a run of small client frames (each under 126 bytes)."""
    out = []
    while data:
        assert data[1] & 0x80, "a client frame is masked"
        n = data[1] & 0x7F
        key, body = data[2:6], data[6 : 6 + n]
        out.append((data[0] & 0x0F, bytes(b ^ key[i % 4] for i, b in enumerate(body))))
        data = data[6 + n :]
    return out


async def test_ping_and_close_are_answered(nursery: trio.Nursery) -> None:
    """A ping gets its pong, written by the stream as it reads; the daemon's close gets
    the close answer; the messages around them all arrive."""
    received: list[tuple[int, bytes]] = []

    async def handler(seen: Seen, stream: Any) -> bool:
        accept = accept_for(seen.headers["sec-websocket-key"])
        await stream.send_all(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: %s\r\n\r\n"
            % accept.encode()
            + server_frame(2, b"one")
            + server_frame(9, b"are you there")
        )
        data = b""
        while len(client_frames_safe(data)) < 2:  # the pong, then our message
            data += await stream.receive_some(1000)
        await stream.send_all(server_frame(2, b"two") + server_frame(8, b"\x03\xe8"))
        while len(client_frames_safe(data)) < 3:  # the answer to our close
            data += await stream.receive_some(1000)
        received.extend(client_frames(data))
        return False

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        with trio.fail_after(10):
            async with docker.containers.attach_ws("c1", stdin=True) as ws:
                assert await ws.receive() == b"one"
                await ws.send(b"hi")
                assert await ws.receive() == b"two"
                assert await ws.receive() is None
                assert ws.close_code == 1000
    assert received == [(0xA, b"are you there"), (0x2, b"hi"), (0x8, b"\x03\xe8")]
    assert daemon.seen[0].target.startswith("/v1.41/containers/c1/attach/ws?")
    assert daemon.seen[0].headers["upgrade"] == "websocket"


def client_frames_safe(data: bytes) -> list[tuple[int, bytes]]:
    """The whole frames at the start of ``data`` (a partial one is left out)."""
    whole = b""
    while len(data) >= 2 and len(data) >= 6 + (data[1] & 0x7F):
        n = 6 + (data[1] & 0x7F)
        whole, data = whole + data[:n], data[n:]
    return client_frames(whole)
