"""TLS on every client (trio, asyncio, uvloop, blocking): each has a TLS path of its own
(trio's SSLStream, asyncio's streams, the blocking client's SSLSocket).  The fake
daemon behind TLS (``tlsdaemon``), in a trio thread of its own.

A verified connection answers whole calls and streams, and a stream closed from
another thread or task while a read waits in it ends that read; a daemon that does not
verify is refused naming the address; no descriptor is left open either way.
"""

from __future__ import annotations

from typing import Any

import pytest
import trio

import dockproto
from dockproto._drive.hosts import tls_context_from_env

from ..fakedaemon import Seen, json_answer
from ..faults.clients import KINDS, Client, in_trio_thread, no_leak, warm_up
from ..faults.wire import CHUNKED_HEAD, chunk, frame
from .tlsdaemon import make_certs, server_context, tls_daemon

VERSION = {"ApiVersion": "1.41", "Version": "20.10.24"}
FRAMES = [frame(1 + i % 2, b"line %d\n" % i) for i in range(20)]


@pytest.fixture(scope="module")
def certs(tmp_path_factory: Any) -> dict[str, str]:
    warm_up()
    return make_certs(str(tmp_path_factory.mktemp("certs")))


async def handler(seen: Seen, stream: Any) -> bool:
    if seen.target.endswith("/version"):
        await stream.send_all(json_answer(VERSION))
        return True
    assert "/logs" in seen.target, seen.target
    if "follow=1" in seen.target or "follow=true" in seen.target:
        await stream.send_all(CHUNKED_HEAD + chunk(FRAMES[0]))
        await trio.sleep_forever()  # (silent: a read waits)
    await stream.send_all(CHUNKED_HEAD + b"".join(chunk(f) for f in FRAMES) + b"0\r\n\r\n")
    return True


@pytest.mark.parametrize("kind", KINDS)
def test_verified_tls_on_every_client(kind: str, certs: dict[str, str]) -> None:
    """Over verified TLS: a whole call, a whole stream, and a stream closed from
    elsewhere while a read waits in it; then no descriptor is left open."""
    ctx = server_context(certs["good"], certs["good"])
    with no_leak(), in_trio_thread(lambda: tls_daemon(handler, ctx)) as (d, _):
        client_ctx = tls_context_from_env(certs["good"])
        with Client(kind, d.host, tls=client_ctx) as c:
            assert c.version() == "20.10.24"
            whole = c.read("logs", follow=False)
            assert whole.error is None, whole.error
            assert b"".join(x.data for x in whole.items) == b"".join(f[8:] for f in FRAMES)
            closed = c.close_while_reading("logs")
            assert closed.error is None, closed.error
            assert [x.data for x in closed.items] == [FRAMES[0][8:]]
            assert c.version() == "20.10.24"
        assert d.handshake_errors == []


@pytest.mark.parametrize("kind", KINDS)
def test_unverifiable_daemon_refused_on_every_client(kind: str, certs: dict[str, str]) -> None:
    """A daemon whose certificate another CA signed is refused before anything is sent,
    naming the address and the reason; the refused handshake keeps no socket."""
    ctx = server_context(certs["good"], certs["good"])
    with no_leak(), in_trio_thread(lambda: tls_daemon(handler, ctx)) as (d, _):
        with Client(kind, d.host, tls=tls_context_from_env(certs["other"])) as c:
            outcome = c.read("version")
            assert isinstance(outcome.error, dockproto.DockerConnectionError), outcome.error
            assert d.host in str(outcome.error)
            assert "certificate verify failed" in str(outcome.error)
            assert c.docker._pool.idle == 0
        assert d.daemon.seen == []
