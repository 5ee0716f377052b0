"""The trio adapter over memory streams against the fake daemon."""

from __future__ import annotations

from typing import Any

import pytest
import trio

import dockproto
import dockproto_trio
from dockproto import StreamChunk, StreamKind
from dockproto._policy import MAX_CONCURRENT_REQUESTS, MAX_IDLE, SCHEDULE_EVERY

from ..fakedaemon import FakeDaemon, Seen, fake_docker, json_answer, ping_ok


def frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


UPGRADED = (
    b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
)


async def test_negotiates_then_reuses_one_connection(nursery: trio.Nursery) -> None:
    """The first call pings to negotiate; later calls reuse the same connection."""

    async def handler(seen: Seen, stream: Any) -> bool:
        if seen.target == "/_ping":
            return await ping_ok(seen, stream)
        await stream.send_all(json_answer({"ApiVersion": "1.41", "Version": "20.10.24"}))
        return True

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon) as docker:
        v1 = await docker.version()
        v2 = await docker.version()
    assert v1.version == v2.version == "20.10.24"
    assert [s.target for s in daemon.seen] == ["/_ping", "/v1.41/version", "/v1.41/version"]
    assert daemon.opened == 1
    assert docker.api_version == "1.41"


async def test_pinned_version_skips_ping(nursery: trio.Nursery) -> None:
    """A pinned API version is used as it is, without a ping."""

    async def handler(seen: Seen, stream: Any) -> bool:
        await stream.send_all(json_answer([]))
        return True

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.30") as docker:
        assert await docker.containers.list() == []
    assert [s.target for s in daemon.seen] == ["/v1.30/containers/json"]


async def test_error_raises_typed_and_connection_survives(nursery: trio.Nursery) -> None:
    """A 404 raises NoSuchContainer with the daemon's message; the connection is reused."""

    async def handler(seen: Seen, stream: Any) -> bool:
        if seen.target.endswith("/json"):
            await stream.send_all(json_answer({"message": "No such container: x"}, 404))
        else:
            await stream.send_all(json_answer([]))
        return True

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        with pytest.raises(dockproto.NoSuchContainer) as info:
            await docker.containers.inspect("x")
        assert info.value.message == "No such container: x"
        assert await docker.containers.list(all=True) == []
    assert daemon.opened == 1


async def test_cancelled_call_leaves_no_socket(nursery: trio.Nursery, autojump_clock: Any) -> None:
    """A daemon that never answers: fail_after ends the call and the socket is closed."""
    release = trio.Event()

    async def handler(seen: Seen, stream: Any) -> bool:
        await release.wait()
        return False

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        with pytest.raises(trio.TooSlowError):
            with trio.fail_after(5):
                await docker.version()
        assert docker._pool.idle == 0
    release.set()
    await trio.testing.wait_all_tasks_blocked()
    assert daemon.opened == daemon.closed == 1


async def test_attach_keeps_output_sent_with_the_upgrade(nursery: trio.Nursery) -> None:
    """Frames written in the same write as the 101 head all reach the caller."""

    async def handler(seen: Seen, stream: Any) -> bool:
        await stream.send_all(UPGRADED + frame(1, b"x" * 1000) + frame(2, b"err"))
        return False

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        async with docker.exec.start("e1") as stream:
            out, err = await stream.collect()
    assert (len(out), err) == (1000, b"err")


async def test_cancelled_receive_loses_no_output(nursery: trio.Nursery) -> None:
    """A receive in a cancelled scope loses nothing: cancellation arrives at a read and
    at every SCHEDULE_EVERY-th item handed out from the last read, before the item is
    taken (the stream goes on where it was); any other receive hands its item out."""
    chunks = [StreamChunk(StreamKind(1 + i % 2), b"%d" % i * (1 + i % 7)) for i in range(200)]

    async def handler(seen: Seen, stream: Any) -> bool:
        await stream.send_all(UPGRADED + b"".join(frame(c.stream, c.data) for c in chunks))
        return False

    daemon = FakeDaemon(handler, nursery)
    cancelled = 0
    async with fake_docker(daemon, api_version="1.41") as docker:
        async with docker.exec.start("e1") as stream:
            got = []
            while True:
                with trio.CancelScope() as scope:
                    scope.cancel()
                    chunk = await stream.receive()
                if scope.cancelled_caught:
                    cancelled += 1
                    chunk = await stream.receive()
                if chunk is None:
                    break
                got.append(chunk)
    assert got == chunks
    # (the 64th, 128th and 192nd items, and the read that finds the end)
    assert cancelled >= len(chunks) // SCHEDULE_EVERY + 1


