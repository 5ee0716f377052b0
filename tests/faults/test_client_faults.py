"""Faults on every client (trio, asyncio, asyncio on uvloop, blocking), against the fake
daemon on real sockets (``wire.serve``, in a thread of its own).

A call cancelled (trio cancel scope, asyncio ``task.cancel()``) or timed out (the loop's
deadline; the blocking client's ``timeout=``) mid-stream; the connection reset by the
daemon mid-stream; a chunked body cut off; a stream closed from elsewhere while a read
waits in it; one client shared by many threads or tasks.  Each counts the process's
open descriptors before and after: no socket may be left open.  A stream broken off is
a ``dockproto.ProtocolError`` after the whole items that came before the break, never a
silently short result; and the same client works afterwards.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import trio

import dockproto
from dockproto import _policy

from ..fakedaemon import Seen, json_answer
from ..limits import SCALE
from .clients import (
    KINDS,
    STREAMS,
    WAIT,
    Cancelled,
    Client,
    Outcome,
    Signal,
    in_trio_thread,
    no_leak,
    warm_up,
)
from .wire import CHUNKED_HEAD, chunk, frame, joined, reset, serve

VERSION = {"ApiVersion": "1.41", "Version": "20.10.24"}
UPGRADED = (
    b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
)
END = b"0\r\n\r\n"
PONG = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK"


def _tar() -> bytes:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for i in range(4):
            info = tarfile.TarInfo(f"f{i}")
            info.size = 1500
            tf.addfile(info, io.BytesIO(bytes([97 + i]) * 1500))
    return buf.getvalue()


TAR = _tar()
LINES = [b'{"n":%d,"pad":"%s"}\n' % (i, b"p" * (i * 37 % 300)) for i in range(40)]
FRAMES = [frame(1 + i % 2, b"line %d %s\n" % (i, b"x" * (i * 53 % 700))) for i in range(40)]

# Each stream's answer: its head, a first part (at least one whole item), and the rest.
ANSWERS: dict[str, tuple[bytes, bytes, bytes]] = {
    "logs": (CHUNKED_HEAD, chunk(FRAMES[0]), b"".join(chunk(f) for f in FRAMES[1:]) + END),
    "events": (CHUNKED_HEAD, chunk(LINES[0]), b"".join(chunk(x) for x in LINES[1:]) + END),
    "export": (CHUNKED_HEAD, chunk(TAR[:1024]), chunk(TAR[1024:3000]) + chunk(TAR[3000:]) + END),
    "attach": (UPGRADED, FRAMES[0], b"".join(FRAMES[1:])),
}


def what_of(target: str) -> str:
    for name, marker in (
        ("logs", "/logs"),
        ("events", "/events"),
        ("export", "/export"),
        ("attach", "/attach"),
        ("ping", "/_ping"),
        ("version", "/version"),
    ):
        if marker in target:
            return name
    return "inspect"


def whole(what: str) -> list[Any]:
    """Every item of ``what``'s answer read to its end (by the blocking client)."""
    with served(script(None)) as d, Client("sync", d.host) as c:
        outcome = c.read(what)
    assert outcome.error is None and outcome.items
    return outcome.items


def script(fault: Any) -> Any:
    """A daemon whose first answer to a stream is ``fault(what, stream)`` (True: the
    connection goes on), whole answers after it; version and inspect always answer."""
    faulted: list[str] = []

    async def handler(seen: Seen, stream: Any) -> bool:
        what = what_of(seen.target)
        if what == "ping":
            await stream.send_all(PONG)
            return True
        if what == "version":
            await stream.send_all(json_answer(VERSION))
            return True
        if what == "inspect":
            name = seen.target.split("/")[3]
            await stream.send_all(json_answer({"Id": name, "Config": {"Tty": False}}))
            return True
        head, first, rest = ANSWERS[what]
        if what not in faulted:
            faulted.append(what)
            result = await fault(what, stream) if fault is not None else None
            if result is not None:
                return bool(result)
        await stream.send_all(head + first + rest)
        return what != "attach"

    return handler


