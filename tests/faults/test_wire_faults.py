"""Faults injected by a fake daemon on real sockets: resets, cut-off bodies, silence,
bad JSON, oversized heads, endless units, a pooled connection the daemon dropped.

Every fault must end in a typed error (``ProtocolError``, a ``DockerError``, or the
caller's own ``trio.TooSlowError``) or a clean end, never a hang; the same client must
work afterwards, and no file descriptor may be left open.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio
import trio.testing

import dockproto
import dockproto_asyncio
import dockproto_trio
from dockproto_asyncio._backend import QUICK_READS
from dockproto_trio._backend import QUICK_READS as TRIO_QUICK

from ..fakedaemon import Seen, json_answer
from .wire import CHUNKED_HEAD, chunk, frame, joined, open_fds, reset, serve

VERSION = {"ApiVersion": "1.41", "Version": "20.10.24"}
UPGRADED = (
    b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
)


def tar_bytes() -> bytes:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for i in range(3):
            info = tarfile.TarInfo(f"dir/file{i}")
            info.size = 3000
            tf.addfile(info, io.BytesIO(bytes([65 + i]) * 3000))
    return buf.getvalue()


LINES = b'{"status":"one"}\n{"status":"two"}\n'
MUX = frame(1, b"out\n") + frame(2, b"err\n")
TAR = tar_bytes()

# What each endpoint answers when nothing goes wrong (whole), as one byte string.
GOOD: dict[str, bytes] = {
    "inspect": json_answer({"Id": "c1", "Config": {"Tty": False}}),
    "logs": CHUNKED_HEAD + chunk(MUX) + b"0\r\n\r\n",
    "export": CHUNKED_HEAD
    + b"".join(chunk(TAR[i : i + 4096]) for i in range(0, len(TAR), 4096))
    + b"0\r\n\r\n",
    "events": CHUNKED_HEAD + chunk(LINES) + b"0\r\n\r\n",
    "pull": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(LINES), LINES),
    "attach": UPGRADED + MUX,
}


async def call(docker: dockproto_trio.Docker, what: str) -> Any:
    """Run one call to its end; what it returned, as plain data."""
    if what == "inspect":
        return await docker.containers.inspect("c1")
    if what == "logs":
        return [c async for c in docker.containers.logs("c1", tty=False)]
    if what == "export":
        async with docker.containers.export("c1") as tar:
            return [item async for item in tar]
    if what == "events":
        return [e async for e in docker.events()]
    if what == "pull":
        return [m.value async for m in docker.images.pull("busybox", auth={})]
    if what == "attach":
        async with docker.containers.attach("c1", tty=False) as s:
            return await s.collect()
    raise AssertionError(what)


def endpoint(target: str) -> str:
    markers = (
        ("logs", "/logs"),
        ("export", "/export"),
        ("events", "/events"),
        ("pull", "/images/create"),
        ("attach", "/attach"),
    )
    for name, marker in markers:
        if marker in target:
            return name
    if target.endswith("/version"):
        return "version"
    return "inspect"


class Script:
    """A fake daemon whose first answer to one endpoint is a fault, and good after."""

    def __init__(self, fault: Any) -> None:
        self.fault = fault
        self.faulted = 0

    async def __call__(self, seen: Seen, stream: Any) -> bool:
        what = endpoint(seen.target)
        if what == "version":
            await stream.send_all(json_answer(VERSION))
            return True
        if not self.faulted:
            self.faulted += 1
            return bool(await self.fault(what, stream))
        await stream.send_all(GOOD[what])
        return what != "attach"


async def works_afterwards(docker: dockproto_trio.Docker, what: str) -> None:
    """The same client answers the same call and another one correctly."""
    assert (await docker.version()).version == "20.10.24"
    assert await call(docker, what)


async def fails_then_works(fault: Any, what: str, *, tcp: bool = False) -> None:
    """The first ``what`` call meets ``fault`` and raises ProtocolError; the same client
    then works, and no file descriptor is left open."""
    before = len(open_fds())
    async with serve(Script(fault), tcp=tcp) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=False) as docker:
            docker.remember_tty("c1", False)
            with pytest.raises(dockproto.ProtocolError):
                await call(docker, what)
            await works_afterwards(docker, what)
    assert len(open_fds()) == before


# -- resets --------------------------------------------------------------------------


async def test_reset_mid_stream_is_a_protocol_error() -> None:
    """An RST after the first log frame: the frame arrives, then ProtocolError, no leak."""
    got_first = trio.Event()

    async def fault(what: str, stream: Any) -> None:
        await stream.send_all(CHUNKED_HEAD + chunk(frame(1, b"first\n")))
        await got_first.wait()
        await reset(stream)

    before = len(open_fds())
    async with serve(Script(fault), tcp=True) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=False) as docker:
            seen = []
            with pytest.raises(dockproto.ProtocolError, match=r"broke|ended|cut off"):
                async for c in docker.containers.logs("c1", tty=False):
                    seen.append(c.data)
                    got_first.set()
            assert seen == [b"first\n"]
            await works_afterwards(docker, "logs")
    assert len(open_fds()) == before


@pytest.mark.parametrize("what", ["inspect", "export", "attach"])
async def test_reset_before_any_answer(what: str) -> None:
    """An RST instead of an answer gives ProtocolError; the client then works."""

    async def fault(what: str, stream: Any) -> None:
        await reset(stream)

    await fails_then_works(fault, what, tcp=True)


# -- cut-off bodies ------------------------------------------------------------------

CUTS = {
    "inspect": json_answer({"Id": "c1", "Config": {}})[:-5],
    "logs": CHUNKED_HEAD + chunk(MUX)[:-7],
    "logs-frame": CHUNKED_HEAD + chunk(MUX[:-2]) + b"0\r\n\r\n",
    "export": GOOD["export"][: len(CHUNKED_HEAD) + 5000],
    "export-no-end": CHUNKED_HEAD + chunk(TAR.rstrip(b"\0") + b"\0") + b"0\r\n\r\n",
    "events": CHUNKED_HEAD + chunk(LINES[:-3]),
    "pull": GOOD["pull"][:-4],
    "attach": UPGRADED + MUX[:-3],
    "chunk-too-long": CHUNKED_HEAD + b"3\r\n" + MUX + b"\r\n0\r\n\r\n",
    "bad-chunk-size": CHUNKED_HEAD + b"zz\r\n",
}


@pytest.mark.parametrize("case", sorted(CUTS))
async def test_cut_off_body_is_a_protocol_error(case: str) -> None:
    """A body cut off (or framed wrong) anywhere raises ProtocolError, never a short result."""
    what = case.split("-")[0] if case not in ("chunk-too-long", "bad-chunk-size") else "logs"

    async def fault(w: str, stream: Any) -> bool:
        await stream.send_all(CUTS[case])
        return False

    await fails_then_works(fault, what)


# -- silence -------------------------------------------------------------------------

SILENT_AFTER = {
    "before-head": ("inspect", b""),
    "mid-head": ("inspect", b"HTTP/1.1 200 OK\r\nContent-Le"),
    "mid-json-body": ("inspect", json_answer({"Id": "c1", "Config": {}})[:-4]),
    "mid-stream": ("logs", CHUNKED_HEAD + chunk(frame(1, b"a"))),
    "mid-tar": ("export", GOOD["export"][:3000]),
    "after-upgrade": ("attach", UPGRADED + frame(1, b"hi")),
}


@pytest.mark.parametrize("case", sorted(SILENT_AFTER))
async def test_silent_daemon_ends_with_fail_after(case: str, autojump_clock: Any) -> None:
    """A daemon that stops answering: the caller's fail_after ends the call cleanly."""
    what, first = SILENT_AFTER[case]
    never = trio.Event()

    async def fault(w: str, stream: Any) -> None:
        if first:
            await stream.send_all(first)
        await never.wait()

    before = len(open_fds())
    async with serve(Script(fault)) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            docker.remember_tty("c1", False)
            with pytest.raises(trio.TooSlowError):
                with trio.fail_after(30):
                    await call(docker, what)
            assert docker._pool.idle == 0
            await works_afterwards(docker, what)
    assert len(open_fds()) == before