async def test_send_eof_keeps_output_readable(nursery: trio.Nursery) -> None:
    """After send_eof the daemon sees end of stdin, and output after it still arrives."""

    async def handler(seen: Seen, stream: Any) -> bool:
        await stream.send_all(UPGRADED)
        got = b""
        while data := await stream.receive_some(100):
            got += data
        await stream.send_all(frame(1, b"you said: " + got))
        return False

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        async with docker.exec.start("e1") as stream:
            await stream.send_all(b"hello ")
            await stream.send_all(b"there")
            await stream.send_eof()
            chunk = await stream.receive()
            assert chunk == StreamChunk(StreamKind.STDOUT, b"you said: hello there")
            assert await stream.receive() is None


async def test_logs_stream_and_cut_off(nursery: trio.Nursery) -> None:
    """Logs arrive as StreamChunks; a body cut off mid-chunk raises ProtocolError."""
    body = b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in (frame(1, b"a\n"), frame(2, b"b\n")))

    async def handler(seen: Seen, stream: Any) -> bool:
        head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        if "tail=1" in seen.target:
            await stream.send_all(head + body[:-3])  # cut off, then closed
            return False
        await stream.send_all(head + body + b"0\r\n\r\n")
        return True

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        chunks = [c async for c in docker.containers.logs("c1", tty=False)]
        assert chunks == [
            StreamChunk(StreamKind.STDOUT, b"a\n"),
            StreamChunk(StreamKind.STDERR, b"b\n"),
        ]
        with pytest.raises(dockproto.ProtocolError):
            async for _ in docker.containers.logs("c1", tail=1, tty=False):
                pass
        # The client keeps working afterwards.
        assert [c.data async for c in docker.containers.logs("c1", tty=False)] == [b"a\n", b"b\n"]


async def test_tty_learnt_from_one_inspect(nursery: trio.Nursery) -> None:
    """Without a hint, the TTY setting comes from one inspect, cached for the full id
    (never for a name, which may be given to another container later)."""

    async def handler(seen: Seen, stream: Any) -> bool:
        if seen.target.endswith("/json"):
            await stream.send_all(json_answer({"Id": "c1full", "Config": {"Tty": True}}))
            return True
        raw = b"\x01\x00\x00\x00raw tty bytes"
        await stream.send_all(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(raw), raw))
        return True

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        for ref in ("c1", "c1full", "c1"):
            data = b"".join([c.data async for c in docker.containers.logs(ref)])
            assert data == b"\x01\x00\x00\x00raw tty bytes"
    assert [s.target.split("?")[0] for s in daemon.seen] == [
        "/v1.41/containers/c1/json",
        "/v1.41/containers/c1/logs",
        "/v1.41/containers/c1full/logs",
        "/v1.41/containers/c1/json",
        "/v1.41/containers/c1/logs",
    ]


async def test_pull_in_stream_error_raises(nursery: trio.Nursery) -> None:
    """An error inside a 200 progress stream raises StreamError after the progress."""
    lines = b'{"status":"Pulling"}\r\n{"errorDetail":{"message":"denied"},"error":"denied"}\r\n'

    async def handler(seen: Seen, stream: Any) -> bool:
        await stream.send_all(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(lines), lines)
        )
        return True

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        seen = []
        with pytest.raises(dockproto.StreamError, match="denied"):
            async for msg in docker.images.pull("x"):
                seen.append(msg.value)
        assert seen == [{"status": "Pulling"}]


async def test_concurrent_requests(nursery: trio.Nursery) -> None:
    """Many tasks at once each get their answer; connections are bounded and reused."""

    async def handler(seen: Seen, stream: Any) -> bool:
        await trio.sleep(0)
        name = seen.target.split("/")[3]
        await stream.send_all(json_answer({"Id": name}))
        return True

    daemon = FakeDaemon(handler, nursery)
    results: dict[str, Any] = {}
    async with fake_docker(daemon, api_version="1.41") as docker:

        async def one(i: int) -> None:
            results[f"c{i}"] = await docker.containers.inspect(f"c{i}")

        for _ in range(2):
            async with trio.open_nursery() as inner:
                for i in range(200):
                    inner.start_soon(one, i)
        assert docker._pool.idle <= MAX_IDLE
    assert all(results[f"c{i}"]["Id"] == f"c{i}" for i in range(200))
    # The second burst found the first burst's connections idle, and opened none.
    assert daemon.opened <= MAX_CONCURRENT_REQUESTS