@contextmanager
def served(handler: Any, *, tcp: bool = False, raw: bool = False) -> Iterator[Any]:
    """The fake daemon in a trio loop of its own, in a thread, for the block."""
    with in_trio_thread(lambda: serve(handler, tcp=tcp, raw=raw)) as (d, _):
        yield d


def works_afterwards(c: Client, what: str) -> None:
    """The same client answers a whole call and the same stream, whole."""
    assert c.version() == "20.10.24"
    outcome = c.read(what)
    assert outcome.error is None, outcome.error
    assert joined(outcome.items) == joined(WHOLE[what])


# How many items (runs of data joined) the first part of each answer gives.
FIRST = {"logs": 1, "events": 1, "export": 2, "attach": 1}


def starts_the_answer(outcome: Outcome, what: str, count: int | None = None) -> None:
    """What a broken-off call gave is the start of the whole answer, in order (the last
    frame's or member's data possibly cut short); with ``count``, that many items."""
    got, want = joined(outcome.items), joined(WHOLE[what])
    assert got and len(got) <= len(want)
    assert got[:-1] == want[: len(got) - 1], "items before the break are not the answer's"
    last, same = got[-1], want[len(got) - 1]
    if isinstance(last, (dockproto.StreamChunk, dockproto.TarData)):
        assert type(last) is type(same) and same.data.startswith(last.data)
    else:
        assert last == same
    if count is not None:
        assert len(got) == count


WHOLE: dict[str, list[Any]] = {}


@pytest.fixture(scope="module", autouse=True)
def whole_answers() -> None:
    """Every stream's whole answer, as the blocking client reads it when nothing fails
    (the fixtures are checked to decode: a failure below is the client's, not theirs);
    and what the loops keep for the whole process is made before anything is counted."""
    warm_up()
    for what in STREAMS:
        WHOLE[what] = whole(what)
    assert len(WHOLE["logs"]) == len(FRAMES) and len(WHOLE["events"]) == len(LINES)


kinds = pytest.mark.parametrize("kind", KINDS)
async_kinds = pytest.mark.parametrize("kind", [k for k in KINDS if k != "sync"])
streams = pytest.mark.parametrize("what", STREAMS)


async def stall_after_first(what: str, stream: Any) -> bool:
    """The head and the first item, then silence (until the daemon ends)."""
    head, first, _ = ANSWERS[what]
    await stream.send_all(head + first)
    await trio.sleep_forever()
    return False


# -- cancelled, or timed out, mid-stream ----------------------------------------------


@async_kinds
@streams
def test_cancelled_mid_stream(kind: str, what: str) -> None:
    """A call cancelled while it waits for more of a stream (trio: a cancel scope;
    asyncio: ``task.cancel()``) ends cancelled with what it had; its socket is closed,
    none goes back to the pool, and the client works afterwards."""
    with no_leak(), served(script(stall_after_first)) as d, Client(kind, d.host) as c:
        outcome = c.read(what, cancel_after=1)
        assert isinstance(outcome.error, Cancelled), outcome.error
        starts_the_answer(outcome, what, FIRST[what])
        assert c.docker._pool.idle == 0
        works_afterwards(c, what)


@kinds
@streams
def test_time_limit_mid_stream(kind: str, what: str) -> None:
    """A stream that goes silent ends at the caller's limit (trio.fail_after,
    asyncio.timeout, the blocking ``timeout=``: idle time between reads) with the
    loop's own error; no socket is left open and the client works afterwards."""
    limit = 0.3 * SCALE
    with no_leak(), served(script(stall_after_first)) as d, Client(kind, d.host) as c:
        outcome = c.read(what, limit=limit, limit_after=1)
        assert isinstance(outcome.error, c.timeout_error), outcome.error
        starts_the_answer(outcome, what, FIRST[what])
        assert c.docker._pool.idle == 0
        works_afterwards(c, what)


# -- reset mid-stream, cut off --------------------------------------------------------