async def test_daemon_not_reading_an_upload_ends_with_fail_after(autojump_clock: Any) -> None:
    """An import whose body the daemon never reads: fail_after ends the blocked send."""
    sent = 0

    async def pieces() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(4096):  # 256 MiB at most: far past any socket buffer
            sent += 65536
            yield bytes(65536)

    async def silent(seen: Any, stream: Any) -> None:
        await trio.sleep_forever()

    before = len(open_fds())
    async with serve(silent, raw=True) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            with pytest.raises(trio.TooSlowError):
                with trio.fail_after(30):
                    async for _ in docker.images.import_(pieces(), repo="x"):
                        pass
    assert 0 < sent < 64 << 20
    assert len(open_fds()) == before


# -- one byte per write --------------------------------------------------------------


@pytest.mark.parametrize("what", sorted(GOOD))
async def test_one_byte_per_write_gives_the_same_answer(what: str, nursery: trio.Nursery) -> None:
    """The daemon writing one byte at a time (each read by itself) changes nothing."""
    from ..fakedaemon import FakeDaemon, fake_docker

    async def handler(seen: Seen, stream: Any) -> bool:
        w = endpoint(seen.target)
        data = GOOD[w]
        if drip:
            for i in range(len(data)):
                await stream.send_all(data[i : i + 1])
                await trio.testing.wait_all_tasks_blocked()
        else:
            await stream.send_all(data)
        return w != "attach"

    results: list[Any] = []
    drip = False
    for drip_now in (False, True):
        drip = drip_now
        daemon = FakeDaemon(handler, nursery)
        async with fake_docker(daemon, api_version="1.41") as docker:
            docker.remember_tty("c1", False)
            results.append(joined(await call(docker, what)))
    assert results[0] == results[1]
    assert results[0]


