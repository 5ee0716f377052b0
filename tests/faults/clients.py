"""The three clients behind one blocking face, so that one fault test runs on each.

``Client(kind, host)`` opens a client of ``kind`` (``KINDS``: trio, asyncio, asyncio on
uvloop, blocking) for ``host``.  The async clients live in an event loop of their own in
a thread, so the test's own code (the fake daemon's script, the counting of descriptors,
the assertions) is the same for every kind; what differs is written twice below, once
as async code (for trio and asyncio alike, with ``Loop`` for the little that differs)
and once blocking, as the library itself is.

``in_trio_thread`` runs a trio async context manager (the fake daemon of ``wire.serve``,
the ``FaultProxy``) in a trio loop of its own, in a thread, for as long as a ``with``
block lasts; ``Signal`` is an event the daemon's tasks wait for and any thread sets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import trio
import trio.testing

import dockproto_asyncio
import dockproto_sync
import dockproto_trio
from dockproto._drive.hosts import tls_context

from .wire import open_fds

KINDS = ["trio", "asyncio", "uvloop", "sync"]
WAIT = 30.0  # seconds: a hand-over between threads that takes longer is a failure


class Cancelled(Exception):
    """What ``read`` reports for a call its caller cancelled (a trio cancel scope, an
    asyncio ``task.cancel()``): the loop's own cancellation never leaves the loop."""


@dataclasses.dataclass
class Outcome:
    items: list[Any]  # what the call gave before it ended
    error: BaseException | None  # how it ended (None: cleanly)


# -- a trio loop in a thread ----------------------------------------------------------


@contextmanager
def in_trio_thread(make: Callable[[], Any]) -> Iterator[tuple[Any, trio.lowlevel.TrioToken]]:
    """``async with make() as value`` in a trio loop of its own, in a thread; the block
    gets ``(value, token)``, and its end ends the loop (cancelling what runs in it)."""
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def main() -> None:
        stop = trio.Event()
        box["stop"] = stop
        box["token"] = trio.lowlevel.current_trio_token()
        async with make() as value:
            box["value"] = value
            ready.set()
            await stop.wait()

    def run() -> None:
        try:
            trio.run(main)
        except BaseException as exc:  # handed to the test below
            box["error"] = exc
        finally:
            ready.set()

    thread = threading.Thread(target=run, name="dockproto-test-trio", daemon=True)
    thread.start()
    assert ready.wait(WAIT), "the trio thread did not start"
    if "error" in box:
        raise box["error"]
    try:
        yield box["value"], box["token"]
    finally:
        box["token"].run_sync_soon(box["stop"].set)
        thread.join(WAIT)
        assert not thread.is_alive(), "the trio thread did not end"
    if "error" in box:
        raise box["error"]