@kinds
@streams
def test_reset_mid_stream(kind: str, what: str) -> None:
    """An RST once the first item has reached the caller: ProtocolError (never a bare
    OSError, never a short result taken for the whole), no leak, the client works."""
    got_first = Signal()

    async def fault(what: str, stream: Any) -> bool:
        head, first, _ = ANSWERS[what]
        await stream.send_all(head + first)
        await got_first.wait()
        await reset(stream)
        return False

    def note(n: int) -> None:
        if n == 1:
            got_first.set()

    with no_leak(), served(script(fault), tcp=True) as d, Client(kind, d.host) as c:
        outcome = c.read(what, on_item=note)
        assert isinstance(outcome.error, dockproto.ProtocolError), outcome.error
        assert "broke" in str(outcome.error) or "ended" in str(outcome.error)
        starts_the_answer(outcome, what, FIRST[what])
        works_afterwards(c, what)


@kinds
@streams
@pytest.mark.parametrize("cut", [1, 2, 3], ids=["early", "middle", "late"])
def test_cut_off_body(kind: str, what: str, cut: int) -> None:
    """A body cut off (the connection closed) at a quarter, half or three quarters of
    its rest: ProtocolError after whole items only, no leak, the client works."""

    async def fault(what: str, stream: Any) -> bool:
        head, first, rest = ANSWERS[what]
        await stream.send_all(head + first + rest[: len(rest) * cut // 4])
        return False

    with no_leak(), served(script(fault)) as d, Client(kind, d.host) as c:
        outcome = c.read(what)
        assert isinstance(outcome.error, dockproto.ProtocolError), outcome.error
        starts_the_answer(outcome, what)
        works_afterwards(c, what)


# -- closed from elsewhere ------------------------------------------------------------


@kinds
@streams
def test_stream_closed_from_elsewhere_ends_the_read(kind: str, what: str) -> None:
    """Closing a stream while a read waits in it (from another thread, for the
    blocking client; from another task, for the async ones) ends that read, cleanly,
    with what it had: no hang, no leak, and the client works afterwards."""
    with no_leak(), served(script(stall_after_first)) as d, Client(kind, d.host) as c:
        outcome = c.close_while_reading(what)
        assert outcome.error is None, outcome.error
        starts_the_answer(outcome, what, FIRST[what])
        works_afterwards(c, what)


# -- exec with stdin ------------------------------------------------------------------


@kinds
def test_exec_output_broken_while_stdin_is_written(kind: str) -> None:
    """``exec.run`` with stdin the daemon never reads and output the client cannot
    decode: the call ends with ProtocolError at once (the write of stdin, blocked on a
    full socket, ends with it), no leak, and the client works afterwards."""
    stdin = bytes(16 << 20)  # far past any socket buffer

    async def handler(seen: Seen, stream: Any) -> bool:
        if seen.target.endswith("/containers/c1/exec"):
            await stream.send_all(json_answer({"Id": "e1"}, 201))
            return True
        if seen.target.endswith("/version"):
            await stream.send_all(json_answer(VERSION))
            return True
        assert seen.target.endswith("/exec/e1/start"), seen.target
        await stream.send_all(UPGRADED + frame(1, b"ok\n") + b"\x07\x00\x00\x00\x00\x00\x00\x01x")
        await trio.sleep_forever()  # (reads no stdin)
        return False

    with no_leak(), served(handler) as d, Client(kind, d.host) as c:
        outcome = c.exec_run(stdin)
        assert isinstance(outcome.error, dockproto.ProtocolError), repr(outcome.error)
        assert "stream id" in str(outcome.error)
        assert c.version() == "20.10.24"


# -- one client, many threads or tasks ------------------------------------------------


@kinds
@pytest.mark.parametrize("bound", [None, 4], ids=["default", "bound-4"])
def test_one_client_many_threads_or_tasks(
    kind: str, bound: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 threads (blocking) or tasks (async) making 20 calls each on one client, pings
    among them: every answer is right, and no more connections are opened than calls
    may run at once (16, or a bound of 4)."""
    if bound is not None:
        monkeypatch.setattr(_policy, "MAX_CONCURRENT_REQUESTS", bound)
    workers, each = 16, 20
    with no_leak(), served(script(None)) as d, Client(kind, d.host) as c:
        inspected = c.many_at_once(workers, each, "inspect")
        pings = c.many_at_once(workers, 2, "ping")
        assert c.docker._pool.idle <= _policy.MAX_IDLE
    assert all(asked == answered for asked, answered in inspected)
    want = sorted(f"w{w}-{i}" for w in range(workers) for i in range(each))
    assert sorted(asked for asked, _ in inspected) == want
    assert [answer for _, answer in pings] == ["OK"] * workers * 2
    assert 0 < d.daemon.opened <= (bound or workers)  # (the daemon's count: exact)


def test_tty_cache_shared_by_threads() -> None:
    """The TTY cache of a client shared by threads: entries evicted by one thread while
    another finds or adds one are no error.  (Thread switches made frequent; a cache of
    one entry, so that every step evicts.)"""
    cache = _policy.TtyCache(1)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for i in range(20000):
                cache.remember(f"c{i % 2}", True)
                assert cache.get(f"c{(i + 1) % 2}") in (True, None)
        except BaseException as exc:
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
    finally:
        sys.setswitchinterval(interval)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


# -- the blocking client's timeout ----------------------------------------------------


def test_sync_timeout_counts_the_wait_for_a_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every turn taken, a blocking call's ``timeout=`` runs out waiting for one:
    TimeoutError, and nothing was sent for it."""
    monkeypatch.setattr(_policy, "MAX_CONCURRENT_REQUESTS", 1)
    arrived = threading.Event()
    release = Signal()

    async def handler(seen: Seen, stream: Any) -> bool:
        if "/slow/" in seen.target:
            arrived.set()
            await release.wait()
        await stream.send_all(json_answer({"Id": seen.target.split("/")[3]}))
        return True

    with no_leak(), served(handler) as d, Client("sync", d.host) as c:
        answers: list[Any] = []
        holder = threading.Thread(
            target=lambda: answers.append(c.docker.containers.inspect("slow", timeout=WAIT))
        )
        holder.start()
        try:
            assert arrived.wait(WAIT)
            with pytest.raises(TimeoutError, match="no connection became free"):
                c.docker.containers.inspect("other", timeout=0.2 * SCALE)
        finally:
            release.set()
            holder.join(WAIT)
        assert answers == [{"Id": "slow"}]
        assert [s.target for s in d.daemon.seen] == ["/v1.41/containers/slow/json"]


def test_sync_timeout_counts_the_negotiation() -> None:
    """A blocking call's ``timeout=`` is its whole time, the version negotiation's
    included: a ping and an answer that each take most of it run out of it."""
    limit = 1.0 * SCALE

    async def handler(seen: Seen, stream: Any) -> bool:
        await trio.sleep(0.6 * limit)  # (a slow daemon)
        if seen.target == "/_ping":
            await stream.send_all(PONG)
        else:
            await stream.send_all(json_answer(VERSION))
        return True

    with no_leak(), served(handler) as d, Client("sync", d.host, api_version=None) as c:
        with pytest.raises(TimeoutError):
            c.docker.version(timeout=limit)
        assert c.docker._pool.idle <= 1
    assert [s.target for s in d.daemon.seen][:1] == ["/_ping"]


def test_sync_stream_timeout_is_the_idle_time_between_reads() -> None:
    """A blocking stream's ``timeout=`` bounds each wait for data, not the whole: a
    follow that gets a line every tenth of a second outlives it."""
    limit = 1.0 * SCALE
    count = int(15 * SCALE)

    async def handler(seen: Seen, stream: Any) -> bool:
        await stream.send_all(CHUNKED_HEAD)
        for i in range(count):
            await stream.send_all(chunk(frame(1, b"%d\n" % i)))
            await trio.sleep(0.1)  # (a container printing a line every 0.1 s)
        await stream.send_all(END)
        return True

    with no_leak(), served(handler) as d, Client("sync", d.host) as c:
        start = time.monotonic()
        got = [x.data for x in c.docker.containers.logs("c1", tty=False, timeout=limit)]
        took = time.monotonic() - start
    assert got == [b"%d\n" % i for i in range(count)]
    assert took > limit  # (else this proved nothing)