# -- invalid JSON --------------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000


def answer(body: bytes, status: int = 200) -> bytes:
    return b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        status,
        len(body),
        body,
    )


BAD_JSON = {
    "not-json": ("inspect", answer(b"{nope"), dockproto.ProtocolError),
    "truncated-json": ("inspect", answer(b'{"Id": "c1"'), dockproto.ProtocolError),
    "deep-json": ("inspect", answer(DEEP), dockproto.ProtocolError),
    "wrong-shape": ("list", answer(b"[5]"), dockproto.ProtocolError),
    "huge-number": (
        "list",
        answer(b'[{"Id": "a", "Ports": [{"PrivatePort": 1e400}]}]'),
        dockproto.ProtocolError,
    ),
    "empty-body-for-a-model": ("version", answer(b""), dockproto.ProtocolError),
    "error-not-json": ("inspect", answer(b"<html>oops</html>", 404), dockproto.NotFound),
    "error-deep-json": (
        "inspect",
        answer(b'{"message": ' + DEEP + b"}", 500),
        dockproto.ServerError,
    ),
    "events-bad-line": (
        "events",
        CHUNKED_HEAD + chunk(b'{"status":"one"}\n{bad\n') + b"0\r\n\r\n",
        dockproto.ProtocolError,
    ),
    "pull-deep-line": (
        "pull",
        CHUNKED_HEAD + chunk(DEEP + b"\n") + b"0\r\n\r\n",
        dockproto.ProtocolError,
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_JSON))
async def test_invalid_json_gives_a_typed_error(case: str) -> None:
    """Bad, deep, oddly shaped or missing JSON: ProtocolError (or the daemon's error)."""
    what, wire, error = BAD_JSON[case]
    events: list[Any] = []

    async def handler(seen: Seen, stream: Any) -> bool:
        if seen.target.endswith("/version") and case != "empty-body-for-a-model":
            await stream.send_all(json_answer(VERSION))
            return True
        await stream.send_all(wire)
        return True

    async def run(docker: dockproto_trio.Docker) -> None:
        if what == "list":
            await docker.containers.list()
        elif what == "version":
            await docker.version()
        elif what == "events":
            async for e in docker.events():
                events.append(e)
        elif what == "pull":
            async for m in docker.images.pull("busybox", auth={}):
                events.append(m)
        else:
            await docker.containers.inspect("c1")

    before = len(open_fds())
    async with serve(handler) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            with pytest.raises(error):
                await run(docker)
            if case == "events-bad-line":
                assert events == [{"status": "one"}]
            if case != "empty-body-for-a-model":
                assert (await docker.version()).version == "20.10.24"
    assert len(open_fds()) == before


