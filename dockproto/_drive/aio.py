"""The client, written once as async code over a ``Backend`` (trio's, asyncio's).

``sync.py`` beside it is this file made blocking by ``scripts/generate`` (the blocking
client's); ``afacade.py``/``sfacade.py`` are the API areas, generated from
``dockproto.api``.  Nothing here does I/O of its own: bytes go through the backend's
``Channel``, waits through its locks and sleeps, and the decisions are
``dockproto._policy``'s.  A client is then a backend: connect, send, receive, wait, and
its loop's cancellation.

Logging: with DEBUG on for the client's logger (``dockproto.trio``, ``dockproto.asyncio``,
``dockproto.sync``), one line per request (method, redacted target, status, duration,
bytes) and one per stream opened and closed; whether it is on is asked once per request.

Timeouts (the blocking client's ``timeout=``; async clients pass None and use their
loop's own cancel scopes): for a whole answer, the total time of the call including the
wait for a pooled connection; for a stream, the idle time allowed between two reads.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .. import _policy as policy
from .. import api
from .._connection import Connection
from .._content import Content
from .._errors import (
    BadParameter,
    ContainerError,
    CredentialError,
    DockerConnectionError,
    DockerError,
    NotFound,
    ProtocolError,
)
from .._events import (
    NEED_DATA,
    ConnectionClosed,
    EndOfMessage,
    Hijacked,
    JSONMessage,
    RawData,
    Response,
    StreamChunk,
    StreamKind,
    WebSocketMessage,
)
from .._request import Request
from .._since import check_min_api
from ..api import system as _system

if TYPE_CHECKING:
    from logging import Logger

    from .._buildcontext import BuildContext
    from .._credentials import RegistryAuth
    from .._models.containers import RunResult
    from .._models.exec import ExecInspect, ExecResult
    from .._models.images import ImageSummary
    from .._models.swarm import Convergence, Service, Task
    from .._models.system import Version
    from .._run import RunPlan

T = TypeVar("T")
S = TypeVar("S", bound="EventStream[Any]")
Body = AsyncIterable[bytes] | bytes | None
# What ``images.build`` takes as its context (None: a ``remote`` one).
BuildSource = bytes | str | os.PathLike[str] | AsyncIterable[bytes] | Iterator[bytes] | None


class Channel(Protocol):
    """One connection to the daemon, as a backend opens it."""

    async def send_all(self, data: bytes, timeout: float | None) -> None: ...
    async def receive(self, size: int, timeout: float | None) -> bytes | bytearray: ...
    async def receive_into(self, buf: memoryview, timeout: float | None) -> int: ...
    async def send_eof(self) -> None: ...
    async def aclose(self) -> None: ...  # at once, whatever the state; never raises
    def stale(self) -> bool: ...  # an idle connection the daemon closed or wrote to

    can_receive_into: bool


class Backend(Protocol):
    """What a client gives the driver: its loop's I/O and waits."""

    http_host: str  # the Host header
    environ: Mapping[str, str]
    # Pooled connections (None: MAX_CONCURRENT_REQUESTS requests at once, MAX_IDLE idle):
    # an ssh host's, each an ssh process and login, are fewer (streams have their own).
    max_connections: int | None
    broken: tuple[type[BaseException], ...]  # errors meaning "the connection broke"

    async def connect(self, timeout: float | None) -> Channel: ...
    def lock(self) -> Any: ...  # an async context manager (a blocking one when sync)
    def limiter(self, size: int) -> Any: ...  # ``acquire(timeout)`` / ``release()``
    def clock(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...
    async def checkpoint(self) -> None: ...  # other tasks' turn, and cancellation
    def file_pieces(self, path: str) -> AsyncIterable[bytes]: ...
    async def read_file(self, path: str) -> bytes | None: ...  # None: no such file
    async def run_process(self, argv: list[str], stdin: bytes) -> tuple[int, bytes, bytes]: ...
    async def run_both(
        self, first: Callable[[], Awaitable[None]], second: Callable[[], Awaitable[None]]
    ) -> None: ...

    @property
    def debug_log(self) -> Callable[[], Logger | None]: ...  # its logger if DEBUG is on

    # An async context manager in which clean-up runs to its end, for at most
    # ``seconds``, though the call that needs it was cancelled (trio's shielded scope).
    def shielded(self, seconds: float) -> Any: ...

    # Run ``fn`` to its end (for at most ``seconds``) even when the caller is cancelled
    # meanwhile; the cancellation then goes on.  (What it learnt, ``fn`` keeps.)
    async def uncancelled(self, fn: Callable[[], Awaitable[None]], seconds: float) -> None: ...


class Pool:
    """Idle keep-alive connections to one daemon, and the bound on requests at once."""

    def __init__(self, io: Backend) -> None:
        self.io = io
        self._idle: deque[tuple[Channel, Connection]] = deque()
        self.closed = False
        self.opened = 0  # connections opened, for tests and statistics

    async def take(
        self, api_version: str | None, timeout: float | None
    ) -> tuple[Channel, Connection]:
        if self.closed:
            raise RuntimeError("the Docker client is closed")
        while True:
            try:
                channel, conn = self._idle.pop()
            except IndexError:
                break
            if channel.stale():
                await channel.aclose()
                continue
            conn.api_version = api_version
            return channel, conn
        channel = await self.io.connect(timeout)
        self.opened += 1
        return channel, Connection(api_version, host=self.io.http_host)

    def give_back(self, channel: Channel, conn: Connection) -> bool:
        if self.closed or len(self._idle) >= (self.io.max_connections or policy.MAX_IDLE):
            return False
        self._idle.append((channel, conn))
        return True

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def aclose(self) -> None:
        self.closed = True
        while self._idle:
            channel, _ = self._idle.pop()
            await channel.aclose()


class _BodyFailed(Exception):
    """The source of a streamed body failed (its error is the cause): kept apart from
    the connection's errors, which the backend's ``broken`` (``OSError``...) names."""


class Exchange:
    """One request and its response on one pooled connection: the one drive loop.

    When the cycle ends cleanly on a reusable connection, the connection goes back to
    the pool; in every other case (an error, a cancellation, a hijack, a response read
    until close) it is closed, so a cancelled call leaves no open socket.
    """

    def __init__(
        self,
        docker: Docker,
        request: Request[Any],
        timeout: float | None,
        deadline: float | None = None,
    ) -> None:
        """``deadline``: when the call began earlier (a negotiation first), its end."""
        self.docker = docker
        self.pool = docker._pool
        self.io = docker._io
        self.request = request
        self.channel: Channel | None = None
        self.conn: Connection | None = None
        self.timeout = timeout
        if deadline is None and timeout is not None:
            deadline = self.io.clock() + timeout
        self.deadline = deadline
        self.idle = False  # a stream: the timeout is per read
        self._released = False
        self._eof = False
        self._size = policy.RECEIVE_SIZE
        self._buffer: memoryview | None = None
        self.sent = self.received = 0  # bytes, for the log line
        self.status: int | None = None
        self.log = self.io.debug_log()
        if self.log is not None:
            self.started = self.io.clock()

    def wait(self) -> float | None:
        """How long the next I/O may wait (None: no limit)."""
        if self.deadline is None:
            return None
        if self.idle:
            return self.timeout
        return self.deadline - self.io.clock()

    async def open(self, api_version: str | None, body: Body = None) -> None:
        """Take a connection and send the request (and its streamed body)."""
        self.channel, self.conn = await self.pool.take(api_version, self.wait())
        try:
            await self._send_request(self.channel, self.conn, body)
        except (TimeoutError, DockerConnectionError):  # (an ssh child that failed to connect)
            await self.abort()
            raise
        except _BodyFailed as failed:  # (the body's own source failed: its error, as it is)
            await self.abort()
            raise failed.__cause__ from None  # type: ignore[misc]
        except self.io.broken as exc:
            refused = await self._refusal() if self.request.streamed_body else None
            await self.abort()
            if refused is not None:
                raise refused from None
            raise ProtocolError(f"the connection broke while sending the request: {exc}") from None
        except BaseException:
            await self.abort()
            raise

    async def _refusal(self) -> DockerError | None:
        """The daemon's error, when it answered a streamed body before reading it all and
        closed (dockerd's 409 to ``plugins.create`` under a name in use): the write
        broke, the answer is still there to read.  None when it is not (best effort)."""
        try:
            head = await self.next_event()
            if not policy.error_head(head):
                return None
            while isinstance(event := await self.next_event(), Response):
                pass
        except Exception:
            return None
        exception = getattr(event, "exception", None)
        return exception() if callable(exception) else None

    async def _send_request(self, channel: Channel, conn: Connection, body: Body) -> None:
        await self._send(channel, conn.send_request(self.request))
        if self.request.streamed_body:
            if isinstance(body, (bytes, bytearray, memoryview)):
                await self._send(channel, conn.send_body(bytes(body)))
            elif body is not None:
                pieces = body.__aiter__()
                while True:
                    try:
                        piece = await pieces.__anext__()
                    except StopAsyncIteration:
                        break
                    except Exception as exc:  # (a file of the body unreadable: not the socket)
                        raise _BodyFailed() from exc
                    if piece:
                        await self._send(channel, conn.send_body(piece))
            await self._send(channel, conn.end_body())

    async def _send(self, channel: Channel, data: bytes) -> None:
        await channel.send_all(data, self.wait())
        self.sent += len(data)

    async def next_events(self) -> list[Any]:
        """The next event and every one decoded with it, last first (``pop()`` gives
        them in order), reading from the socket until there is one."""
        conn = self.conn
        assert conn is not None
        events = conn.next_events()
        while events[0] is NEED_DATA:
            await self._receive(conn)
            events = conn.next_events()
        events.reverse()
        return events

    async def next_event(self) -> Any:
        conn = self.conn
        assert conn is not None
        event = conn.next_event()
        while event is NEED_DATA:
            await self._receive(conn)
            event = conn.next_event()
        return event

    async def _receive(self, conn: Connection) -> None:
        """One read from the socket, given to the connection."""
        channel = self.channel
        assert channel is not None
        if self._eof:
            raise ProtocolError("the connection ended while more was expected")
        try:
            data: bytes | bytearray | memoryview
            if self._buffer is not None:
                data = self._buffer[: await channel.receive_into(self._buffer, self.wait())]
            else:
                data = await channel.receive(self._size, self.wait())
        except (TimeoutError, DockerConnectionError):  # (an ssh child that failed to connect)
            raise
        except self.io.broken as exc:
            reason = exc.__cause__ or exc  # a TLS alert's reason is in the cause
            raise ProtocolError(f"the connection broke: {reason}") from None
        self.received += len(data)
        if not data:
            self._eof = True
        elif len(data) == self._size and self._buffer is None:
            if self._size < policy.MAX_RECEIVE_SIZE:
                self._size *= 2
            elif conn.streaming and channel.can_receive_into:
                self._buffer = memoryview(bytearray(policy.STREAM_BUFFER))
        conn.receive_data(data)

    async def read_head(self) -> Any:
        """Read up to the response head (or ``Hijacked``); an error status raises."""
        event = await self.next_event()
        self.status = getattr(event, "status_code", None)
        if self.log is not None and self.idle:
            self.log.debug("stream opened: %s %s %s", *self._what())
        if policy.error_head(event):
            while True:
                err = await self.next_event()
                if not isinstance(err, Response):  # the ErrorResponse
                    await self.finish_after_error()
                    raise err.exception()
        return event

    async def read_all(self) -> tuple[Any, list[Any]]:
        """The head and every event after it up to the end of the message; then the
        connection goes back to the pool (or is closed, on any error)."""
        events: list[Any] = []
        try:
            head = await self.read_head()
            while not isinstance(event := await self.next_event(), EndOfMessage):
                events.append(event)
        except BaseException:
            await self.abort()
            raise
        await self.finish()
        return head, events

    async def finish_after_error(self) -> None:
        """After an ``ErrorResponse``: read to its end and keep the connection if allowed."""
        try:
            while not isinstance(await self.next_event(), EndOfMessage):
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
        if self.log is not None:
            self._log_end(True)
        conn, channel = self.conn, self.channel
        if conn is not None and channel is not None:
            if policy.keeps_connection(conn.reusable, self._eof):
                conn.start_next_cycle()
                if self.pool.give_back(channel, conn):
                    return
            await channel.aclose()

    async def abort(self) -> None:
        """Close the socket whatever state the cycle is in."""
        if self._released:
            return
        self._released = True
        if self.log is not None:
            self._log_end(self._eof)
        if self.channel is not None:
            await self.channel.aclose()

    def _what(self) -> tuple[str, str, int | str]:
        """Method, redacted target and status (``-`` before the head), for a log line."""
        version = self.conn.api_version if self.conn is not None else None
        status = "-" if self.status is None else self.status
        return self.request.method, self.request.redacted_target(version), status

    def _log_end(self, ended: bool) -> None:
        assert self.log is not None
        took = self.io.clock() - self.started
        self.log.debug(
            "%s%s %s %s in %.1f ms, %d B sent, %d B received%s",
            "stream closed: " if self.idle else "",
            *self._what(),
            took * 1e3,
            self.sent,
            self.received,
            "" if ended else " (cut short)",
        )


class Docker:
    """A client for one daemon: ``docker.containers``, ``exec``, ``images``, ``networks``,
    ``volumes``, ``plugins``, ``distribution``, ``swarm``, ``nodes``, ``services``,
    ``tasks``, ``secrets``, ``configs``, and ``version``, ``ping``, ``info``, ``df``, ``events``."""

    def __init__(self, io: Backend, *, api_version: str | None = None) -> None:
        from .afacade import (
            Configs,
            Containers,
            Distribution,
            Exec,
            Images,
            Networks,
            Nodes,
            Plugins,
            Secrets,
            Services,
            Swarm,
            Tasks,
            Volumes,
        )

        self._io = io
        self._pool = Pool(io)
        self._api_version = policy.pinned_version(api_version, io.environ)
        self._negotiate_lock = io.lock()
        # (a bounded host's pooled connections: as many requests at once, as many idle)
        self._limiter = io.limiter(io.max_connections or policy.MAX_CONCURRENT_REQUESTS)
        self._tty = policy.TtyCache()
        self.containers = Containers(self)
        self.exec = Exec(self)
        self.images = Images(self)
        self.networks = Networks(self)
        self.volumes = Volumes(self)
        self.plugins = Plugins(self)
        self.distribution = Distribution(self)
        self.swarm = Swarm(self)
        self.nodes = Nodes(self)
        self.services = Services(self)
        self.tasks = Tasks(self)
        self.secrets = Secrets(self)
        self.configs = Configs(self)
        self._podman: bool | None = None  # what /version said, asked once if needed

    @property
    def api_version(self) -> str | None:
        """The API version in use (None until negotiated)."""
        return self._api_version

    async def negotiated_version(self, timeout: float | None = None) -> str:
        """The API version, negotiating it with ``/_ping`` on first use."""
        if self._api_version is None:
            async with self._negotiate_lock:
                if self._api_version is None:
                    await self._ping(timeout)
        assert self._api_version is not None
        return self._api_version

    async def _start(
        self, request: Request[Any], body: Body = None, timeout: float | None = None
    ) -> Exchange:
        deadline = None if timeout is None else self._io.clock() + timeout
        version = await self.negotiated_version(timeout) if request.versioned else None
        if request.min_api and version:  # (before a connection is taken)
            check_min_api(request.min_api, version)
        exchange = Exchange(self, request, timeout, deadline)  # (a negotiation's time counts)
        await exchange.open(version, body)
        return exchange

    async def _take_turn(self, timeout: float | None) -> float | None:
        """Wait for a turn among ``MAX_CONCURRENT_REQUESTS``; the time left after it."""
        deadline = None if timeout is None else self._io.clock() + timeout
        if not await self._limiter.acquire(timeout):
            raise TimeoutError("no connection became free in time")
        return None if deadline is None else deadline - self._io.clock()

    async def request(
        self, request: Request[T], body: Body = None, *, timeout: float | None = None
    ) -> T:
        """Run a whole-answer request and return its typed value (errors raise)."""
        left = await self._take_turn(timeout)
        bare_404: NotFound | None = None
        try:
            exchange = await self._start(request, body, left)
            _, events = await exchange.read_all()
        except NotFound as exc:
            if exc.message.strip() != "Not Found":  # (a daemon's "no such ...")
                raise
            bare_404 = exc
        finally:
            self._limiter.release()
        if bare_404 is not None:
            raise await self._bare_not_found(request, bare_404, timeout)
        value: T = policy.whole_value(events)
        return value

    async def _bare_not_found(
        self, request: Request[Any], error: NotFound, timeout: float | None
    ) -> DockerError:
        """A bare 404 "Not Found": podman's answer to a Swarm route it lacks is a
        ``SwarmUnavailable``, told by asking ``/version`` once what the engine is."""
        from .. import _swarm

        if not _swarm.needs_engine_check(request, error):
            return error
        if self._podman is None:
            version = await self.request(_system.version(), timeout=timeout)
            self._podman = _swarm.is_podman(version.raw)
        return _swarm.podman_error(request, error) if self._podman else error

    def stream(
        self,
        request: Request[Any],
        body: Body = None,
        *,
        raise_errors: bool = False,
        values: bool = False,
        timeout: float | None = None,
    ) -> EventStream[Any]:
        """A streamed answer, opened lazily: ``async for item in docker.stream(req)``."""
        return EventStream(
            lambda: self._start(request, body, timeout), raise_errors=raise_errors, values=values
        )

    async def hijack(
        self, request: Request[Any], timeout: float | None = None, exec_id: str = ""
    ) -> DockerStream:
        """Send an upgrade request and hand back the raw stream (an exec's: ``exec_id``)."""
        exchange = await self._start(request, None, timeout)
        exchange.idle = True
        try:
            head = await exchange.read_head()
        except BaseException:
            await exchange.abort()
            raise
        return DockerStream(exchange, policy.hijacked(request, head), exec_id)

    async def websocket(
        self, request: Request[Any], timeout: float | None = None
    ) -> WebSocketStream:
        """Send a WebSocket upgrade request (attach/ws) and hand back its stream."""
        exchange = await self._start(request, None, timeout)
        exchange.idle = True
        try:
            head = await exchange.read_head()
        except BaseException:
            await exchange.abort()
            raise
        if not isinstance(head, Hijacked):  # (the connection refuses any other answer)
            await exchange.abort()
            raise ProtocolError("the daemon did not upgrade to a WebSocket")
        return WebSocketStream(exchange, head)

    # -- system ---------------------------------------------------------------------

    async def ping(self, *, timeout: float | None = None) -> str:
        """``GET /_ping``: ``"OK"`` (and the API version is negotiated, if not yet)."""
        left = await self._take_turn(timeout)
        try:
            return await self._ping(left)
        finally:
            self._limiter.release()

    async def _ping(self, timeout: float | None) -> str:
        """``GET /_ping`` without a turn of its own (a negotiation runs in a call's)."""
        exchange = Exchange(self, _system.ping(), timeout)
        await exchange.open(None)
        head, events = await exchange.read_all()
        if self._api_version is None:
            self._api_version = policy.negotiated(head)
        return str(policy.whole_value(events))

    async def version(self, *, timeout: float | None = None) -> Version:
        """The daemon's ``Version``."""
        return await self.request(_system.version(), timeout=timeout)

    async def info(self, *, timeout: float | None = None) -> dict[str, Any]:
        """``GET /info``."""
        return await self.request(_system.info(), timeout=timeout)

    async def df(self, *, timeout: float | None = None) -> dict[str, Any]:
        """``GET /system/df``."""
        return await self.request(_system.df(), timeout=timeout)

    async def auth(
        self,
        username: str,
        password: str,
        serveraddress: str | None = None,
        email: str | None = None,
        *,
        timeout: float | None = None,
    ) -> dict[str, Any] | None:
        """``POST /auth``: check credentials against a registry (``{"Status": ...,
        "IdentityToken": ...}``, or None); a refusal raises the daemon's error."""
        request = _system.auth(username, password, serveraddress, email)
        return await self.request(request, timeout=timeout)

    def events(
        self,
        since: int | float | str | None = None,
        until: int | float | str | None = None,
        filters: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> EventStream[dict[str, Any]]:
        """``async for e in docker.events(...)``: each event as a dict."""
        return self.stream(_system.events(since, until, filters), values=True, timeout=timeout)

    # -- what the areas share -----------------------------------------------------------

    def remember_tty(self, container_id: str, tty: bool) -> None:
        self._tty.remember(container_id, tty)

    async def container_tty(self, container: str, timeout: float | None = None) -> bool:
        """The container's TTY setting: from ``create``, else one ``inspect`` (cached)."""
        tty = self._tty.get(container)
        if tty is None:
            info = await self.request(api.containers.inspect(container), timeout=timeout)
            tty = self._tty.learn(info)
        return tty

    async def swarm_tty(
        self, area: str, obj: str | Service | Task, timeout: float | None = None
    ) -> bool:
        """The TTY setting of a service's spec (``area`` "services") or a task's
        ("tasks"), which decides how their logs are framed: the model's, else one
        inspect (never cached: an update may change it)."""
        if not isinstance(obj, str):
            return obj.tty
        if area == "services":
            service: Service = await self.request(api.services.inspect(obj), timeout=timeout)
            return service.tty
        task: Task = await self.request(api.tasks.inspect(obj), timeout=timeout)
        return task.tty

    async def service_auth(
        self, image: str | None, service: str | Service | None = None
    ) -> RegistryAuth | None:
        """Credentials for a service's image (``image``, else the ``Service``'s own)
        from the docker CLI's config, or None (then no ``X-Registry-Auth`` is sent)."""
        if image is None and service is not None and not isinstance(service, str):
            image = service.image or None
        return None if image is None else await self.auth_for(image)

    async def scale_service(
        self, service: str | Service, replicas: int, timeout: float | None = None
    ) -> list[str]:
        """Set a replicated service's replicas: its current spec and version are read,
        then sent with the new count (read again after a conflicting write)."""
        from .._errors import Conflict
        from .._swarm import SCALE_ATTEMPTS

        ident = service if isinstance(service, str) else service.id
        api.services.update(ident, 0, spec={}, replicas=replicas)  # (checked before sending)
        for attempt in range(SCALE_ATTEMPTS):
            current = await self.request(api.services.inspect(ident), timeout=timeout)
            try:
                return await self.request(
                    api.services.update(current, replicas=replicas), timeout=timeout
                )
            except Conflict:
                if attempt == SCALE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def wait_converged(
        self,
        service: str | Service,
        progress: Callable[[Convergence], object] | None = None,
        timeout: float | None = None,
    ) -> Convergence:
        """Poll the service and its tasks until it has converged (returned) or failed
        (``ServiceError``); ``progress`` is given each new judgement.  The blocking
        client's ``timeout`` bounds the whole wait (``TimeoutError`` with the last
        judgement); the async clients wait within the caller's cancel scope."""
        from .. import _swarm
        from .._errors import ServiceError

        ident = service if isinstance(service, str) else service.id
        api.services.inspect(ident)  # (checked before anything is sent)
        deadline = None if timeout is None else self._io.clock() + timeout
        last: Convergence | None = None
        for delay in _swarm.converge_delays():
            left = None if deadline is None else deadline - self._io.clock()
            try:
                if left is not None and left <= 0:
                    raise TimeoutError
                found = await self.request(api.services.inspect(ident), timeout=left)
                wanted = {"service": [found.id]}
                tasks = await self.request(api.tasks.list(wanted), timeout=left)
            except TimeoutError:
                said = f": {last.message}" if last is not None else ""
                raise TimeoutError(
                    f"service {ident!r} did not converge in {timeout} s{said}"
                ) from None
            verdict = _swarm.judge(found, tasks)
            if progress is not None and verdict != last:
                progress(verdict)
            last = verdict
            if verdict.converged:
                return verdict
            if verdict.failed:
                raise ServiceError(found.name or ident, verdict)
            if deadline is not None:
                delay = max(0.0, min(delay, deadline - self._io.clock()))
            await self._io.sleep(delay)
        raise AssertionError("unreachable")

    async def auth_for(self, image: str) -> RegistryAuth | None:
        """Credentials for ``image``'s registry from the docker CLI's config, or None."""
        from .._credentials import CredentialHelperCall, credentials_for, docker_config_path

        path = docker_config_path(self._io.environ)
        text = await self._io.read_file(path)
        if text is None:
            return None
        found = credentials_for(text, image, source=path)
        if isinstance(found, CredentialHelperCall):
            try:
                code, out, err = await self._io.run_process(list(found.argv), found.stdin)
            except FileNotFoundError:
                raise found.program_missing() from None
            return found.answer(code, out, err)
        return found

    def upload(self, data: bytes | str | os.PathLike[str] | AsyncIterable[bytes]) -> Body:
        """Bytes, a file path (read in pieces) or an async iterable: never read whole."""
        kind = policy.upload_kind(data)
        if kind == "bytes":
            return bytes(data)  # type: ignore[arg-type]
        if kind == "path":
            return self._io.file_pieces(os.fspath(data))  # type: ignore[arg-type]
        if not hasattr(data, "__aiter__"):  # (before anything is sent)
            raise ValueError("upload data is bytes, a file path, or an async iterable of bytes")
        return data  # type: ignore[return-value]

    # -- build ------------------------------------------------------------------------

    async def registry_config(self) -> dict[str, RegistryAuth]:
        """Every registry's credentials from the docker CLI's config, as the CLI sends
        them with a build (``X-Registry-Config``): ``{}`` without a config."""
        from .._credentials import all_credentials, docker_config_path

        path = docker_config_path(self._io.environ)
        text = await self._io.read_file(path)
        if text is None:
            return {}
        plan = all_credentials(text, source=path)
        found = dict(plan.stored)
        if plan.store is not None:
            try:
                code, out, err = await self._io.run_process(list(plan.store.argv), b"")
            except FileNotFoundError:
                raise plan.store.program_missing() from None
            for server in plan.store.answer(code, out, err):
                call = plan.store.get(server)
                code, out, err = await self._io.run_process(list(call.argv), call.stdin)
                auth = call.answer(code, out, err)
                if auth is not None:
                    found[server] = auth
        for call in plan.helpers:
            try:
                code, out, err = await self._io.run_process(list(call.argv), call.stdin)
                auth = call.answer(code, out, err)
            except (FileNotFoundError, CredentialError):
                continue  # (the CLI goes on without it)
            if auth is not None:
                found[call.server] = auth
        return found

    def build_body(
        self, context: BuildSource, dockerfile: str | os.PathLike[str] | None
    ) -> tuple[Body, str | None, BuildContext | None]:
        """What a build sends, checked before anything is: the body (a directory's tar,
        written as it is read; a tar as bytes, a file or an iterable), the
        ``dockerfile=`` to send, and the directory's ``BuildContext``."""
        from .._buildcontext import context_kind, prepare_context

        kind = context_kind(context)
        given = None if dockerfile is None else os.fspath(dockerfile)
        source: Any = context  # (its kind is known now)
        if kind == "directory":
            prepared = prepare_context(source, dockerfile, token=os.urandom(10).hex())
            return self._paced(prepared.tar()), prepared.dockerfile, prepared
        if kind == "none":
            return b"", given, None
        if kind == "bytes":
            return bytes(source), given, None
        if kind == "file":
            return self._io.file_pieces(os.fspath(source)), given, None
        if hasattr(source, "__aiter__"):
            return source, given, None
        return self._paced(iter(source)), given, None

    async def _paced(self, pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
        """The pieces of a blocking iterator, other tasks given a turn between two."""
        for piece in pieces:
            yield piece
            await self._io.checkpoint()

    def build(
        self,
        context: BuildSource,
        dockerfile: str | os.PathLike[str] | None,
        auth_configs: Mapping[str, Mapping[str, Any]] | None,
        make: Callable[[str | None, Mapping[str, Mapping[str, Any]]], Request[None]],
        timeout: float | None = None,
    ) -> BuildStream:
        """A build's progress, opened lazily; its context checked now (a ``ValueError``
        before anything is sent).  ``make(dockerfile, auth_configs)`` builds the
        request; the credentials are the docker CLI's when ``auth_configs`` is None."""
        body, sent_dockerfile, prepared = self.build_body(context, dockerfile)

        async def start() -> Exchange:
            configs = auth_configs if auth_configs is not None else await self.registry_config()
            return await self._start(make(sent_dockerfile, configs), body, timeout)

        return BuildStream(start, prepared)

    async def built(
        self,
        stream: BuildStream,
        tags: str | Sequence[str] | None,
        progress: Callable[[JSONMessage], object] | None,
        timeout: float | None = None,
    ) -> str:
        """Read a build to its end (each message to ``progress``); the image's id."""
        async with stream:
            async for message in stream:
                if progress is not None:
                    progress(message)
        if stream.image_id is not None:
            return stream.image_id
        if tags:  # (a daemon that gives no aux: the image its first tag names)
            first = tags if isinstance(tags, str) else tags[0]
            info = await self.request(api.images.inspect(first), timeout=timeout)
            return str(info["Id"])
        raise ProtocolError("the build ended without naming the image it built")

    async def exit_code(self, exec_id: str, timeout: float | None = None) -> int:
        """The exit code of a finished exec (asked again while it is reported running)."""
        for delay in policy.exit_code_delays():
            info: ExecInspect = await self.request(api.exec.inspect(exec_id), timeout=timeout)
            if info.exit_code is not None:
                return info.exit_code
            await self._io.sleep(delay)
        raise AssertionError("unreachable")

    async def run_exec(
        self, exec_id: str, tty: bool, stdin: bytes | None, timeout: float | None
    ) -> ExecResult:
        """Start an exec, write ``stdin`` and half-close it while reading the output."""
        stream = await self.hijack(api.exec.start(exec_id, tty=tty), timeout, exec_id)
        async with stream:
            out, err = await self.communicate(stream, stdin)
        from .._models.exec import ExecResult

        return ExecResult(await self.exit_code(exec_id, timeout), out, err)

    async def communicate(
        self,
        stream: DockerStream,
        stdin: bytes | None,
        output: Callable[[StreamChunk], object] | None = None,
    ) -> tuple[bytes, bytes]:
        """Write ``stdin`` and half-close it while reading the output to its end: the
        output collected, or each chunk given to ``output`` as it comes (then ``b""``)."""

        async def read() -> tuple[bytes, bytes]:
            if output is None:
                return await stream.collect()
            async for chunk in stream:
                output(chunk)
            return b"", b""

        if stdin is None:
            return await read()
        result: list[tuple[bytes, bytes]] = []
        failed: list[bool] = []

        async def reader() -> None:
            try:
                result.append(await read())
            except BaseException:
                # The writer may wait on a full socket (a thread of its own, in the
                # blocking client, that nothing else would end): closing ends its wait.
                failed.append(True)
                await stream.aclose()
                raise

        async def writer() -> None:
            try:
                if stdin:
                    await stream.send_all(stdin)
                await stream.send_eof()
            except Exception:
                if failed:  # (closed by the reader: the reader's error is the one)
                    return
                raise

        await self._io.run_both(reader, writer)
        return result[0]

    # -- run and pull, as the docker CLI does them ----------------------------------------

    async def pull_image(
        self,
        name: str,
        tag: str | None,
        platform: str | None,
        auth: Mapping[str, Any] | None,
        progress: Callable[[JSONMessage], object] | None,
        timeout: float | None,
    ) -> None:
        """Pull to the end, each progress message to ``progress``; an in-stream error
        raises its ``StreamError``."""
        if auth is None:
            auth = await self.auth_for(name)
        req = api.images.pull(name, tag, platform, auth)
        async with self.stream(req, raise_errors=True, timeout=timeout) as messages:
            async for message in messages:
                if progress is not None:
                    progress(message)

    async def pulled(
        self,
        name: str,
        tag: str | None = None,
        platform: str | None = None,
        auth: Mapping[str, Any] | None = None,
        progress: Callable[[JSONMessage], object] | None = None,
        timeout: float | None = None,
    ) -> ImageSummary:
        """Pull, then the pulled image's ``ImageSummary`` (its id and digests)."""
        from .._run import parse_reference

        ref = parse_reference(name)  # (before anything is sent)
        if tag is None:
            tag, name = ref.pull_tag, ref.repository
        await self.pull_image(name, tag, platform, auth, progress, timeout)
        wanted = f"{name}@{tag}" if ":" in tag and "@" not in name else f"{name}:{tag}"
        # What the reference names now, then its summary, listed by its repository: a
        # filter by the tagged name leaves dockerd's RepoDigests out.  (No digests=:
        # both engines list RepoDigests anyway, and podman 4.3 answers digests=true with
        # an empty body.)  Else by its id, which podman's filters know and dockerd's not.
        info = await self.request(api.images.inspect(wanted), timeout=timeout)
        image_id = str(info["Id"]).removeprefix("sha256:")
        listed = await self.request(api.images.list(filters={"reference": [name]}), timeout=timeout)
        found = [s for s in listed if s.id.removeprefix("sha256:") == image_id]
        if not found:
            try:
                found = await self.request(
                    api.images.list(filters={"id": [image_id]}), timeout=timeout
                )
            except BadParameter:  # (dockerd: "Invalid filter 'id'")
                found = []
        if not found:
            raise NotFound(404, f"{wanted} was pulled but is not among the images")
        return found[0]

    async def run_container(
        self,
        plan: RunPlan,
        auth: Mapping[str, Any] | None,
        progress: Callable[[JSONMessage], object] | None,
        timeout: float | None,
        output: Callable[[StreamChunk], object] | None = None,
    ) -> RunResult | str:
        """``docker run``: pull as ``plan.pull`` says, create, attach before the start (so
        no output is lost), write stdin, read to the end, wait, remove.  A cancelled or
        timed-out run kills its container (and removes it when ``plan.remove``)."""
        ref = plan.reference
        if plan.pull == "always" and ref is not None:
            await self.pull_image(ref.repository, ref.pull_tag, None, auth, progress, timeout)
        created: list[str] = []

        async def create() -> None:
            # A create given up half-way may still make a container nobody knows: it
            # runs to its answer (at least CLEANUP_SECONDS), even when cancelled.
            wait = None if timeout is None else max(timeout, policy.CLEANUP_SECONDS)
            created.append(await self.request(plan.create, timeout=wait))

        try:
            try:
                await self._io.uncancelled(create, policy.CLEANUP_SECONDS)
            except NotFound as exc:
                if plan.pull != "missing" or ref is None:
                    raise plan.missing_image(exc) from None
                await self.pull_image(ref.repository, ref.pull_tag, None, auth, progress, timeout)
                await self._io.uncancelled(create, policy.CLEANUP_SECONDS)
            if not created:
                raise TimeoutError("the daemon did not answer the create in time")
            cid = created[0]
            self.remember_tty(cid, plan.tty)
            if plan.detach:
                await self.request(api.containers.start(cid), timeout=timeout)
                return cid
            attach = api.containers.attach(cid, stdin=plan.stdin is not None, tty=plan.tty)
            stream = await self.hijack(attach, timeout)
            async with stream:
                await self.request(api.containers.start(cid), timeout=timeout)
                out, err = await self.communicate(stream, plan.stdin, output)
            code = await self.request(api.containers.wait(cid), timeout=timeout)
        except BaseException:
            async with self._io.shielded(policy.CLEANUP_SECONDS):
                await self._clean_up_run(plan, created[0] if created else None)
            raise
        if plan.remove:
            await self.request(api.containers.rm(cid, force=True), timeout=timeout)
        from .._models.containers import RunResult

        result = RunResult(code, out, err)
        if plan.check and code != 0:
            raise ContainerError(result, plan.cmd, plan.image)
        return result

    async def install_plugin(
        self,
        remote: str,
        name: str | None,
        auth: Mapping[str, Any] | None,
        enable: bool,
        settings: Sequence[str] | Mapping[str, str] | None,
        accept: Callable[[list[dict[str, Any]]], object] | None,
        progress: Callable[[JSONMessage], object] | None,
        timeout: float | None,
    ) -> dict[str, Any]:
        """``docker plugin install``: ask what the plugin needs, pull it granting that
        (``accept``, if given, must approve it first), apply ``settings``, enable it;
        the installed plugin's inspect dict."""
        local = remote if name is None else name
        api.plugins.pull(remote, name)  # (the arguments are checked before anything is sent)
        if settings is not None:
            api.plugins.set(local, settings)
        if auth is None:
            auth = await self.auth_for(remote)
        wanted = await self.request(api.plugins.privileges(remote, auth), timeout=timeout)
        if accept is not None and not accept(wanted):
            raise PermissionError(f"the privileges {remote} asks for were not granted")
        req = api.plugins.pull(remote, name, wanted, auth)
        async with self.stream(req, raise_errors=True, timeout=timeout) as messages:
            async for message in messages:
                if progress is not None:
                    progress(message)
        if settings:
            await self.request(api.plugins.set(local, settings), timeout=timeout)
        if enable:
            await self.request(api.plugins.enable(local), timeout=timeout)
        return await self.request(api.plugins.inspect(local), timeout=timeout)

    async def _clean_up_run(self, plan: RunPlan, cid: str | None) -> None:
        """After a failed, cancelled or timed-out run: kill the container, and remove it
        when the run was to (found by its label when its id never arrived).  Best
        effort: the error that stopped the run is the one raised, never this one's."""
        wait = policy.CLEANUP_SECONDS
        try:
            targets = [cid] if cid is not None else []
            if cid is None and plan.label is not None:
                labelled = {"label": ["=".join(plan.label)]}
                found = await self.request(
                    api.containers.list(True, filters=labelled), timeout=wait
                )
                targets = [c.id for c in found]
            for target in targets:
                try:
                    if plan.remove:
                        await self.request(api.containers.rm(target, force=True), timeout=wait)
                    else:
                        await self.request(api.containers.kill(target), timeout=wait)
                except DockerError:
                    pass  # (not running any more, or already removed)
        except Exception:
            pass  # (the daemon went away meanwhile: nothing more to do from here)

    # -- lifetime -----------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close every idle connection."""
        await self._pool.aclose()

    async def __aenter__(self) -> Docker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class DockerStream:
    """A hijacked attach or exec stream: output as ``StreamChunk``s, stdin as bytes.

    ``receive()`` gives the next chunk, or None at the end; ``send_all`` writes stdin;
    ``send_eof`` half-closes stdin while output stays readable; ``aclose`` closes (from
    another thread too, with the blocking client: a blocked read then ends).
    """

    def __init__(self, exchange: Exchange, hijacked: Hijacked, exec_id: str = "") -> None:
        self._exchange = exchange
        self.hijacked = hijacked
        self.multiplexed = hijacked.multiplexed
        self.headers = hijacked.headers
        self.exec_id = exec_id
        self._ended = False
        self._items: list[Any] = []  # decoded from the last read, last first
        self._given = 0  # items handed out since other tasks last had a turn

    async def receive(self) -> StreamChunk | None:
        """The next chunk of output, or None once the daemon has closed the stream."""
        try:
            return await self.__anext__()
        except StopAsyncIteration:
            return None

    def __aiter__(self) -> DockerStream:
        return self

    async def __anext__(self) -> StreamChunk:
        if self._items:
            self._given += 1
            if self._given >= policy.SCHEDULE_EVERY:
                self._given = 0
                await self._exchange.io.checkpoint()  # (before the take: nothing lost)
            event = self._items.pop()
        elif self._ended:
            raise StopAsyncIteration
        else:
            try:
                self._items = await self._exchange.next_events()
            except BaseException:
                if self._ended:  # closed while reading (from another thread)
                    raise StopAsyncIteration from None
                raise
            self._given = 0
            event = self._items.pop()
        if type(event) is StreamChunk:
            return event
        if isinstance(event, ConnectionClosed):
            self._ended = True
            await self._exchange.abort()
            raise StopAsyncIteration
        raise ProtocolError(f"unexpected {type(event).__name__} in a stream")

    async def send_all(self, data: bytes) -> None:
        """Write ``data`` to the process's stdin."""
        conn, channel = self._exchange.conn, self._exchange.channel
        assert conn is not None and channel is not None
        await channel.send_all(conn.send_stdin(data), self._exchange.wait())

    async def send_eof(self) -> None:
        """Half-close stdin: the process sees end of file, its output stays readable."""
        channel = self._exchange.channel
        assert channel is not None
        await channel.send_eof()

    async def read_all(self) -> list[StreamChunk]:
        """Every remaining chunk, until the end of the stream."""
        return [chunk async for chunk in self]

    async def collect(self) -> tuple[bytes, bytes]:
        """The rest of the output as ``(stdout, stderr)``."""
        out: list[bytes] = []
        err: list[bytes] = []
        async for chunk in self:
            (err if chunk.stream == StreamKind.STDERR else out).append(chunk.data)
        return b"".join(out), b"".join(err)

    async def exit_code(self) -> int:
        """An exec's exit code (reads the rest of the output first, if any is left)."""
        if not self.exec_id:
            raise ValueError("exit_code() is for exec streams; use containers.wait")
        async for _ in self:
            pass
        return await self._exchange.docker.exit_code(self.exec_id)

    async def aclose(self) -> None:
        """Close the stream (and its socket)."""
        self._ended = True
        self._items = []
        await self._exchange.abort()

    async def __aenter__(self) -> DockerStream:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


ExecStream = DockerStream  # an exec's stream: also ``exit_code()``


class WebSocketStream:
    """An attach over a WebSocket (``containers.attach_ws``): output as ``bytes``
    messages, stdin as messages sent.

    ``receive()`` gives the next message, or None at the end; ``async for message in
    ws``; ``send(data)`` sends one message (bytes as binary, ``str`` as text);
    ``send_eof()`` sends the close frame (no message may follow, output stays readable
    until the daemon's own close); ``aclose`` closes the socket.  Pings are answered.
    """

    def __init__(self, exchange: Exchange, hijacked: Hijacked) -> None:
        self._exchange = exchange
        self.hijacked = hijacked
        self.headers = hijacked.headers
        self._ended = False
        self._items: list[Any] = []  # decoded from the last read, last first

    @property
    def close_code(self) -> int | None:
        """The code of the daemon's close frame (1000: normal), once it has come."""
        conn = self._exchange.conn
        got = conn.websocket_close if conn is not None else None
        return None if got is None else got[0]

    async def receive(self) -> bytes | None:
        """The next message, or None once the daemon has closed the WebSocket."""
        try:
            return await self.__anext__()
        except StopAsyncIteration:
            return None

    def __aiter__(self) -> WebSocketStream:
        return self

    async def __anext__(self) -> bytes:
        while True:
            if not self._items:
                if self._ended:
                    raise StopAsyncIteration
                try:
                    self._items = await self._exchange.next_events()
                except BaseException:
                    if self._ended:  # closed while reading (from another thread)
                        raise StopAsyncIteration from None
                    raise
                await self._send_replies()
            event = self._items.pop()
            if type(event) is WebSocketMessage:
                return event.data
            if isinstance(event, ConnectionClosed):
                self._ended = True
                self._items = []
                await self._exchange.abort()
                raise StopAsyncIteration
            raise ProtocolError(f"unexpected {type(event).__name__} in a WebSocket")

    async def _send_replies(self) -> None:
        """Write what the WebSocket owes the daemon (pongs, the answer to its close)."""
        conn, channel = self._exchange.conn, self._exchange.channel
        assert conn is not None and channel is not None
        owed = conn.take_replies()
        if owed:
            try:
                await channel.send_all(owed, self._exchange.wait())
            except self._exchange.io.broken:
                pass  # (the daemon closed already: it is owed nothing more)

    async def send(self, data: bytes | str) -> None:
        """Send one message: bytes as a binary message, a ``str`` as a text one."""
        conn, channel = self._exchange.conn, self._exchange.channel
        assert conn is not None and channel is not None
        await channel.send_all(conn.send_websocket(data), self._exchange.wait())

    async def send_all(self, data: bytes) -> None:
        """Write ``data`` to stdin (one binary message), as ``DockerStream.send_all``."""
        await self.send(bytes(data))

    async def send_eof(self, code: int = 1000, reason: str = "") -> None:
        """Send the close frame: stdin ends, the output stays readable to its end."""
        conn, channel = self._exchange.conn, self._exchange.channel
        assert conn is not None and channel is not None
        frame = conn.close_websocket(code, reason)
        if frame:
            await channel.send_all(frame, self._exchange.wait())

    async def read_all(self) -> list[bytes]:
        """Every remaining message, until the end."""
        return [message async for message in self]

    async def collect(self) -> bytes:
        """The rest of the output, joined."""
        return b"".join([message async for message in self])

    async def aclose(self) -> None:
        """Close the WebSocket's socket (without a close handshake)."""
        self._ended = True
        self._items = []
        await self._exchange.abort()

    async def __aenter__(self) -> WebSocketStream:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class StreamContext(Generic[T]):
    """``async with docker.containers.attach(...) as s``: opens on enter, closes on exit."""

    def __init__(self, opener: Callable[[], Awaitable[T]]) -> None:
        self._opener = opener
        self._value: T | None = None

    async def __aenter__(self) -> T:
        self._value = await self._opener()
        return self._value

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._value is not None:
            await self._value.aclose()  # type: ignore[attr-defined]


class EventStream(Generic[T]):
    """A streamed body read item by item: ``async for item in stream``.

    Opens lazily on the first item (or on ``async with``), so building one does no I/O.
    With ``raise_errors``, an in-stream error (``JSONMessage.error``) raises its
    ``StreamError`` in place of the item that carried it; with ``values``, JSON items
    come out as their plain values (events and stats are dicts).
    """

    def __init__(
        self,
        start: Callable[[], Awaitable[Exchange]],
        *,
        raise_errors: bool = False,
        values: bool = False,
    ) -> None:
        self._start = start
        self._exchange: Exchange | None = None
        self._done = False
        self._raise_errors = raise_errors
        self._values = values
        self.response: Response | None = None
        self._items: list[Any] = []  # events of the last read not handed out yet, last first
        self._given = 0

    async def _open(self) -> Exchange:
        if self._exchange is None:
            if self._done:
                raise RuntimeError("this stream is closed")
            self._exchange = exchange = await self._start()
            exchange.idle = True
            try:
                self.response = await exchange.read_head()
            except BaseException:
                self._done = True
                await exchange.abort()
                raise
        return self._exchange

    async def __aenter__(self: S) -> S:
        await self._open()
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> EventStream[T]:
        return self

    async def __anext__(self) -> T:
        items = self._items
        if items:
            self._given += 1
            if self._given >= policy.SCHEDULE_EVERY:
                self._given = 0
                try:
                    await self._exchange.io.checkpoint()  # type: ignore[union-attr]
                except BaseException:
                    await self.aclose()
                    raise
            event = items.pop()
        else:
            event = await self._next_events()
        cls = type(event)
        if cls is EndOfMessage or cls is ConnectionClosed:
            self._done = True
            await self._exchange.finish()  # type: ignore[union-attr]
            raise StopAsyncIteration
        if cls is JSONMessage:
            if self._raise_errors:
                exc = event.exception()
                if exc is not None:
                    await self.aclose()
                    raise exc
            if self._values:
                return event.value  # type: ignore[no-any-return]
        return event  # type: ignore[no-any-return]

    async def _next_events(self) -> Any:
        """The next event and, kept in ``_items``, the others decoded with it."""
        if self._done:
            raise StopAsyncIteration
        exchange = self._exchange
        if exchange is None:
            exchange = await self._open()
        try:
            events = await exchange.next_events()
        except BaseException:
            closed = self._done
            await self.aclose()
            if closed:  # closed while reading (from another thread)
                raise StopAsyncIteration from None
            raise
        self._given = 0
        self._items = events  # handed out by pop(), which also lets go of each
        return events.pop()

    async def aclose(self) -> None:
        """Stop reading and close the connection."""
        self._done = True
        self._items = []
        if self._exchange is not None:
            await self._exchange.abort()

    async def collect(self) -> list[T]:
        """Every item, until the end."""
        return [item async for item in self]


class BuildStream(EventStream[JSONMessage]):
    """A build's progress: ``async for m in docker.images.build(...)`` gives its
    ``JSONMessage``s (``stream`` lines, ``aux`` with the image id).

    A failing step raises ``BuildError``, whose ``log`` is the output up to the failure.
    ``image_id`` is the built image's id once the daemon gave it; ``log`` the output so
    far; ``context`` a directory's ``BuildContext`` (``context.written``: the bytes of
    the archive sent).  ``docker.images.build_and_wait(...)`` reads it all and returns
    the id.
    """

    def __init__(
        self, start: Callable[[], Awaitable[Exchange]], context: BuildContext | None = None
    ) -> None:
        from .._buildcontext import BuildLog

        super().__init__(start)
        self.context = context
        self._log = BuildLog()

    @property
    def image_id(self) -> str | None:
        """The built image's id (``sha256:...``), once the daemon gave it."""
        return self._log.image_id

    @property
    def log(self) -> str:
        """The build's output so far (its ``stream`` texts)."""
        return self._log.text

    async def __anext__(self) -> JSONMessage:
        message: JSONMessage = await super().__anext__()
        failed = self._log.feed(message.value)
        if failed is not None:
            await self.aclose()
            raise failed
        return message


class TarStream(EventStream[Any]):
    """A tar body: ``TarMember`` / ``TarData`` / ``EndOfArchive`` items.

    ``raw()`` gives plain byte chunks instead; ``extract(dest)`` unpacks safely.
    """

    @property
    def stat(self) -> dict[str, Any] | None:
        """The path stat header of ``get_archive`` (name, size, mode, mtime, linkTarget)."""
        if self.response is None:
            return None
        return api.containers.path_stat(self.response)

    async def raw(self) -> AsyncIterator[bytes]:
        """``async for data in tar.raw()``: the archive as plain byte chunks.

        Use it instead of reading items, before the first item.
        """
        exchange = await self._open()
        assert exchange.conn is not None
        exchange.conn.set_content(Content.BYTES)
        async for item in self:
            assert isinstance(item, RawData)
            yield item.data

    async def extract(self, dest: str, *, devices: bool = False) -> list[str]:
        """Unpack into ``dest``, refusing any member that would land outside it.

        Returns the names written; the rules are ``dockproto._extraction``'s.
        """
        from .extract import Extractor  # (with the tar events, on first use)

        extractor = Extractor(dest, devices=devices)
        try:
            async for item in self:
                extractor.feed(item)
            return extractor.close()
        except BaseException:
            extractor.abort()
            await self.aclose()
            raise
