"""The fake daemon of ``tests/fakedaemon.py`` on real sockets, and a fault-injecting proxy.

``serve(handler)`` listens on a Unix socket (or TCP on 127.0.0.1) and runs the fake
daemon's h11 loop on every connection, so the client under test goes through its real
transport, and file descriptors can be counted.  ``FaultProxy`` sits between a client
and a real engine and misbehaves on the engine-to-client direction: it cuts the
connection, resets it, drips one byte per write, or stops forwarding.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import struct
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import h11
import trio

import dockproto

from ..fakedaemon import FakeDaemon


def open_fds() -> set[str]:
    """The file descriptors this process has open (Linux)."""
    return set(os.listdir("/proc/self/fd"))


def joined(result: Any) -> Any:
    """Stream chunks and tar data with runs joined (a run comes in one piece per read)."""
    if not isinstance(result, list):
        return result
    out: list[Any] = []
    for item in result:
        if isinstance(item, (dockproto.StreamChunk, dockproto.TarData)) and out:
            prev = out[-1]
            if type(prev) is type(item) and getattr(prev, "stream", 0) == getattr(
                item, "stream", 0
            ):
                out[-1] = dataclasses.replace(prev, data=prev.data + item.data)
                continue
        out.append(item)
    return out


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nTransfer-Encoding: chunked\r\n\r\n"


async def reset(stream: Any) -> None:
    """Close a TCP stream with an RST (SO_LINGER 0): the peer's next read fails."""
    stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    await trio.aclose_forcefully(stream)


@dataclass
class Served:
    host: str
    daemon: FakeDaemon


@asynccontextmanager
async def serve(handler: Any, *, tcp: bool = False, raw: bool = False) -> AsyncIterator[Served]:
    """Run the fake daemon on a real socket until the block ends (then all is closed).

    With ``raw`` the handler gets each connection as it is accepted (``seen`` is None),
    before anything is read from it.
    """
    folder = tempfile.mkdtemp(prefix="dpf")
    try:
        async with trio.open_nursery() as nursery:
            if tcp:
                listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
                listener = listeners[0]
                port = listener.socket.getsockname()[1]
                host = f"tcp://127.0.0.1:{port}"
            else:
                path = os.path.join(folder, "d.sock")
                sock = trio.socket.socket(trio.socket.AF_UNIX, trio.socket.SOCK_STREAM)
                await sock.bind(path)
                sock.listen(128)
                listener = trio.SocketListener(sock)
                host = f"unix://{path}"
            daemon = FakeDaemon(handler, nursery)

            async def accept_loop() -> None:
                async with listener:
                    while True:
                        stream = await listener.accept()
                        daemon.opened += 1
                        if raw:
                            nursery.start_soon(handler, None, stream)
                        else:
                            nursery.start_soon(serve_one, stream)

            async def serve_one(stream: Any) -> None:
                try:
                    await daemon._serve(stream)
                except h11.RemoteProtocolError:
                    pass  # not HTTP (a TLS hello, say): the connection is closed

            nursery.start_soon(accept_loop)
            try:
                yield Served(host, daemon)
            finally:
                nursery.cancel_scope.cancel()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class FaultProxy:
    """A TCP proxy on 127.0.0.1 in front of a real engine's Unix socket.

    ``mode`` (settable between requests) says what happens to the engine's answer after
    ``after`` bytes: ``"pass"``, ``"cut"`` (close both ways), ``"reset"`` (RST to the
    client), ``"stall"`` (stop forwarding, keep the connection open), ``"drip"`` (one
    byte per write for the first ``after`` bytes, then pass).
    """

    def __init__(self, engine_path: str) -> None:
        self.engine_path = engine_path
        self.mode = "pass"
        self.after = 0
        self.forwarded = 0
        self.connections = 0
        self.host = ""
        self._stall = trio.Event()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FaultProxy]:
        async with trio.open_nursery() as nursery:
            listener = (await trio.open_tcp_listeners(0, host="127.0.0.1"))[0]
            self.host = f"tcp://127.0.0.1:{listener.socket.getsockname()[1]}"

            async def accept_loop() -> None:
                async with listener:
                    while True:
                        client = await listener.accept()
                        nursery.start_soon(self._relay, client)

            nursery.start_soon(accept_loop)
            try:
                yield self
            finally:
                self._stall.set()
                nursery.cancel_scope.cancel()

    async def _relay(self, client: trio.SocketStream) -> None:
        self.connections += 1
        mode, after = self.mode, self.after
        try:
            engine = await trio.open_unix_socket(self.engine_path)
        except OSError:
            await trio.aclose_forcefully(client)
            return
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        async with client, engine:
            async with trio.open_nursery() as nursery:

                async def upstream() -> None:
                    try:
                        async for data in client:
                            await engine.send_all(data)
                        await engine.send_eof()
                    except (trio.BrokenResourceError, trio.ClosedResourceError):
                        pass

                nursery.start_soon(upstream)
                sent = 0
                try:
                    async for data in engine:
                        if mode == "drip" and sent < after:
                            k = min(len(data), after - sent)
                            for i in range(k):
                                await client.send_all(data[i : i + 1])
                            sent += k
                            self.forwarded += k
                            data = data[k:]
                        elif mode in ("cut", "reset", "stall") and sent + len(data) >= after:
                            await client.send_all(data[: after - sent])
                            self.forwarded += after - sent
                            if mode == "reset":
                                await reset(client)
                            elif mode == "stall":
                                await self._stall.wait()
                            break
                        if data:
                            await client.send_all(data)
                        sent += len(data)
                        self.forwarded += len(data)
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
                nursery.cancel_scope.cancel()
