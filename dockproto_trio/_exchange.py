"""The one drive loop: every API call goes through ``Exchange``.

An exchange is one request/response cycle on one connection taken from the pool.  It is
the single place that sends bytes, receives bytes and pumps ``dockproto`` events.  When
the cycle ends cleanly on a reusable connection, the connection goes back to the pool;
in every other case (an error, a cancellation, a hijack, a response read until close)
the socket is closed, so a cancelled call leaves no open socket and no broken state.
"""

from __future__ import annotations

import collections
import math
import select
import socket
from collections.abc import AsyncIterable
from typing import Any

import trio

import dockproto
from dockproto import NEED_DATA, Connection, Request

from ._transport import Transport

# Reads start at 64 KiB and double, up to 128 KiB, while the socket fills them: the C core
# decodes a whole read per call, so a fast stream costs fewer Python-level steps, and a
# small answer never makes a large buffer.  Not more than 128 KiB for a fresh ``bytes``
# per read: above glibc's mmap threshold every read is fresh memory, page faults and all
# (a 256 MiB attach with 1 MiB reads: 0.19 s and ~50,000 page faults; 128 KiB: 0.11 s).
RECEIVE_SIZE = 1 << 16
MAX_RECEIVE_SIZE = 1 << 17
# A streamed body that keeps filling reads (attach, exec, logs, export, save) is then read
# with ``recv_into`` into one buffer of STREAM_BUFFER bytes owned by the exchange and
# reused for every read: its memory stays mapped and in cache, and the decoders copy out
# of it in pieces of at most 64 KiB (``dockproto/_pieces.py``; events never hold views of
# it).  A 256 MiB attach went from 0.073 s to ~0.060 s with no page faults past the
# interpreter's own (the raw read: ~0.043 s).  Plain sockets only: TLS streams have no
# recv_into.
STREAM_BUFFER = 1 << 18
# Those reads go to the socket itself first, and wait through trio only when it is empty.
# A read through trio is a full checkpoint, a turn of trio's run loop (~7 us); a 256 MiB
# attach makes ~1,200 reads, all of them finding data (strace: 1 EAGAIN in 1,229).  A read
# straight from the socket is a cancellation point only, and every QUICK_READS-th one
# also lets other tasks run.  Attach 0.070 -> 0.061 s, export 0.094 -> 0.090 s (harness,
# with DockerStream taking a read's chunks at once).
QUICK_READS = 8
# Events handed out from one read before other tasks get a turn (see next_event).
SCHEDULE_EVERY = 64


def _plain_socket(sock: trio.socket.SocketType) -> socket.socket | None:
    """The standard socket under a trio socket (trio keeps it as ``_sock``: 0.35, the
    version tested, and a test checks it), or None if a release moves it: reads then
    all go through trio."""
    plain = getattr(sock, "_sock", None)
    if isinstance(plain, socket.socket) and plain.fileno() == sock.fileno():
        return plain
    return None


def _cancel_status_readable() -> bool:
    """Whether a task's cancel status is where ``trio.lowlevel.checkpoint_if_cancelled``
    reads it (``task._cancel_status.effectively_cancelled``: trio 0.35, the version
    tested, and a test checks it).

    ``EventStream`` (inline) and ``cancel_pending`` read it directly for each item decoded
    already, rather than awaiting ``checkpoint_if_cancelled`` (a coroutine, ~0.2 us); if a
    trio release moves it, they fall back to ``checkpoint_if_cancelled`` and to the
    effective deadline.  (What the direct test leaves out, a KeyboardInterrupt pending
    for the main task, arrives at the next full checkpoint, at most SCHEDULE_EVERY items
    later.)
    """
    try:
        from trio._core._run import CancelStatus
    except ImportError:
        return False
    return hasattr(trio.lowlevel.Task, "_cancel_status") and hasattr(
        CancelStatus, "effectively_cancelled"
    )


FAST_CANCEL_TEST = _cancel_status_readable()


def cancel_pending() -> bool:
    """Whether the calling task is cancelled: what ``checkpoint_if_cancelled`` tests,
    without its coroutine (then ``await trio.lowlevel.checkpoint()`` raises it)."""
    if FAST_CANCEL_TEST:
        return bool(trio.lowlevel.current_task()._cancel_status.effectively_cancelled)
    return trio.current_effective_deadline() == -math.inf


# Idle connections kept for reuse: as many as requests may run at once (the Go client
# keeps 6, which made a burst of 200 requests open ~194 new connections).
MAX_IDLE = 64