# -- sizes: heads, error bodies, units -----------------------------------------------


async def test_oversized_head_is_refused() -> None:
    """A 64 KiB response head is refused with ProtocolError (h11's 16 KiB limit)."""
    head = (
        b"HTTP/1.1 200 OK\r\n" + b"X-Filler: " + b"a" * 65536 + b"\r\nContent-Length: 2\r\n\r\n{}"
    )

    async def handler(seen: Seen, stream: Any) -> bool:
        if seen.target.endswith("/version"):
            await stream.send_all(json_answer(VERSION))
            return True
        await stream.send_all(head)
        return True

    async with serve(handler) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            with pytest.raises(dockproto.ProtocolError, match="malformed response"):
                await docker.containers.inspect("c1")
            assert (await docker.version()).version == "20.10.24"


async def test_endless_head_is_cut_short() -> None:
    """A head that never ends is refused after a bounded read, not buffered forever."""
    sent = 0
    limit = 8 << 20

    async def handler(seen: Seen, stream: Any) -> bool:
        nonlocal sent
        await stream.send_all(b"HTTP/1.1 200 OK\r\n")
        line = b"X-More: " + b"m" * 1000 + b"\r\n"
        while sent < limit:
            await stream.send_all(line * 64)
            sent += len(line) * 64
        return False

    async with serve(handler) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            with pytest.raises(dockproto.ProtocolError, match="malformed response"):
                await docker.containers.inspect("c1")
    assert sent < limit


async def test_oversized_error_body_is_refused() -> None:
    """An error body that never ends is refused past 1 MiB (as the Go client reads it)."""
    sent = 0

    async def handler(seen: Seen, stream: Any) -> bool:
        nonlocal sent
        await stream.send_all(b"HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n")
        while sent < 16 << 20:
            await stream.send_all(chunk(b"e" * 65536))
            sent += 65536
        return False

    async with serve(handler) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            with pytest.raises(dockproto.ProtocolError, match="over"):
                await docker.containers.inspect("c1")
    assert sent < 16 << 20


@pytest.mark.parametrize("what", ["events", "logs-timestamps"])
async def test_endless_unit_is_refused(what: str) -> None:
    """A JSON line (or a log frame) that never ends is refused, not held whole in memory."""
    sent = 0
    limit = 80 << 20

    async def handler(seen: Seen, stream: Any) -> bool:
        nonlocal sent
        if what == "events":
            await stream.send_all(CHUNKED_HEAD + chunk(b'{"status": "'))
        else:
            await stream.send_all(CHUNKED_HEAD + chunk(b"\x01\x00\x00\x00\xff\xff\xff\xff"))
        piece = chunk(b"x" * 65536)
        while sent < limit:
            await stream.send_all(piece)
            sent += 65536
        return False

    async with serve(handler) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            with pytest.raises(dockproto.ProtocolError):
                if what == "events":
                    async for _ in docker.events():
                        pass
                else:
                    async for _ in docker.containers.logs("c1", timestamps=True, tty=False):
                        pass
    assert sent < limit, "the client held the whole endless unit in memory"


async def test_slow_reader_holds_back_the_daemon() -> None:
    """A caller that stops reading a stream stops the client reading: nothing queues up."""
    sent = 0
    blocked = trio.Event()

    async def handler(seen: Seen, stream: Any) -> bool:
        nonlocal sent
        await stream.send_all(CHUNKED_HEAD)
        piece = chunk(frame(1, b"y" * 4000))
        try:
            while sent < 256 << 20:
                await stream.send_all(piece)
                sent += len(piece)
        finally:
            blocked.set()
        return False

    async with serve(handler) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            async with docker.containers.logs("c1", follow=True, tty=False) as logs:
                first = await logs.__anext__()
                assert first.data.startswith(b"y")
                await trio.testing.wait_all_tasks_blocked()
                # The daemon is blocked on a full socket: it got ahead by buffers only.
                assert not blocked.is_set()
                assert sent < 8 << 20
    assert blocked.is_set()


