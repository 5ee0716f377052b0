"""Faults on every client (trio, asyncio, uvloop, blocking) against the real engines:
a follow cancelled or timed out while the engine has nothing more to say, a follow
closed from another thread or task, an answer reset or cut off by the fault proxy, and
one client shared by 16 threads or tasks.

Each counts the process's open descriptors before and after; a broken-off stream is a
``ProtocolError`` after a start of the answer, never a short result; the same client
works afterwards (through the proxy: once it passes everything again).  The engines
themselves are never disturbed: the proxy misbehaves towards the client only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import dockproto
import dockproto_sync

from .clients import KINDS, Cancelled, Client, Outcome, in_trio_thread, no_leak, warm_up
from .engines import IMAGE, engine_socket, unique
from .wire import FaultProxy

pytestmark = pytest.mark.integration

LINES = 3000
WANT = b"".join(b"%d\n" % i for i in range(1, LINES + 1))

kinds = pytest.mark.parametrize("kind", KINDS)
async_kinds = pytest.mark.parametrize("kind", [k for k in KINDS if k != "sync"])


class Engine:
    """One engine for the module: its socket, a running container that printed LINES
    numbered lines and then sleeps (a follow of it goes silent), the size of its
    export, and a second container (created, never started)."""

    def __init__(self, path: str, docker: Any) -> None:
        self.path = path
        self.host = f"unix://{path}"
        self.cid = docker.containers.create(
            IMAGE, ["sh", "-c", f"seq 1 {LINES}; exec sleep 3600"], name=unique()
        )
        self.other = docker.containers.create(IMAGE, ["true"], name=unique())
        docker.containers.start(self.cid)
        got = b""  # (followed until the last line is in: the engine has them all)
        for c in docker.containers.logs(self.cid, follow=True, tty=False, timeout=60):
            got += c.data
            if got == WANT:
                break
        assert got == WANT
        self.export_size = sum(
            len(i.data)
            for i in docker.containers.export(self.cid, timeout=60)
            if isinstance(i, dockproto.TarData)
        )


@pytest.fixture(scope="module", params=["docker", "podman"])
def engine(request: Any) -> Iterator[Engine]:
    path = engine_socket(str(request.param))
    warm_up()
    with dockproto_sync.open_docker(f"unix://{path}") as docker:
        made: list[Engine] = []
        try:
            made.append(Engine(path, docker))
            yield made[0]
        finally:
            for e in made:
                for cid in (e.cid, e.other):
                    docker.containers.rm(cid, force=True, timeout=60)


def log_data(outcome: Outcome) -> bytes:
    return b"".join(c.data for c in outcome.items)


def tar_size(outcome: Outcome) -> int:
    return sum(len(i.data) for i in outcome.items if isinstance(i, dockproto.TarData))


# -- a follow that goes silent --------------------------------------------------------


@async_kinds
def test_follow_cancelled_while_the_engine_is_silent(kind: str, engine: Engine) -> None:
    """A follow cancelled while it waits for the engine (trio cancel scope, asyncio
    task.cancel()): cancelled, with a start of the lines; no socket left open."""
    with no_leak(), Client(kind, engine.host, ref=engine.cid, api_version=None) as c:
        outcome = c.read("logs", cancel_after=1)
        assert isinstance(outcome.error, Cancelled), outcome.error
        assert log_data(outcome) and WANT.startswith(log_data(outcome))
        assert c.docker._pool.idle == 0
        assert log_data(c.read("logs", follow=False)) == WANT


@kinds
def test_follow_timed_out_while_the_engine_is_silent(kind: str, engine: Engine) -> None:
    """A follow whose engine has nothing more to say ends at the caller's limit
    (trio.fail_after, asyncio.timeout, the blocking timeout=: idle time between reads)
    with every line; no socket left open, and the client works afterwards."""
    with no_leak(), Client(kind, engine.host, ref=engine.cid, api_version=None) as c:
        outcome = c.read("logs", limit=1.0, limit_after=1)
        assert isinstance(outcome.error, c.timeout_error), outcome.error
        assert log_data(outcome) == WANT
        assert c.docker._pool.idle == 0
        assert log_data(c.read("logs", follow=False)) == WANT


@kinds
def test_follow_closed_from_elsewhere(kind: str, engine: Engine) -> None:
    """A follow closed from another thread (blocking) or task (async) while it reads:
    the read ends, cleanly, with a start of the lines; no socket left open."""
    with no_leak(), Client(kind, engine.host, ref=engine.cid, api_version=None) as c:
        outcome = c.close_while_reading("logs")
        assert outcome.error is None, outcome.error
        assert log_data(outcome) and WANT.startswith(log_data(outcome))
        assert log_data(c.read("logs", follow=False)) == WANT


# -- broken by the proxy --------------------------------------------------------------


@kinds
@pytest.mark.parametrize("mode", ["reset", "cut"])
@pytest.mark.parametrize("what", ["logs", "export"])
def test_answer_broken_off_by_the_proxy(kind: str, mode: str, what: str, engine: Engine) -> None:
    """The engine's answer reset (RST) or cut (closed) by the proxy part way: a
    ProtocolError after a start of the answer; then, the proxy passing all again, the
    same client reads it whole.  No socket left open."""
    proxy = FaultProxy(engine.path)
    with no_leak(), in_trio_thread(proxy.running):
        # (the proxy takes its mode when a connection opens; a broken call closes its
        # connection, so the call after it opens another)
        proxy.mode, proxy.after = mode, 5000 if what == "logs" else 300_000
        with Client(kind, proxy.host, ref=engine.cid, api_version=None) as c:
            outcome = c.read(what, follow=False)
            assert isinstance(outcome.error, dockproto.ProtocolError), outcome.error
            if what == "logs":
                assert WANT.startswith(log_data(outcome)) and log_data(outcome) != WANT
            else:
                assert tar_size(outcome) < engine.export_size
            proxy.mode = "pass"
            again = c.read(what, follow=False)
            assert again.error is None, again.error
            if what == "logs":
                assert log_data(again) == WANT
            else:
                assert tar_size(again) == engine.export_size
    assert proxy.connections >= 2


# -- one client, many threads or tasks ------------------------------------------------


@kinds
def test_one_client_many_threads_or_tasks(kind: str, engine: Engine) -> None:
    """16 threads (blocking) or tasks (async) making 20 inspects each, of two containers
    in turn, on one client: every answer is its own call's, at most 16 connections."""
    refs = [engine.cid, engine.other]
    with no_leak(), Client(kind, engine.host, api_version=None) as c:
        answers = c.many_at_once(16, 20, "inspect", refs)
        assert c.docker._pool.opened <= 16
    assert len(answers) == 16 * 20
    assert all(asked == answered for asked, answered in answers)
