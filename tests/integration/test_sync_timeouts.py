"""The blocking client's ``timeout=`` against both engines: on a stream, the idle time
between two reads (past it, TimeoutError, and the stream's socket is closed; while data
flows, a long stream is never cut off); on a whole answer, the whole call, the wait for
a pooled connection included.  And ``close()`` from another thread ends a blocked read.
(The async clients' cancellation: ``test_asyncio_cancel.py``, ``test_trio_cancel.py``.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import dockproto_sync
from dockproto_sync import _backend

from ._sync.support import Containers, made_containers
from .harness import ENGINES, IMAGE, SyncLoop, open_sockets

SILENT = ["sh", "-c", "echo ready; exec sleep 600"]


@contextmanager
def client(engine: str) -> Iterator[tuple[dockproto_sync.Docker, Containers]]:
    with dockproto_sync.open_docker(ENGINES[engine]) as docker:
        with made_containers(SyncLoop(), docker, IMAGE) as containers:
            yield docker, containers


@contextmanager
def no_socket_left(docker: dockproto_sync.Docker) -> Iterator[None]:
    """The block leaves no socket open (besides the pool's idle ones), and the client
    works after it."""
    docker.ping(timeout=30)
    before = open_sockets(docker)
    yield
    assert open_sockets(docker) == before
    assert docker.ping(timeout=30) == "OK"
    assert open_sockets(docker) == before


def _started(containers: Containers, cmd: list[str]) -> str:
    cid = containers.create(cmd)
    containers.docker.containers.start(cid, timeout=30)
    return cid


# The idle timeout of the stream tests: well above what an engine takes to answer or to
# pass a line on when the machine is busy (podman took more than 1 s with two test runs
# at once), since the same timeout bounds every read of the stream, its head included.
IDLE = 2.0


@pytest.mark.parametrize("kind", ["logs", "attach"])
def test_idle_timeout_mid_stream(engine: str, kind: str) -> None:
    """A stream that goes silent after its first line raises TimeoutError once the
    idle time has passed, and its socket is closed."""
    with client(engine) as (docker, containers):
        got: list[bytes] = []
        with no_socket_left(docker):
            stream: Any
            if kind == "logs":
                cid = _started(containers, SILENT)
                stream = docker.containers.logs(cid, follow=True, timeout=IDLE)
            else:  # (it says ready once told to: attached after it started)
                cmd = ["sh", "-c", "read x; echo ready; exec sleep 600"]
                cid = containers.create(cmd, stdin=True, open_stdin=True)
                docker.containers.start(cid, timeout=30)
                stream = docker.containers.attach(cid, stdin=True, timeout=IDLE)
            with stream as items:
                if kind == "attach":
                    items.send_all(b"go\n")
                for chunk in items:
                    got.append(chunk.data)
                    break
                t0 = time.monotonic()
                with pytest.raises(TimeoutError):
                    for chunk in items:
                        got.append(chunk.data)
                assert time.monotonic() - t0 >= IDLE
        assert got == [b"ready\n"]


@pytest.mark.engines("docker")  # (the client's timing: no engine changes it)
def test_idle_timeout_never_cuts_a_flowing_stream(engine: str) -> None:
    """A follow that lasts longer than its timeout ends normally while lines keep
    coming more often than the timeout."""
    with client(engine) as (docker, containers):
        lines = " ".join(str(i) for i in range(1, 16))
        cid = _started(containers, ["sh", "-c", f"for i in {lines}; do echo $i; sleep 0.2; done"])
        t0 = time.monotonic()
        data = b"".join(c.data for c in docker.containers.logs(cid, follow=True, timeout=IDLE))
        assert data == b"".join(b"%d\n" % i for i in range(1, 16))
        assert time.monotonic() - t0 > IDLE


class WatchedLimiter(_backend._Limiter):
    """The backend's bound on requests at once, telling when it is taken."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.taken = threading.Event()

    def acquire(self, timeout: float | None) -> bool:
        ok = super().acquire(timeout)
        if ok:
            self.taken.set()
        return ok


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


@pytest.mark.engines("docker")  # (the client's timing: no engine changes it)
def test_whole_call_timeout_counts_the_wait_for_a_connection(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one request at a time allowed and it taken: a call past its timeout while
    waiting raises TimeoutError having opened nothing; a call that gets the connection
    late has only what is left of its timeout (not a new one) for the daemon."""
    limiters: list[WatchedLimiter] = []

    def limiter(self: Any, size: int) -> WatchedLimiter:
        limiters.append(WatchedLimiter(1))
        return limiters[-1]

    monkeypatch.setattr(dockproto_sync.Backend, "limiter", limiter)
    with client(engine) as (docker, containers):
        (watched,) = limiters
        a = _started(containers, ["sleep", "600"])
        b = _started(containers, ["sleep", "600"])
        with no_socket_left(docker):
            # The only slot, held for as long as a runs (a whole wait).
            watched.taken.clear()
            holder, errors = in_thread(lambda: docker.containers.wait(a))
            assert watched.taken.wait(30)
            t0 = time.monotonic()
            with pytest.raises(TimeoutError, match="no connection became free"):
                docker.version(timeout=0.5)
            assert 0.5 <= time.monotonic() - t0 < 5
            with dockproto_sync.open_docker(ENGINES[engine]) as other:
                other.containers.kill(a, timeout=30)
            holder.join(30)
            assert not holder.is_alive() and not errors

        with no_socket_left(docker):
            # Held for 1.5 s (a wait on b that times out), then free: a call with a 3 s
            # timeout has 1.5 s left for the daemon, and times out at 3 s, not at 4.5.
            watched.taken.clear()
            holder, errors = in_thread(lambda: docker.containers.wait(b, timeout=1.5))
            assert watched.taken.wait(30)
            t0 = time.monotonic()
            with pytest.raises(TimeoutError):
                docker.containers.wait(b, timeout=3)
            elapsed = time.monotonic() - t0
            holder.join(30)
            assert not holder.is_alive() and len(errors) == 1
            assert isinstance(errors[0], TimeoutError)
        assert 3 <= elapsed < 3.9, elapsed


def test_close_from_another_thread_ends_a_blocked_read(engine: str) -> None:
    """``close()`` from another thread ends a follow blocked in a silent stream (the
    iteration just stops), and closes its socket."""
    with client(engine) as (docker, containers):
        cid = _started(containers, SILENT)
        got: list[bytes] = []
        with no_socket_left(docker):
            stream = docker.containers.logs(cid, follow=True)
            first = threading.Event()

            def close_after_the_first_line() -> None:
                assert first.wait(30)
                stream.close()

            closer, errors = in_thread(close_after_the_first_line)
            for chunk in stream:
                got.append(chunk.data)
                first.set()
            closer.join(30)
            assert not errors
        assert got == [b"ready\n"]