# -- keep-alive ----------------------------------------------------------------------


@pytest.mark.parametrize("tcp", [False, True], ids=["unix", "tcp"])
async def test_pooled_connection_dropped_by_the_daemon_is_replaced(tcp: bool) -> None:
    """A keep-alive connection the daemon closed while idle costs the caller nothing."""
    first_done = trio.Event()

    async def handler(seen: Seen, stream: Any) -> bool:
        await stream.send_all(json_answer(VERSION))
        first_done.set()
        # An idle timeout (podman's, a proxy's) or a daemon restart: the connection goes.
        return len(seen.target) < 0

    before = len(open_fds())
    async with serve(handler, tcp=tcp) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=False) as docker:
            await docker.version()
            await trio.testing.wait_all_tasks_blocked()
            assert d.daemon.closed == 1
            assert (await docker.version()).version == "20.10.24"
    assert len(open_fds()) == before


def test_json_constants_match_what_the_tests_assume() -> None:
    """The fixtures above are valid wire data (so a failure is the client's, not theirs)."""
    assert json.loads(LINES.splitlines()[0]) == {"status": "one"}
    assert len(TAR) % 512 == 0


async def test_reset_while_the_request_body_is_sent() -> None:
    """A daemon that resets the connection during an upload gives ProtocolError (not a
    bare trio error), and the client works afterwards."""

    async def handler(seen: Any, stream: Any) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += await stream.receive_some(65536)
        if b"/images/create" in head:
            await reset(stream)
            return
        await stream.send_all(json_answer(VERSION))

    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(1024):  # 64 MiB at most: far past any socket buffer
            yield bytes(65536)

    before = len(open_fds())
    async with serve(handler, tcp=True, raw=True) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=False) as docker:
            with pytest.raises(dockproto.ProtocolError):
                async for _ in docker.images.import_(pieces(), repo="x"):
                    pass
            assert (await docker.version()).version == "20.10.24"
    assert len(open_fds()) == before


async def test_close_before_answering_says_so() -> None:
    """A daemon that closes the connection without a word: the error says just that."""

    async def handler(seen: Seen, stream: Any) -> bool:
        return False

    async with serve(handler) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            with pytest.raises(
                dockproto.ProtocolError, match="closed the connection before answering"
            ):
                await docker.containers.inspect("c1")


# -- large streams: the reused read buffer --------------------------------------------


def _big_mux() -> bytes:
    """~6 MiB of frames on both streams, every payload different (sizes 1 B to 64 KiB)."""
    out = []
    for i in range(400):
        size = 1 + (i * 7919) % 65536
        out.append(frame(1 + i % 3 // 2, bytes((i + k) % 251 for k in range(251)) * (size // 251)
                         + bytes([i % 256]) * (size % 251)))  # fmt: skip
    return b"".join(out)