class Signal:
    """An event that a trio task of ``in_trio_thread`` waits for and any thread (or
    another loop) sets: ``set`` is thread-safe and never blocks."""

    def __init__(self) -> None:
        self._event = trio.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._early = threading.Event()

    async def wait(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        if not self._early.is_set():
            await self._event.wait()

    def set(self) -> None:
        self._early.set()
        if self._token is not None:
            self._token.run_sync_soon(self._event.set)


# -- the client's loop ----------------------------------------------------------------


class Loop:
    """An event loop in a thread (trio, asyncio or uvloop) that runs coroutines for the
    test's thread: ``run(afn, *args)`` waits for the result (or raises the error)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._trio: Any = None
        self._asyncio: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> Loop:
        if self.kind == "trio":
            self._trio = in_trio_thread(_nothing)
            self._token = self._trio.__enter__()[1]
        else:
            if self.kind == "uvloop":
                import uvloop

                self._asyncio = uvloop.new_event_loop()
            else:
                self._asyncio = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._asyncio.run_forever, name="dockproto-test-asyncio", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._trio is not None:
            self._trio.__exit__(None, None, None)
            return
        loop = self._asyncio
        assert loop is not None
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(WAIT)
        assert not self._thread.is_alive(), "the asyncio thread did not end"
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()

    def run(self, afn: Callable[..., Any], *args: Any) -> Any:
        if self.kind == "trio":
            return trio.from_thread.run(afn, *args, trio_token=self._token)
        assert self._asyncio is not None
        return asyncio.run_coroutine_threadsafe(afn(*args), self._asyncio).result(WAIT * 4)

    # What differs between trio and asyncio, for the async code below.

    @asynccontextmanager
    async def deadline(self) -> AsyncIterator[Callable[[float], None]]:
        """The loop's own deadline, set later: ``start(seconds)`` sets it that far from
        now.  Past it: trio.TooSlowError, asyncio's TimeoutError."""
        if self.kind == "trio":
            with trio.fail_after(math.inf) as scope:

                def start(seconds: float) -> None:
                    scope.deadline = trio.current_time() + seconds

                yield start
        elif sys.version_info >= (3, 11):
            async with asyncio.timeout(None) as timeout:
                now = asyncio.get_running_loop().time

                def start(seconds: float) -> None:
                    timeout.reschedule(now() + seconds)

                yield start
        else:  # pragma: no cover - 3.10
            raise NotImplementedError("asyncio.timeout is 3.11's")

    def event(self) -> Any:
        return trio.Event() if self.kind == "trio" else asyncio.Event()

    async def cancel_when(self, ready: Any, call: Callable[[], Any]) -> bool:
        """Run ``call()``; once ``ready`` is set and the call waits on its socket,
        cancel it (trio: a cancel scope; asyncio: ``task.cancel()``).  True if the call
        ended cancelled."""
        if self.kind == "trio":
            scope = trio.CancelScope()
            async with trio.open_nursery() as nursery:

                async def canceller() -> None:
                    await ready.wait()
                    await trio.testing.wait_all_tasks_blocked()  # (in the read)
                    scope.cancel()

                nursery.start_soon(canceller)
                with scope:
                    await call()
                nursery.cancel_scope.cancel()
            return scope.cancelled_caught
        task = asyncio.ensure_future(call())
        waiter = asyncio.ensure_future(ready.wait())
        # (one loop, one thread: when this runs again, the call waits at an await)
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
        return task.cancelled()

    async def gather(self, calls: list[Callable[[], Any]]) -> None:
        """Run every call at once (tasks) until all have ended."""
        if self.kind == "trio":
            async with trio.open_nursery() as nursery:
                for call in calls:
                    nursery.start_soon(call)
        else:
            await asyncio.gather(*(call() for call in calls))


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield None


@contextmanager
def no_leak() -> Iterator[None]:
    """The block leaves no descriptor open (it names any it left)."""
    before = open_fds()
    yield
    after = open_fds()
    left = {}
    for fd in after - before:
        try:
            left[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    assert len(after) == len(before), f"descriptors left open: {left}"


def warm_up() -> None:
    """Make what the loops keep for the whole process, before descriptors are counted:
    libuv's (uvloop's) first loop opens a pipe that stays open after the loop closes."""
    import uvloop

    uvloop.new_event_loop().close()


# -- the calls, async then blocking ---------------------------------------------------

STREAMS = ("logs", "events", "export", "attach")


@dataclasses.dataclass
class Call:
    what: str  # inspect, version, or a stream: STREAMS
    ref: str  # the container
    follow: bool  # logs: follow


async def _acall(docker: Any, call: Call, items: list[Any], note: Callable[[], None]) -> None:
    """Run one call to its end, each item it gives into ``items`` (``note`` after each)."""
    what, ref = call.what, call.ref
    if what == "inspect":
        items.append(await docker.containers.inspect(ref))
    elif what == "version":
        items.append((await docker.version()).version)
    elif what == "logs":
        async for c in docker.containers.logs(ref, follow=call.follow, tty=False):
            items.append(c)
            note()
    elif what == "events":
        async for e in docker.events():
            items.append(e)
            note()
    elif what == "export":
        async with docker.containers.export(ref) as tar:
            async for item in tar:
                items.append(item)
                note()
    elif what == "attach":
        async with docker.containers.attach(ref, tty=False) as s:
            async for c in s:
                items.append(c)
                note()
    else:
        raise AssertionError(what)


def _call(
    docker: Any, call: Call, items: list[Any], note: Callable[[], None], timeout: float | None
) -> None:
    """``_acall``, blocking, every call with ``timeout=``."""
    what, ref = call.what, call.ref
    if what == "inspect":
        items.append(docker.containers.inspect(ref, timeout=timeout))
    elif what == "version":
        items.append(docker.version(timeout=timeout).version)
    elif what == "logs":
        for c in docker.containers.logs(ref, follow=call.follow, tty=False, timeout=timeout):
            items.append(c)
            note()
    elif what == "events":
        for e in docker.events(timeout=timeout):
            items.append(e)
            note()
    elif what == "export":
        with docker.containers.export(ref, timeout=timeout) as tar:
            for item in tar:
                items.append(item)
                note()
    elif what == "attach":
        with docker.containers.attach(ref, tty=False, timeout=timeout) as s:
            for c in s:
                items.append(c)
                note()
    else:
        raise AssertionError(what)


class Client:
    """A client of ``kind`` for ``host`` behind a blocking face: ``with Client(...) as c``.

    ``c.docker`` is the client itself (its pool: ``c.docker._pool``); the async clients
    are used from their loop only, through the methods below.
    """

    def __init__(
        self,
        kind: str,
        host: str,
        *,
        ref: str = "c1",
        api_version: str | None = "1.41",
        tls: Any = False,
    ) -> None:
        self.kind = kind
        self.host = host
        self.ref = ref  # the container the calls are about
        self.api_version = api_version
        self.tls = tls
        self.docker: Any = None
        self.loop: Loop | None = None
        # What a time limit raises for this kind.
        self.timeout_error: type[BaseException] = (
            trio.TooSlowError if kind == "trio" else TimeoutError
        )

    @property
    def is_async(self) -> bool:
        return self.kind != "sync"

    def __enter__(self) -> Client:
        if not self.is_async:
            backend = dockproto_sync.Backend(*tls_context(self.host, self.tls))
            self.docker = dockproto_sync.Docker(backend, api_version=self.api_version)
            return self
        self.loop = Loop(self.kind).__enter__()
        module: Any = dockproto_trio if self.kind == "trio" else dockproto_asyncio

        async def make() -> Any:
            backend = module.Backend(*tls_context(self.host, self.tls))
            return module.Docker(backend, api_version=self.api_version)

        try:
            self.docker = self.loop.run(make)
        except BaseException:
            self.loop.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.loop is None:
            self.docker.close()
            return
        try:
            self.loop.run(self.docker.aclose)
        finally:
            self.loop.__exit__(None, None, None)

    def run(self, afn: Callable[..., Any], *args: Any) -> Any:
        """``afn(*args)`` in the client's loop (async kinds only)."""
        assert self.loop is not None
        return self.loop.run(afn, *args)

    def version(self) -> str:
        if self.loop is None:
            return str(self.docker.version().version)

        async def version() -> str:
            return str((await self.docker.version()).version)

        return str(self.run(version))

    def read(
        self,
        what: str,
        *,
        limit: float | None = None,
        limit_after: int = 0,
        cancel_after: int | None = None,
        on_item: Callable[[int], None] | None = None,
        follow: bool = True,
    ) -> Outcome:
        """Run ``what`` (``inspect``, ``version``, or a stream: ``STREAMS``) to its end
        and say how it ended.

        ``limit``: a time limit; for the async clients their loop's own deadline, which
        starts once the call has given ``limit_after`` items (so that it is sure to end
        the call there); for the blocking client ``timeout=limit`` (a stream's: the idle
        time between reads).  ``cancel_after``: cancel the call once it has given that
        many items and waits on its socket (async clients).  ``on_item``: called with
        the count after each item; ``follow``: logs follow."""
        items: list[Any] = []
        call = Call(what, self.ref, follow)

        def note() -> None:
            if on_item is not None:
                on_item(len(items))

        if self.loop is None:
            assert cancel_after is None, "the blocking client has no cancellation"
            try:
                _call(self.docker, call, items, note, limit)
            except Exception as exc:
                return Outcome(items, exc)
            return Outcome(items, None)
        loop = self.loop

        async def read() -> Outcome:
            try:
                if cancel_after is not None:
                    ready = loop.event()

                    def noted() -> None:
                        note()
                        if len(items) >= cancel_after:
                            ready.set()

                    if await loop.cancel_when(
                        ready, lambda: _acall(self.docker, call, items, noted)
                    ):
                        return Outcome(items, Cancelled())
                elif limit is not None:
                    async with loop.deadline() as start:

                        def timed() -> None:
                            note()
                            if len(items) == limit_after:
                                start(limit)

                        if limit_after == 0:
                            start(limit)
                        await _acall(self.docker, call, items, timed)
                else:
                    await _acall(self.docker, call, items, note)
            except Exception as exc:
                return Outcome(items, exc)
            return Outcome(items, None)

        result: Outcome = self.run(read)
        return result

    def exec_run(self, stdin: bytes) -> Outcome:
        """``exec.run(ref, ["cat"], stdin=...)``: its result as the one item."""
        if self.loop is None:
            try:
                return Outcome([self.docker.exec.run(self.ref, ["cat"], stdin=stdin)], None)
            except Exception as exc:
                return Outcome([], exc)

        async def run() -> Outcome:
            try:
                return Outcome([await self.docker.exec.run(self.ref, ["cat"], stdin=stdin)], None)
            except Exception as exc:
                return Outcome([], exc)

        result: Outcome = self.run(run)
        return result

    def close_while_reading(self, what: str) -> Outcome:
        """Read the stream ``what``; once it has given one item and waits for more, close
        it from elsewhere (another thread for the blocking client, another task for the
        async ones).  The read must then end: cleanly, with what it had."""
        if self.loop is None:
            return self._close_from_another_thread(what)
        loop = self.loop
        docker = self.docker

        async def read() -> Outcome:
            items: list[Any] = []
            first = loop.event()
            error: BaseException | None = None
            opened: list[Any] = []

            async def reader() -> None:
                nonlocal error
                try:
                    async for item in opened[0]:
                        items.append(item)
                        first.set()
                except Exception as exc:
                    error = exc

            async def closer() -> None:
                await first.wait()
                if loop.kind == "trio":
                    await trio.testing.wait_all_tasks_blocked()  # (the reader: in a read)
                await opened[0].aclose()

            opened.append(await _aopen(docker, what, self.ref))
            try:
                async with loop.deadline() as start:
                    start(WAIT)  # (a read that does not end fails here, not as a hang)
                    await loop.gather([reader, closer])
            finally:
                await opened[0].aclose()
            return Outcome(items, error)

        result: Outcome = self.run(read)
        return result

    def _close_from_another_thread(self, what: str) -> Outcome:
        items: list[Any] = []
        first = threading.Event()
        errors: list[BaseException] = []
        stream = _open(self.docker, what, self.ref)

        def reader() -> None:
            try:
                for item in stream:
                    items.append(item)
                    first.set()
            except Exception as exc:
                errors.append(exc)
            finally:
                first.set()

        thread = threading.Thread(target=reader, name="dockproto-test-reader", daemon=True)
        thread.start()
        try:
            assert first.wait(WAIT), "the stream gave nothing"
            stream.close()  # (the reader is in its read, or about to be: both must end)
            thread.join(WAIT)
            assert not thread.is_alive(), "closing the stream did not end the read"
        finally:
            stream.close()
        return Outcome(items, errors[0] if errors else None)

    def many_at_once(
        self, workers: int, each: int, what: str = "inspect", refs: list[str] | None = None
    ) -> list[tuple[str, Any]]:
        """``workers`` threads (blocking) or tasks (async), each making ``each`` calls of
        ``what`` on this one client: ``(asked, answered)`` for every call, in no
        particular order.  An inspect asks for a container of ``refs`` in turn (else
        ``w<worker>-<call>``, which the fake daemon answers as the Id), and its answer
        is the Id: an answer given to the wrong call shows."""

        def name(w: int, i: int) -> str:
            return refs[(w + i) % len(refs)] if refs else f"w{w}-{i}"

        answers: list[tuple[str, Any]] = []
        if self.loop is None:
            errors: list[BaseException] = []
            start = threading.Barrier(workers)

            def worker(w: int) -> None:
                try:
                    start.wait(WAIT)  # (all at once)
                    for i in range(each):
                        answers.append((name(w, i), self._one(what, name(w, i))))
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(WAIT * 2)
            assert not any(t.is_alive() for t in threads), "a worker did not end"
            if errors:
                raise errors[0]
            return answers
        loop = self.loop

        async def all_of_them() -> None:
            async def worker(w: int) -> None:
                for i in range(each):
                    answers.append((name(w, i), await self._aone(what, name(w, i))))

            await loop.gather([(lambda w=w: worker(w)) for w in range(workers)])

        self.run(all_of_them)
        return answers

    def _one(self, what: str, name: str) -> Any:
        if what == "inspect":
            return self.docker.containers.inspect(name, timeout=WAIT)["Id"]
        if what == "ping":
            return self.docker.ping(timeout=WAIT)
        return self.docker.version(timeout=WAIT).version

    async def _aone(self, what: str, name: str) -> Any:
        if what == "inspect":
            return (await self.docker.containers.inspect(name))["Id"]
        if what == "ping":
            return await self.docker.ping()
        return (await self.docker.version()).version


async def _aopen(docker: Any, what: str, ref: str) -> Any:
    """A stream of ``what``, opened (its head read)."""
    if what == "logs":
        return await docker.containers.logs(ref, follow=True, tty=False).__aenter__()
    if what == "events":
        return await docker.events().__aenter__()
    if what == "export":
        return await docker.containers.export(ref).__aenter__()
    if what == "attach":
        return await docker.containers.attach(ref, tty=False).__aenter__()
    raise AssertionError(what)


def _open(docker: Any, what: str, ref: str) -> Any:
    if what == "logs":
        return docker.containers.logs(ref, follow=True, tty=False).__enter__()
    if what == "events":
        return docker.events().__enter__()
    if what == "export":
        return docker.containers.export(ref).__enter__()
    if what == "attach":
        return docker.containers.attach(ref, tty=False).__enter__()
    raise AssertionError(what)
