"""A fake daemon for what a real engine cannot be made to do: exact wire fixtures,
hostile bytes, cut-off streams, silence.

It parses each request with h11 (server side) and hands it to a handler that writes
whatever bytes it likes to the stream.  Connections are trio memory stream pairs, so
tests run without sockets; ``connect`` counts them and ``closed`` counts the ones the
client closed.  ``fake_docker`` gives the trio client over it: the trio backend with
``connect`` opening memory streams (``MemoryBackend``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import h11
import trio
import trio.testing

import dockproto
import dockproto_trio


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Seen, Any], Awaitable[bool]]


def json_answer(value: Any, status: int = 200, headers: bytes = b"") -> bytes:
    body = json.dumps(value).encode()
    return (
        b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\n"
        b"Content-Length: %d\r\n%s\r\n%s" % (status, len(body), headers, body)
    )


@dataclass
class FakeDaemon:
    handler: Handler
    nursery: trio.Nursery
    seen: list[Seen] = field(default_factory=list)
    opened: int = 0
    closed: int = 0
    address: str = "fake://daemon"
    http_host: str = "docker"

    async def connect(self) -> Any:
        client, server = trio.testing.memory_stream_pair()
        self.opened += 1
        self.nursery.start_soon(self._serve, server)
        return client

    async def _serve(self, stream: Any) -> None:
        leftover = b""
        try:
            while True:
                conn = h11.Connection(h11.SERVER)
                if leftover:
                    conn.receive_data(leftover)
                req: h11.Request | None = None
                body = b""
                while True:
                    ev = conn.next_event()
                    if ev is h11.NEED_DATA:
                        data = await stream.receive_some(65536)
                        conn.receive_data(data)
                        if not data and req is None:
                            return
                        continue
                    if isinstance(ev, h11.Request):
                        req = ev
                    elif isinstance(ev, h11.Data):
                        body += ev.data
                    elif isinstance(ev, h11.EndOfMessage):
                        break
                    elif isinstance(ev, h11.ConnectionClosed):
                        return
                assert req is not None
                leftover = conn.trailing_data[0]
                seen = Seen(
                    req.method.decode(),
                    req.target.decode(),
                    {k.decode().lower(): v.decode() for k, v in req.headers},
                    body,
                )
                self.seen.append(seen)
                if not await self.handler(seen, stream):
                    return
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        finally:
            self.closed += 1
            await trio.aclose_forcefully(stream)


class MemoryChannel:
    """The driver's ``Channel`` over one trio memory stream (no socket: never stale)."""

    can_receive_into = False

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    async def send_all(self, data: bytes, timeout: float | None) -> None:
        await self.stream.send_all(data)

    async def receive(self, size: int, timeout: float | None) -> bytes:
        return bytes(await self.stream.receive_some(size))

    async def receive_into(self, buf: memoryview, timeout: float | None) -> int:
        raise AssertionError("can_receive_into is False")

    async def send_eof(self) -> None:
        await self.stream.send_eof()

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self.stream)

    def stale(self) -> bool:
        return False


class MemoryBackend(dockproto_trio.Backend):
    """The trio client's backend, connecting to a ``FakeDaemon`` over memory streams."""

    def __init__(self, daemon: FakeDaemon) -> None:
        super().__init__(dockproto.HostSpec(daemon.address, "unix", path="/fake"), None)
        self.daemon = daemon
        self.http_host = daemon.http_host

    async def connect(self, timeout: float | None) -> MemoryChannel:  # type: ignore[override]
        return MemoryChannel(await self.daemon.connect())


def fake_docker(daemon: FakeDaemon, api_version: str | None = None) -> dockproto_trio.Docker:
    return dockproto_trio.Docker(MemoryBackend(daemon), api_version=api_version)


async def ping_ok(seen: Seen, stream: Any) -> bool:
    """Answer /_ping as 20.10 does; return True when handled."""
    await stream.send_all(
        b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 2\r\n\r\nOK"
    )
    return True