def _big_tar() -> bytes:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for i in range(300):
            data = bytes((i * 31 + k) % 256 for k in range(256)) * (1 + i * 37 % 200)
            info = tarfile.TarInfo(f"d/{i}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _streaming(body: bytes, cut: int | None = None) -> Any:
    """A daemon that answers attach with ``body`` after the upgrade, and anything else
    with ``body`` in chunks of 100,000 bytes that cut frames and headers; with ``cut``,
    only that much of it, then the connection closes."""
    end = len(body) if cut is None else cut

    async def handler(seen: Seen, stream: Any) -> bool:
        what = endpoint(seen.target)
        if what == "version":
            await stream.send_all(json_answer(VERSION))
            return True
        if what == "attach":
            await stream.send_all(UPGRADED + body[:end])
            return False
        await stream.send_all(CHUNKED_HEAD)
        for i in range(0, end, 100_000):
            await stream.send_all(chunk(body[i : min(i + 100_000, end)]))
        if cut is not None:
            return False
        await stream.send_all(b"0\r\n\r\n")
        return True

    return handler


@pytest.mark.parametrize("tcp", [False, True], ids=["unix", "tcp"])
@pytest.mark.parametrize("what", ["logs", "attach", "export", "events"])
async def test_large_streams_arrive_intact_through_the_reused_buffer(what: str, tcp: bool) -> None:
    """Streams that keep filling reads switch to one reused buffer (read with trio's
    socket ``recv_into``): every byte arrives once, in order, and the next call on a
    kept connection still works."""
    mux, tar = _big_mux(), _big_tar()
    lines = b"".join(b'{"id":%d,"pad":"%s"}\n' % (i, b"p" * (i % 900)) for i in range(12000))
    pieces = {"logs": mux, "attach": mux, "export": tar, "events": lines}
    body = pieces[what]

    before = len(open_fds())
    async with serve(_streaming(body), tcp=tcp) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=False) as docker:
            if what == "attach":
                async with docker.containers.attach("c1", tty=False) as s:
                    out, err = await s.collect()
                    used = s._exchange._buffer is not None
                want = dockproto.Demuxer().feed(mux)
                assert out == b"".join(c.data for c in want if c.stream == 1)
                assert err == b"".join(c.data for c in want if c.stream == 2)
            elif what == "logs":
                async with docker.containers.logs("c1", tty=False) as logs:
                    got = [c async for c in logs]
                    assert logs._exchange is not None
                    used = logs._exchange._buffer is not None
                assert joined(got) == joined(dockproto.Demuxer().feed(mux))
            elif what == "export":
                async with docker.containers.export("c1") as t:
                    got = [item async for item in t]
                    assert t._exchange is not None
                    used = t._exchange._buffer is not None
                reader = dockproto.TarReader()
                assert joined(got) == joined(reader.feed(tar) + reader.close())
            else:
                async with docker.events() as events:
                    got = [e async for e in events]
                    assert events._exchange is not None
                    used = events._exchange._buffer is not None
                assert got == [json.loads(line) for line in lines.splitlines()]
            assert used, "the stream never switched to the reused buffer"
            assert (await docker.version()).version == "20.10.24"
    assert len(open_fds()) == before


@pytest.mark.parametrize("what", ["logs", "attach", "export"])
async def test_large_stream_cut_off_through_the_reused_buffer(what: str) -> None:
    """A stream cut off after the switch to the reused buffer still ends in ProtocolError,
    with every whole frame (or member byte) before the cut delivered, and no leak."""
    mux, tar = _big_mux(), _big_tar()
    body = tar if what == "export" else mux
    cut = len(body) - 5000  # inside the last frame or member

    before = len(open_fds())
    async with serve(_streaming(body, cut)) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            got: list[Any] = []
            with pytest.raises(dockproto.ProtocolError, match=r"cut off|ended"):
                if what == "attach":
                    async with docker.containers.attach("c1", tty=False) as s:
                        async for c in s:
                            got.append(c)
                elif what == "logs":
                    async for c in docker.containers.logs("c1", tty=False):
                        got.append(c)
                else:
                    async with docker.containers.export("c1") as t:
                        async for item in t:
                            got.append(item)
            if what == "export":
                data = b"".join(i.data for i in got if isinstance(i, dockproto.TarData))
                whole = dockproto.TarReader().feed(tar[:cut])
                assert data == b"".join(i.data for i in whole if isinstance(i, dockproto.TarData))
                assert len(data) > 1 << 20
            else:
                want = dockproto.Demuxer().feed(mux[:cut])  # whole frames before the cut
                assert joined(got) == joined(want)
            assert (await docker.version()).version == "20.10.24"
    assert len(open_fds()) == before


class PacedServer:
    """A daemon without a thread of its own, that writes only when the client's side
    finds its socket empty (``feed``): a new connection is accepted and its request
    read, then it gets the answer's head and first part, then one more part at each
    ``feed``, then end of file.  What every read finds is then decided by the test, not
    by how the scheduler interleaves tasks or threads."""

    PART = 1 << 16  # far below a unix socket's buffer: a part is written whole at once

    def __init__(self, path: str, answer: bytes) -> None:
        self.parts = [answer[i : i + self.PART] for i in range(0, len(answer), self.PART)]
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(4)
        self.conns: list[socket.socket] = []
        self.client: object = None
        self.sent = 0

    def feed(self, client: object) -> None:
        """``client`` (a channel) found its socket empty: write what it reads next."""
        if client is not self.client:  # a new connection (it has connected and sent)
            conn, _ = self.listener.accept()
            conn.settimeout(20)  # (a lost request is a failure, never a hang)
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(65536)
            self.conns.append(conn)
            self.client, self.sent = client, 0
        if self.sent < len(self.parts):
            self.conns[-1].sendall(self.parts[self.sent])
            self.sent += 1
        else:
            self.conns[-1].shutdown(socket.SHUT_WR)

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        self.listener.close()