async def test_unreachable_host_names_the_address(tmp_path: Any) -> None:
    """A socket path that does not answer gives one clear error naming the address."""
    path = str(tmp_path / "nothing.sock")
    async with dockproto_trio.open_docker(f"unix://{path}") as docker:
        with pytest.raises(dockproto_trio.DockerConnectionError) as info:
            await docker.ping()
    assert path in str(info.value)


def test_resolve_hosts(monkeypatch: Any) -> None:
    """DOCKER_HOST forms: unix://, a bare path, tcp:// with and without a port, ssh://."""
    monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    assert dockproto_trio.resolve("unix:///run/d.sock").path == "/run/d.sock"
    assert dockproto_trio.resolve("/run/d.sock").path == "/run/d.sock"
    t = dockproto_trio.resolve("tcp://10.1.2.3:2375")
    assert (t.host, t.port, t.tls) == ("10.1.2.3", 2375, False)
    assert dockproto_trio.resolve("tcp://example").port == 2375
    monkeypatch.setenv("DOCKER_HOST", "unix:///x.sock")
    assert dockproto_trio.resolve().path == "/x.sock"
    s = dockproto_trio.resolve("ssh://me@host")
    assert (s.kind, s.user, s.host) == ("ssh", "me", "host")
    with pytest.raises(ValueError):
        dockproto_trio.resolve("ftp://me@host")


async def test_idle_connection_closed_by_daemon_is_not_reused(tmp_path: Any) -> None:
    """A keep-alive connection the daemon closed while idle is dropped, not used."""
    path = str(tmp_path / "d.sock")
    listener = trio.socket.socket(trio.socket.AF_UNIX)
    await listener.bind(path)
    listener.listen()
    connections = 0

    async def serve(nursery: trio.Nursery) -> None:
        nonlocal connections
        while True:
            sock, _ = await listener.accept()
            connections += 1
            stream = trio.SocketStream(sock)
            await stream.receive_some(65536)
            await stream.send_all(json_answer({"Id": "x"}))
            await stream.aclose()  # closes the idle keep-alive connection at once

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve, nursery)
        async with dockproto_trio.open_docker(path, api_version="1.41") as docker:
            assert (await docker.containers.inspect("a"))["Id"] == "x"
            await trio.testing.wait_all_tasks_blocked()
            assert (await docker.containers.inspect("b"))["Id"] == "x"
        nursery.cancel_scope.cancel()
    assert connections == 2


async def test_long_batches_let_other_tasks_run(nursery: trio.Nursery) -> None:
    """Events from one big read yield to other tasks and are cancellation points every
    SCHEDULE_EVERY items (reads are full checkpoints of their own)."""
    lines = b"".join(b'{"n":%d}\n' % i for i in range(1000))

    async def handler(seen: Seen, stream: Any) -> bool:
        await stream.send_all(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(lines), lines)
        )
        return True

    daemon = FakeDaemon(handler, nursery)
    turns = 0
    consumed = 0

    async def other() -> None:
        nonlocal turns
        while True:
            turns += 1
            await trio.lowlevel.checkpoint()

    async with fake_docker(daemon, api_version="1.41") as docker:
        async with trio.open_nursery() as inner:
            inner.start_soon(other)
            async for _ in docker.events():
                consumed += 1
            assert consumed == 1000 and turns >= 1000 // SCHEDULE_EVERY
            with trio.CancelScope() as scope:
                async for _ in docker.events():
                    scope.cancel()  # arrives within SCHEDULE_EVERY items
                    consumed += 1
            assert scope.cancelled_caught and 1001 <= consumed <= 1000 + SCHEDULE_EVERY
            consumed = 1001
            with trio.CancelScope() as outer:  # a shield keeps the stream going
                with trio.CancelScope(shield=True):
                    async for _ in docker.events():
                        outer.cancel()
                        consumed += 1
            assert consumed == 2001 and outer.cancelled_caught is False
            events = docker.events()
            async for _ in events:  # closed after one item: the rest of its read is dropped
                await events.aclose()
                consumed += 1
            assert consumed == 2002 and [e async for e in events] == []
            inner.cancel_scope.cancel()