AnyStream = Any  # trio.SocketStream or trio.SSLStream


def _closed_by_peer(stream: AnyStream) -> bool:
    """Whether an idle keep-alive connection was closed (or written to) by the daemon.

    A daemon may close an idle connection at any time; a request sent on it would be
    lost.  A zero-timeout poll tells without waiting: an idle connection that has become
    readable holds either end of file or bytes nobody asked for, and is not reused.
    """
    sock = getattr(getattr(stream, "transport_stream", stream), "socket", None)
    if sock is None:
        return False
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class Pool:
    """Idle keep-alive connections to one daemon."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._idle: collections.deque[tuple[AnyStream, Connection]] = collections.deque()
        self.closed = False
        self.opened = 0  # sockets opened, for tests and statistics

    async def take(self, api_version: str | None) -> tuple[AnyStream, Connection]:
        if self.closed:
            raise trio.ClosedResourceError("the Docker client is closed")
        while self._idle:
            stream, conn = self._idle.pop()
            if _closed_by_peer(stream):
                await trio.aclose_forcefully(stream)
                continue
            conn.api_version = api_version
            return stream, conn
        stream = await self.transport.connect()
        self.opened += 1
        return stream, Connection(api_version, host=self.transport.http_host)

    def give_back(self, stream: AnyStream, conn: Connection) -> bool:
        if self.closed or len(self._idle) >= MAX_IDLE:
            return False
        self._idle.append((stream, conn))
        return True

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def aclose(self) -> None:
        self.closed = True
        while self._idle:
            stream, _ = self._idle.pop()
            await trio.aclose_forcefully(stream)


class Exchange:
    """One request and its response on one pooled connection."""

    def __init__(self, pool: Pool, request: Request[Any]) -> None:
        self.pool = pool
        self.request = request
        self.stream: AnyStream | None = None
        self.conn: Connection | None = None
        self._released = False
        self._eof = False
        self._unscheduled = 0
        self._receive_size = RECEIVE_SIZE
        self._buffer: memoryview | None = None  # the reused read buffer (streamed bodies)
        self._plain: socket.socket | None = None  # its socket, read without trio first
        self._quick = 0  # reads straight from the socket since other tasks had a turn

    async def open(
        self, api_version: str | None, body: AsyncIterable[bytes] | bytes | None = None
    ) -> None:
        """Take a connection and send the request (and its streamed body)."""
        self.stream, self.conn = await self.pool.take(api_version)
        try:
            await self._send_request(body)
        except trio.BrokenResourceError as exc:
            await self.abort()
            raise dockproto.ProtocolError(
                f"the connection broke while sending the request: {exc}"
            ) from None
        except BaseException:
            await self.abort()
            raise

    async def _send_request(self, body: AsyncIterable[bytes] | bytes | None) -> None:
        stream, conn = self.stream, self.conn
        assert stream is not None and conn is not None
        await stream.send_all(conn.send_request(self.request))
        if self.request.streamed_body:
            if isinstance(body, (bytes, bytearray, memoryview)):
                await stream.send_all(conn.send_body(bytes(body)))
            elif body is not None:
                async for piece in body:
                    if piece:
                        await stream.send_all(conn.send_body(piece))
            await stream.send_all(conn.end_body())

    async def next_event(self) -> Any:
        """The next event of the response, reading from the socket as needed.

        Cancelled, it has taken nothing: the cancellation point comes before the event
        is taken, and the turn other tasks get after it cannot raise.
        """
        conn = self.conn
        assert conn is not None
        await trio.lowlevel.checkpoint_if_cancelled()
        event = conn.next_event()
        if event is NEED_DATA:
            return await self.receive_event()
        if self.count_event():
            await trio.lowlevel.cancel_shielded_checkpoint()
        return event

    def turn_due(self) -> bool:
        """Count an event about to be handed out without I/O; True when it must be a full
        checkpoint: other tasks' turn (``count_event``) or a cancellation to deliver."""
        return self.count_event() or cancel_pending()

    def count_event(self) -> bool:
        """Count an event handed out from the last read; True when other tasks get a turn.

        Each such event is a cancellation point (cheap), and every SCHEDULE_EVERY-th
        also lets other tasks run; a full checkpoint per event would cost ~7 us each,
        which is most of the time of a tar of 20,000 small files or 100,000 event
        messages.  Reads let other tasks run too (see QUICK_READS).
        """
        self._unscheduled += 1
        if self._unscheduled >= SCHEDULE_EVERY:
            self._unscheduled = 0
            return True
        return False

    async def receive_event(self) -> Any:
        """Read from the socket until the connection has an event (after NEED_DATA)."""
        conn = self.conn
        assert conn is not None
        self._unscheduled = 0
        while True:
            await self._receive()
            event = conn.next_event()
            if event is not NEED_DATA:
                return event

    async def next_events(self) -> list[Any]:
        """The next event and every one decoded with it, last first (``pop()`` gives
        them in order), reading from the socket if none is decoded yet."""
        conn = self.conn
        assert conn is not None
        await trio.lowlevel.checkpoint_if_cancelled()  # (as in next_event: nothing lost)
        events = conn.next_events()
        if events[0] is NEED_DATA:
            events = await self.receive_events()
        elif self.count_event():
            await trio.lowlevel.cancel_shielded_checkpoint()
        events.reverse()
        return events

    async def receive_events(self) -> list[Any]:
        """``receive_event``, with every event decoded from the same read after it."""
        conn = self.conn
        assert conn is not None
        self._unscheduled = 0
        while True:
            await self._receive()
            events = conn.next_events()
            if events[0] is not NEED_DATA:
                return events

    async def _receive(self) -> None:
        """One read from the socket, given to the connection."""
        conn, stream = self.conn, self.stream
        assert conn is not None and stream is not None
        if self._eof:
            raise dockproto.ProtocolError("the connection ended while more was expected")
        try:
            data: bytes | memoryview
            if self._buffer is not None:
                buf, k = self._buffer, -1
                if self._plain is not None:
                    await trio.lowlevel.checkpoint_if_cancelled()  # (first: nothing read is lost)
                    try:
                        k = self._plain.recv_into(buf)
                        self._quick += 1
                    except BlockingIOError:
                        pass
                if k < 0:
                    k = await stream.socket.recv_into(buf)  # waits: a full checkpoint
                    self._quick = 0
                data = buf[:k]
            else:
                data = await stream.receive_some(self._receive_size)
        except trio.BrokenResourceError as exc:
            reason = exc.__cause__ or exc  # a TLS alert's reason is in the cause
            raise dockproto.ProtocolError(f"the connection broke: {reason}") from None
        except OSError as exc:  # (recv_into on the socket itself)
            raise dockproto.ProtocolError(f"the connection broke: {exc}") from None
        if not data:
            self._eof = True
        elif len(data) == self._receive_size and self._buffer is None:
            if self._receive_size < MAX_RECEIVE_SIZE:
                self._receive_size *= 2
            elif conn.streaming and isinstance(stream, trio.SocketStream):
                self._buffer = memoryview(bytearray(STREAM_BUFFER))
                self._plain = _plain_socket(stream.socket)
        conn.receive_data(data)
        if self._quick >= QUICK_READS:
            self._quick = 0
            await trio.lowlevel.checkpoint()  # (after: what was read is in the connection)

    async def read_head(self) -> Any:
        """Read up to the response head (or ``Hijacked``); an error status raises."""
        event = await self.next_event()
        if isinstance(event, dockproto.Response) and event.status_code >= 400:
            while True:
                err = await self.next_event()
                if isinstance(err, dockproto.ErrorResponse):
                    await self.finish_after_error()
                    raise err.exception()
        return event

    async def read_all(self) -> tuple[Any, list[Any]]:
        """The head and every event after it up to the end of the message; then the
        connection goes back to the pool (or is closed, on any error)."""
        events: list[Any] = []
        try:
            head = await self.read_head()
            while not isinstance(event := await self.next_event(), dockproto.EndOfMessage):
                events.append(event)
        except BaseException:
            await self.abort()
            raise
        await self.finish()
        return head, events

    async def finish_after_error(self) -> None:
        """After an ``ErrorResponse``: read to its end and keep the connection if allowed."""
        try:
            while not isinstance(await self.next_event(), dockproto.EndOfMessage):
                pass
        except BaseException:
            await self.abort()
            raise
        await self.finish()

    async def finish(self) -> None:
        """End the cycle: keep the connection for reuse when it allows, else close it."""
        if self._released:
            return
        self._released = True
        conn, stream = self.conn, self.stream
        if conn is not None and stream is not None and conn.reusable and not self._eof:
            conn.start_next_cycle()
            if self.pool.give_back(stream, conn):
                return
        if stream is not None:
            await trio.aclose_forcefully(stream)

    async def abort(self) -> None:
        """Close the socket whatever state the cycle is in."""
        if self._released:
            return
        self._released = True
        if self.stream is not None:
            await trio.aclose_forcefully(self.stream)
