"""How the integration tests run on every client: the bodies are written once, as
coroutines in ``_async/``, and made blocking into ``_sync/`` by ``scripts/generate``.

* an async body runs on trio, on asyncio's default loop and (for the tests marked
  ``uvloop``) on uvloop, each with that loop's own client (``dockproto_trio``,
  ``dockproto_asyncio``); a blocking body runs with ``dockproto_sync`` in pytest's own
  thread, where no loop runs (so that pytest-timeout's alarm can stop it);
* each of them against both engines: ids read ``test_x[trio-docker]``,
  ``[asyncio-podman]``, ``[uvloop-docker]``, ``[sync-podman]`` (``runs``: where an
  engine itself is slow at a body, ``slow_on`` leaves it to trio against that engine);
  a test written for some clients only names them with ``@pytest.mark.clients``.

pytest sees the fixtures ``docker``, ``containers`` and ``rootfs_url`` only as names
(``Need``): their values are made inside the test's own loop run, together with the
body, by ``_async/support.py``'s ``fixtures`` (or its blocking twin), and torn down
there, each teardown within ``teardown_limit``, whether the body passed or not (as
pytest-trio does for trio fixtures: everything in one loop run).  The loop stops a body
that runs too long before pytest-timeout would (``body_limit``).  ``loop`` is the body's
only way to its loop: ``sleep``, ``fail_after``, ``checkpoint``, ``run_blocking``,
``run_both``.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import outcome
import pytest
import trio

import dockproto_asyncio
import dockproto_sync
import dockproto_trio

from ..limits import TEARDOWN, teardown_limit

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup

T = TypeVar("T")

ENGINES = {
    "docker": os.environ.get("DOCKPROTO_DOCKER_HOST"),
    "podman": os.environ.get("DOCKPROTO_PODMAN_HOST"),
}
IMAGE = os.environ.get("DOCKPROTO_TEST_IMAGE", "dockproto-test/busybox:latest")

ASYNC_CLIENTS = ["trio", "asyncio"]  # every async body; "uvloop" too where marked
SYNC_CLIENTS = ["sync"]

# -- serving tars to the daemon ---------------------------------------------------------


def _tar_path() -> str:
    return f"/{uuid.uuid4().hex}.tar"


def _answer(served: dict[str, bytes], request: bytes) -> bytes:
    """The HTTP/1.0 answer to a request head for one of the ``served`` tars."""
    path = request.split(b" ", 2)[1].decode()
    data = served.get(path)
    if data is None:
        return b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    head = b"HTTP/1.0 200 OK\r\nContent-Type: application/x-tar\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(data) + data


@contextmanager
def tar_server_thread() -> Iterator[Callable[[bytes], str]]:
    """``url(data)``: a URL on 127.0.0.1 serving ``data``, from a plain thread."""
    served: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.wfile.write(_answer(served, self.requestline.encode()))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    port = server.server_address[1]

    def url(data: bytes) -> str:
        path = _tar_path()
        served[path] = data
        return f"http://127.0.0.1:{port}{path}"

    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- the loops' limits --------------------------------------------------------------------

# A body's time, out of its pytest-timeout limit: past it, its own loop stops it (trio's
# scope, asyncio's timeout), so that its fixtures are torn down, the loop ends cleanly
# and the failure is reported before the limit.  pytest-timeout's alarm stays the last
# resort (the blocking client's only one): raised into a trio run from a signal handler
# it leaves trio's state broken for the tests after, and uvloop does not let it out.


def body_limit(item: Any) -> float | None:
    """A body's time: pytest-timeout's limit for the test (its ``timeout`` marker,
    ``--timeout``, ``PYTEST_TIMEOUT`` or the ini's ``timeout``), less a tenth and 2 s
    (at most half) for the teardown and the report."""
    marker = item.get_closest_marker("timeout")
    if marker is not None and (marker.args or "timeout" in marker.kwargs):
        value = marker.args[0] if marker.args else marker.kwargs["timeout"]
    else:
        value = (
            item.config.getoption("timeout", None)
            or os.environ.get("PYTEST_TIMEOUT")
            or item.config.getini("timeout")
        )
    limit = float(value) if value else 0.0
    return max(limit * 0.9 - 2, limit / 2) if limit > 0 else None


def too_slow(loop: Any, seconds: float) -> None:
    pytest.fail(
        f"{loop.name}: the body ran past {seconds:.1f} s (its share of the pytest-timeout "
        "limit) and was stopped by its loop",
        pytrace=False,
    )


# -- the loop objects ---------------------------------------------------------------------


class TrioLoop:
    """trio: the body and its fixtures in one ``trio.run``."""

    name = "trio"
    open_docker = staticmethod(dockproto_trio.open_docker)

    def __init__(self) -> None:
        self._nursery: trio.Nursery | None = None

    def run(self, main: Callable[[], Awaitable[None]]) -> None:
        async def top() -> None:
            # The body runs beside the nursery of the servers, not in it, so its own
            # exception comes out as itself (not in an ExceptionGroup).
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                result = await outcome.acapture(main)
                nursery.cancel_scope.cancel()
            result.unwrap()

        trio.run(top)

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    async def checkpoint(self) -> None:
        await trio.lowlevel.checkpoint()

    @asynccontextmanager
    async def fail_after(self, seconds: float) -> AsyncIterator[None]:
        with trio.fail_after(seconds):
            yield

    @asynccontextmanager
    async def teardown_limit(self) -> AsyncIterator[None]:
        with teardown_limit():
            yield

    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return await trio.to_thread.run_sync(fn, *args)

    async def run_both(
        self, first: Callable[[], Awaitable[None]], second: Callable[[], Awaitable[None]]
    ) -> None:
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(first)
                nursery.start_soon(second)
        except BaseExceptionGroup as group:  # (one error: as itself)
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    @asynccontextmanager
    async def deadline(self, seconds: float) -> AsyncIterator[None]:
        """The harness's limit on a body (``body_limit``)."""
        with trio.move_on_after(seconds) as scope:
            yield
        if scope.cancelled_caught:
            too_slow(self, seconds)

    @asynccontextmanager
    async def serve_tars(self) -> AsyncIterator[Callable[[bytes], str]]:
        """``url(data)``: served by trio, in this run."""
        assert self._nursery is not None
        served: dict[str, bytes] = {}
        scope = trio.CancelScope()

        async def serve(stream: trio.SocketStream) -> None:
            async with stream:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = await stream.receive_some(4096)
                    if not chunk:
                        return
                    request += chunk
                try:
                    await stream.send_all(_answer(served, request))
                except trio.BrokenResourceError:
                    pass  # (the daemon went away: its own error tells)

        async def server(task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
            with scope:
                await trio.serve_tcp(serve, 0, host="127.0.0.1", task_status=task_status)

        listeners = await self._nursery.start(server)
        port = listeners[0].socket.getsockname()[1]

        def url(data: bytes) -> str:
            path = _tar_path()
            served[path] = data
            return f"http://127.0.0.1:{port}{path}"

        try:
            yield url
        finally:
            scope.cancel()


class AsyncioLoop:
    """asyncio: the body and its fixtures in one ``asyncio.run`` (or ``uvloop.run``)."""

    open_docker = staticmethod(dockproto_asyncio.open_docker)

    def __init__(self, name: str = "asyncio") -> None:
        self.name = name

    def run(self, main: Callable[[], Awaitable[None]]) -> None:
        async def top() -> None:
            await main()

        if self.name == "uvloop":
            import uvloop

            uvloop.run(top())
        else:
            asyncio.run(top())

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def checkpoint(self) -> None:
        await asyncio.sleep(0)

    def fail_after(self, seconds: float) -> Any:
        return asyncio_timeout(seconds)

    def teardown_limit(self) -> Any:
        return asyncio_timeout(TEARDOWN)

    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    async def run_both(
        self, first: Callable[[], Awaitable[None]], second: Callable[[], Awaitable[None]]
    ) -> None:
        tasks = [asyncio.ensure_future(first()), asyncio.ensure_future(second())]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:  # (one failed, or this task was cancelled: end both)
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    @asynccontextmanager
    async def deadline(self, seconds: float) -> AsyncIterator[None]:
        """The harness's limit on a body (``body_limit``)."""
        timeout = asyncio_timeout(seconds)
        try:
            async with timeout:
                yield
        except TimeoutError:
            if timeout.expired():
                too_slow(self, seconds)
            raise

    @asynccontextmanager
    async def serve_tars(self) -> AsyncIterator[Callable[[bytes], str]]:
        """``url(data)``: served by a plain thread."""
        with tar_server_thread() as url:
            yield url


if sys.version_info >= (3, 11):
    asyncio_timeout = asyncio.timeout
else:  # pragma: no cover - Python 3.10

    class asyncio_timeout:  # (asyncio.timeout's stand-in)
        """``asyncio.timeout`` for Python 3.10: TimeoutError past ``seconds``."""

        def __init__(self, seconds: float) -> None:
            self._seconds = seconds
            self._fired = False

        def expired(self) -> bool:
            return self._fired

        async def __aenter__(self) -> asyncio_timeout:
            task = asyncio.current_task()
            assert task is not None

            def cancel() -> None:
                self._fired = True
                task.cancel()

            self._handle = asyncio.get_running_loop().call_later(self._seconds, cancel)
            return self

        async def __aexit__(self, t: Any, e: Any, tb: Any) -> None:
            self._handle.cancel()
            if self._fired and isinstance(e, asyncio.CancelledError):
                raise TimeoutError from None


class SyncLoop:
    """The blocking client: no loop; the body runs in pytest's thread.

    ``fail_after`` cannot stop a blocking call: it raises ``TimeoutError`` at the next
    ``sleep`` past its deadline, or at its end if the block took longer (a call that
    hangs is stopped by pytest-timeout).  The blocking client's own ``timeout=`` is
    tested by ``test_sync_timeouts.py``.
    """

    name = "sync"
    open_docker = staticmethod(dockproto_sync.open_docker)

    def __init__(self) -> None:
        self._deadlines: list[float] = []

    def run(self, main: Callable[[], None]) -> None:
        main()

    def _check(self) -> None:
        if self._deadlines and time.monotonic() > min(self._deadlines):
            raise TimeoutError("fail_after: past the deadline")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
        self._check()

    def checkpoint(self) -> None:
        pass

    @contextmanager
    def fail_after(self, seconds: float) -> Iterator[None]:
        deadline = time.monotonic() + seconds
        self._deadlines.append(deadline)
        try:
            yield
        finally:
            self._deadlines.remove(deadline)
        if time.monotonic() > deadline:
            raise TimeoutError(f"fail_after: the block took more than {seconds} s")

    def teardown_limit(self) -> Any:
        return self.fail_after(TEARDOWN)

    def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)

    def run_both(self, first: Callable[[], None], second: Callable[[], None]) -> None:
        """``second`` in a thread, ``first`` here; the first error raises (a blocking
        call cannot be cancelled: the other one runs to its end)."""
        errors: list[BaseException] = []

        def run() -> None:
            try:
                second()
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            first()
        finally:
            thread.join()
        if errors:
            raise errors[0]

    @contextmanager
    def serve_tars(self) -> Iterator[Callable[[bytes], str]]:
        """``url(data)``: served by a plain thread."""
        with tar_server_thread() as url:
            yield url


def make_loop(client: str) -> TrioLoop | AsyncioLoop | SyncLoop:
    if client == "trio":
        return TrioLoop()
    if client in ("asyncio", "uvloop"):
        return AsyncioLoop(client)
    assert client == "sync", client
    return SyncLoop()


def open_sockets(docker: Any) -> int:
    """This process's open descriptors, less the client's idle pooled connections: what
    a call that leaves a socket open makes grow."""
    idle: int = docker._pool.idle
    return len(os.listdir("/proc/self/fd")) - idle


# -- pytest's side --------------------------------------------------------------------------


class Need:
    """A fixture that is made in the test's loop run (see ``run``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}: made in the test's loop>"


@pytest.fixture(autouse=True)
def loop(client: str, engine: str) -> TrioLoop | AsyncioLoop | SyncLoop:
    """The body's loop (``client`` is parametrized by the conftest: trio, asyncio, ...)."""
    return make_loop(client)


@pytest.fixture
def docker(loop: Any) -> Need:
    return Need("docker")


@pytest.fixture
def containers(docker: Need) -> Need:
    return Need("containers")


@pytest.fixture
def rootfs_url(loop: Any) -> Need:
    return Need("rootfs_url")


def flavour(path: Any) -> str | None:
    """ "async" or "sync" for a test module of ``_async/`` or ``_sync/``, else None."""
    parent = os.path.basename(os.path.dirname(str(path)))
    return {"_async": "async", "_sync": "sync"}.get(parent)


def clients(definition: Any) -> list[str]:
    """The clients a test runs on: a body of ``_async/`` on trio and asyncio (and
    uvloop, where marked), one of ``_sync/`` on the blocking client; a test of one client
    (``test_asyncio_cancel.py``) names them with ``@pytest.mark.clients(...)``, and a
    body names the clients it runs on the same way (``clients("trio", "sync")``: its
    async copy on trio, its blocking copy on sync)."""
    marker = definition.get_closest_marker("clients")
    if marker is not None:
        # (a body of _async/ runs on the async clients named, its _sync/ twin on "sync")
        named = list(marker.args)
        if flavour(definition.path) == "sync":
            return [c for c in named if c in SYNC_CLIENTS]
        if flavour(definition.path) == "async":
            return [c for c in named if c not in SYNC_CLIENTS]
        return named
    if flavour(definition.path) == "sync":
        return SYNC_CLIENTS
    extra = ["uvloop"] if definition.get_closest_marker("uvloop") else []
    return ASYNC_CLIENTS + extra


def engines(definition: Any) -> list[str]:
    """The engines a test runs against: both, unless ``@pytest.mark.engines(...)`` names
    some (for a client's own behaviour, which no engine changes)."""
    marker = definition.get_closest_marker("engines")
    return sorted(ENGINES) if marker is None else list(marker.args)


def runs(definition: Any) -> list[tuple[str, str]]:
    """The (client, engine) pairs a test runs as: every client against every engine,
    but where ``@pytest.mark.slow_on(engine, why)`` says the engine itself is slow at it
    (podman's stats come every 5 s, its pulls retry for 3 s), only trio runs it against
    that engine: the client's paths run on every client against the other engine.
    ``DOCKPROTO_TEST_CLIENTS=trio,sync`` keeps those clients only (the ASan pass: the C
    core is the same under every client)."""
    slow = {m.args[0] for m in definition.iter_markers("slow_on")}
    only = os.environ.get("DOCKPROTO_TEST_CLIENTS", "").split(",")
    return [
        (client, engine)
        for client in clients(definition)
        for engine in engines(definition)
        if (engine not in slow or client == "trio") and (only == [""] or client in only)
    ]


BACKENDS = {
    "trio": dockproto_trio.Backend,
    "asyncio": dockproto_asyncio.Backend,
    "uvloop": dockproto_asyncio.Backend,
    "sync": dockproto_sync.Backend,
}


def check_client(loop: TrioLoop | AsyncioLoop | SyncLoop, made: dict[str, Any]) -> None:
    """The body runs where its id says: its client's backend, on its loop."""
    if "docker" in made:
        assert type(made["docker"]._io) is BACKENDS[loop.name], (loop.name, made["docker"])
    try:
        running: Any = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop.name == "trio":
        assert trio.lowlevel.current_trio_token() and running is None
    elif loop.name == "sync":
        assert running is None
    else:
        assert running is not None
        assert (type(running).__module__.split(".")[0] == "uvloop") is (loop.name == "uvloop")


def args(kwargs: dict[str, Any], made: dict[str, Any]) -> dict[str, Any]:
    """The body's arguments: each ``Need`` replaced by what was made for it."""
    return {name: made[name] if isinstance(v, Need) else v for name, v in kwargs.items()}


def run(item: Any) -> None:
    """Run a body and the fixtures it names on its client's loop."""
    from ._async import support as async_support
    from ._sync import support as sync_support

    funcargs = item.funcargs
    kwargs = {name: funcargs[name] for name in item._fixtureinfo.argnames}
    names = {value.name for value in kwargs.values() if isinstance(value, Need)}
    loop = funcargs["loop"]
    host = ENGINES[funcargs["engine"]]

    if isinstance(loop, SyncLoop):
        with sync_support.fixtures(loop, host, IMAGE, names) as made:
            check_client(loop, made)
            item.obj(**args(kwargs, made))
        return

    limit = body_limit(item)

    async def main() -> None:
        async with async_support.fixtures(loop, host, IMAGE, names) as made:
            check_client(loop, made)
            if limit is None:
                await item.obj(**args(kwargs, made))
            else:
                async with loop.deadline(limit):
                    await item.obj(**args(kwargs, made))

    loop.run(main)