class PacedChannel:
    """A backend's channel whose reads are paced by a ``PacedServer`` and logged:
    ``log`` has ``clock()`` at each read that found data."""

    def __init__(self, channel: Any, server: PacedServer, clock: Any) -> None:
        self.channel = channel
        self.server = server
        self.clock = clock
        self.can_receive_into = channel.can_receive_into
        self.log: list[int] = []

    def _pace(self) -> None:
        if not self.channel.stale():  # (stale: readable, its one test without I/O)
            self.server.feed(self)

    async def receive(self, size: int, timeout: float | None) -> bytes:
        self._pace()
        data: bytes = await self.channel.receive(size, timeout)
        if data:
            self.log.append(self.clock())
        return data

    async def receive_into(self, buf: memoryview, timeout: float | None) -> int:
        self._pace()
        k: int = await self.channel.receive_into(buf, timeout)
        if k:
            self.log.append(self.clock())
        return k

    async def send_all(self, data: bytes, timeout: float | None) -> None:
        await self.channel.send_all(data, timeout)

    async def send_eof(self) -> None:
        await self.channel.send_eof()

    async def aclose(self) -> None:
        await self.channel.aclose()

    def stale(self) -> bool:
        return bool(self.channel.stale())


def longest_run(log: list[int]) -> int:
    """The most reads in a row that found data with no turn of the other task between."""
    longest = run = 1 if log else 0
    for a, b in itertools.pairwise(log):
        run = run + 1 if a == b else 1
        longest = max(longest, run)
    return longest


@pytest.mark.parametrize("loop", ["trio", "asyncio"])
def test_fast_stream_gives_other_tasks_turns_and_stops_when_cancelled(
    loop: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """A stream whose every read finds data still lets other tasks run, and a
    cancellation stops it within a bounded number of reads, leaving no descriptor open.

    trio: a read that finds data is a cancellation point, and every ``QUICK_READS``-th
    (trio backend's) is a full checkpoint, so the other task runs at least once every
    two of those (trio runs a batch of tasks in random order), and a cancellation
    arrives at the next read.  asyncio: the loop's
    ``sock_recv_into`` reads at once when data is there, so every ``QUICK_READS``-th
    read yields to the loop: runs of at most QUICK_READS reads, and a ``task.cancel()``
    arrives within as many.  (Reads are 1 KiB and the server writes 64 KiB each time
    the socket is found empty, so each part is 64 reads that find data whatever the
    machine's load; the items' own turns, every SCHEDULE_EVERY items, are taken out of
    the way here.)"""
    from dockproto import _policy

    read = 1024
    monkeypatch.setattr(_policy, "RECEIVE_SIZE", read)
    monkeypatch.setattr(_policy, "MAX_RECEIVE_SIZE", read)
    monkeypatch.setattr(_policy, "STREAM_BUFFER", read)
    monkeypatch.setattr(_policy, "SCHEDULE_EVERY", 1 << 30)
    payload = b"".join(bytes([i % 251]) * 6000 for i in range(400))
    mux = b"".join(frame(1, payload[i : i + 6000]) for i in range(0, len(payload), 6000))
    body = b"".join(chunk(mux[i : i + 32768]) for i in range(0, len(mux), 32768))
    # (Connection: close: the second call opens a connection of its own)
    head = CHUNKED_HEAD.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    path = str(tmp_path / "d.sock")
    before = len(open_fds())
    server = PacedServer(path, head + body + b"0\r\n\r\n")
    channels: list[PacedChannel] = []
    turns = 0
    client: Any = dockproto_trio if loop == "trio" else dockproto_asyncio

    class Backend(client.Backend):  # type: ignore[misc, name-defined]
        async def connect(self, timeout: float | None) -> PacedChannel:
            channels.append(PacedChannel(await super().connect(timeout), server, lambda: turns))
            return channels[-1]

    async def other() -> None:
        nonlocal turns
        while True:
            turns += 1
            if loop == "trio":
                await trio.lowlevel.checkpoint()
            else:
                await asyncio.sleep(0)

    async def follow(docker: Any, seen: list[int], cancel: Any) -> None:
        async for c in docker.containers.logs("c1", tty=False):
            seen[0] += len(c.data)
            if len(channels) > 1 and len(channels[1].log) >= 3 and not seen[1]:
                seen[1] = len(channels[1].log)
                cancel()  # stops at the next read (trio) or within QUICK_READS (asyncio)

    async def scenario() -> tuple[list[int], bool]:
        docker = client.Docker(Backend(client.resolve(f"unix://{path}"), None), api_version="1.41")
        async with docker:
            got = [c async for c in docker.containers.logs("c1", tty=False)]
            assert b"".join(c.data for c in got) == payload and {c.stream for c in got} == {1}
            seen = [0, 0]
            if loop == "trio":
                with trio.CancelScope() as scope:
                    await follow(docker, seen, scope.cancel)
                cancelled = scope.cancelled_caught
            else:
                task = asyncio.ensure_future(follow(docker, seen, lambda: task.cancel()))
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                cancelled = task.cancelled()
            assert 0 < seen[0] < len(payload)
            return seen, cancelled

    async def main() -> tuple[list[int], bool]:
        if loop == "trio":
            async with trio.open_nursery() as nursery:
                nursery.start_soon(other)
                result = await scenario()
                nursery.cancel_scope.cancel()
            return result
        turner = asyncio.ensure_future(other())
        try:
            return await scenario()
        finally:
            turner.cancel()

    try:
        seen, cancelled = trio.run(main) if loop == "trio" else asyncio.run(main())
    finally:
        server.close()
    first, second = channels[0].log, channels[1].log
    quick = PacedServer.PART // read  # reads that find data in each part but the first
    assert len(first) >= (len(server.parts) - 1) * quick
    if loop == "trio":
        # a full checkpoint before every TRIO_QUICK+1-th read; trio runs a batch of tasks
        # in random order, so the other task may come only after the next checkpoint
        assert TRIO_QUICK // 2 < longest_run(first) <= 2 * (TRIO_QUICK + 1)
        assert cancelled and len(second) == seen[1]  # no read after the cancellation
    else:
        assert QUICK_READS // 2 < longest_run(first) <= QUICK_READS
        assert cancelled and len(second) - seen[1] < QUICK_READS
    assert len(open_fds()) == before


async def test_reset_in_a_large_stream_read_into_the_reused_buffer() -> None:
    """An RST after a large stream has switched to the reused buffer: ProtocolError (not
    a bare OSError), every chunk before it was whole, no leak, and the client works
    afterwards."""
    mux = _big_mux()
    switched = trio.Event()

    async def fault(what: str, stream: Any) -> None:
        await stream.send_all(CHUNKED_HEAD)
        for i in range(0, len(mux), 100_000):
            await stream.send_all(chunk(mux[i : i + 100_000]))
        await switched.wait()
        await reset(stream)

    before = len(open_fds())
    async with serve(Script(fault), tcp=True) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=False) as docker:
            got: list[Any] = []
            with pytest.raises(dockproto.ProtocolError, match=r"broke|ended|cut off"):
                async with docker.containers.logs("c1", tty=False) as logs:
                    async for c in logs:
                        got.append(c)
                        assert logs._exchange is not None
                        if logs._exchange._buffer is not None:
                            switched.set()
            assert switched.is_set(), "the stream never switched to the reused buffer"
            want = dockproto.Demuxer().feed(mux)
            for kind in (1, 2):  # each stream's bytes: a prefix of what was sent
                part = b"".join(c.data for c in got if c.stream == kind)
                whole = b"".join(c.data for c in want if c.stream == kind)
                assert part and whole.startswith(part)
            await works_afterwards(docker, "logs")
    assert len(open_fds()) == before
