"""trio's I/O for the client written once in ``dockproto._drive``: connect, send, receive,
wait, and trio's cancellation.  Public trio API only.

Reads through trio are full checkpoints (``receive_some``; ``recv_into`` on trio's socket
when a long stream's socket is empty): other tasks get a turn and cancellation arrives.
A long stream over a plain socket (read ``recv_into`` one reused buffer) first reads the
socket at once, through a standard socket on a duplicate of its descriptor: each such
read is a cancellation point, and every ``QUICK_READS``-th also gives other tasks a turn
(a full checkpoint per read is a turn of trio's run loop and an ``epoll_wait``: a 256
MiB attach makes ~1,250 reads, nearly all finding data).  Items already decoded are
handed out with a turn every ``SCHEDULE_EVERY``.

An ``ssh://`` host's connection is an ssh child (``ssh ... docker system dial-stdio``):
its stdin and stdout through trio's pipes, ended (SIGTERM, then SIGKILL) and reaped when
the connection closes, also when the call is cancelled.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

import trio

from dockproto import DockerConnectionError, HostSpec
from dockproto._drive.aio import Docker
from dockproto._drive.hosts import (
    ChildStderr,
    DebugLog,
    IdleCheck,
    child_env,
    environ,
    tls_context,
)
from dockproto._hosts import (
    SSH_EXIT_WAIT,
    SSH_MAX_STARTUPS,
    SSH_TERM_GRACE,
    ssh_failed,
    ssh_reason,
)
from dockproto._policy import UPLOAD_PIECE

if sys.version_info < (3, 11):  # pragma: no cover - 3.10
    from exceptiongroup import BaseExceptionGroup

Stream = trio.SocketStream | trio.SSLStream[trio.SocketStream]
# Reads of a long stream that found data at once, in a row, before other tasks get a turn.
QUICK_READS = 8


class Channel:
    """One connection: a trio ``SocketStream``, or an ``SSLStream`` over one."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        tcp = stream.transport_stream if isinstance(stream, trio.SSLStream) else stream
        self.tcp: trio.SocketStream = tcp
        self.can_receive_into = not isinstance(stream, trio.SSLStream)
        self._plain: socket.socket | None = None  # made on the first recv_into
        self._quick = 0
        self._idle_check: IdleCheck | None = None

    async def send_all(self, data: bytes, timeout: float | None) -> None:
        await self.stream.send_all(data)

    async def receive(self, size: int, timeout: float | None) -> bytes | bytearray:
        return await self.stream.receive_some(size)

    async def receive_into(self, buf: memoryview, timeout: float | None) -> int:
        plain = self._plain
        if plain is None:
            plain = socket.socket(fileno=os.dup(self.tcp.socket.fileno()))
            plain.setblocking(False)
            self._plain = plain
        # Before the read, so that a cancellation loses nothing already read.
        if self._quick >= QUICK_READS:
            self._quick = 0
            await trio.lowlevel.checkpoint()
        else:
            await trio.lowlevel.checkpoint_if_cancelled()
        try:
            k = plain.recv_into(buf)
        except BlockingIOError:
            self._quick = 0
            return await self.tcp.socket.recv_into(buf)  # waits: a full checkpoint
        self._quick += 1
        return k

    async def send_eof(self) -> None:
        # TLS has no half-close of its own: end the TCP stream's sending side.
        await self.tcp.send_eof()

    async def aclose(self) -> None:
        if self._plain is not None:
            self._plain.close()
        await trio.aclose_forcefully(self.stream)

    def stale(self) -> bool:
        """Readable while idle: end of file, or bytes nobody asked for."""
        if self._idle_check is None:  # (the socket's, for as long as it lives)
            self._idle_check = IdleCheck(self.tcp.socket.fileno())
        return self._idle_check()


class SshChannel:
    """One connection through an ssh child: its stdin and stdout are the connection
    (``docker system dial-stdio`` on the far side).  A child that ends before a byte
    came through, with an error, is a ``DockerConnectionError`` naming the host and
    what ssh said."""

    can_receive_into = False

    def __init__(
        self,
        proc: trio.Process,
        stderr: ChildStderr,
        address: str,
        started: Callable[[], None],
    ) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self._starting: Callable[[], None] | None = started  # the login's slot
        self.proc = proc
        self.stdin = proc.stdin
        self.stdout: trio.lowlevel.FdStream = proc.stdout  # type: ignore[assignment]
        self.stderr = stderr
        self.address = address
        self.received = 0
        self._idle_check: IdleCheck | None = None

    async def send_all(self, data: bytes, timeout: float | None) -> None:
        try:
            await self.stdin.send_all(data)
        except trio.BrokenResourceError:
            await self._check_failed()
            raise

    async def receive(self, size: int, timeout: float | None) -> bytes | bytearray:
        data = await self.stdout.receive_some(size)
        if data:
            self.received += len(data)
            self._started()
        else:
            await self._check_failed()
        return data

    async def receive_into(self, buf: memoryview, timeout: float | None) -> int:
        data = await self.receive(len(buf), timeout)  # (not used: can_receive_into is False)
        buf[: len(data)] = data
        return len(data)

    def _started(self) -> None:
        """The login is over (bytes came through, or the connection ends): its slot
        goes to the next."""
        release, self._starting = self._starting, None
        if release is not None:
            release()

    async def _check_failed(self) -> None:
        """ssh's stdout ended (or its stdin broke): a ``DockerConnectionError`` if ssh
        failed to connect."""
        if self.received:
            return  # (it worked: the daemon ended the connection)
        with trio.move_on_after(SSH_EXIT_WAIT):
            await self.proc.wait()
        code = self.proc.returncode
        if ssh_failed(code, self.received):
            raise DockerConnectionError(self.address, ssh_reason(self.stderr.tail(), code))

    async def send_eof(self) -> None:
        await self.stdin.aclose()  # ssh's stdin ends; its stdout stays readable

    async def aclose(self) -> None:
        with trio.CancelScope(shield=True):
            proc = self.proc
            if proc.returncode is None:
                try:
                    proc.terminate()
                except ProcessLookupError:
                    pass
                with trio.move_on_after(SSH_TERM_GRACE):
                    await proc.wait()
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            await trio.aclose_forcefully(self.stdin)
            await trio.aclose_forcefully(self.stdout)
            self.stderr.close()
            self._started()

    def stale(self) -> bool:
        """Readable while idle (end of file, or bytes nobody asked for), or ssh ended."""
        if self.proc.returncode is not None or self.proc.poll() is not None:
            return True
        if self._idle_check is None:
            self._idle_check = IdleCheck(self.stdout.fileno())
        return self._idle_check()


class _Limiter:
    """The bound on requests at once: a semaphore, as a request may be released by
    another task than the one that took it (a ``CapacityLimiter`` names one borrower
    per token).  A free slot is taken without a turn of the scheduler: the request's
    own I/O is its checkpoint."""

    def __init__(self, size: int) -> None:
        self._sem = trio.Semaphore(size, max_value=size)

    async def acquire(self, timeout: float | None) -> bool:
        try:
            self._sem.acquire_nowait()
        except trio.WouldBlock:
            await self._sem.acquire()
        return True

    def release(self) -> None:
        self._sem.release()


class _Lock:
    def __init__(self) -> None:
        self._lock = trio.Lock()

    async def __aenter__(self) -> None:
        await self._lock.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self._lock.release()


class Backend:
    """What ``dockproto._drive.aio.Docker`` needs from trio."""

    broken: tuple[type[BaseException], ...] = (
        trio.BrokenResourceError,
        trio.ClosedResourceError,
        OSError,
    )

    def __init__(
        self,
        spec: HostSpec,
        ssl_context: ssl.SSLContext | None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.ssl_context = ssl_context
        self.http_host = spec.http_host
        self.max_connections = spec.max_connections
        self.environ: Mapping[str, str] = environ(env)
        self.debug_log = DebugLog("dockproto.trio")
        self._logins = _Limiter(SSH_MAX_STARTUPS) if spec.argv is not None else None

    async def connect(self, timeout: float | None) -> Channel | SshChannel:
        """A new connection; ``DockerConnectionError`` names the address."""
        spec = self.spec
        if spec.argv is not None:
            return await self._ssh(spec.argv)
        try:
            if spec.path is not None:
                return Channel(await trio.open_unix_socket(spec.path))
            assert spec.host is not None and spec.port is not None
            tcp = await trio.open_tcp_stream(spec.host, spec.port)
            if self.ssl_context is None:
                return Channel(tcp)
            stream = trio.SSLStream(
                tcp, self.ssl_context, server_hostname=spec.host, https_compatible=True
            )
            try:
                await stream.do_handshake()
            except BaseException:
                await trio.aclose_forcefully(stream)  # a refused handshake keeps no socket
                raise
            return Channel(stream)
        except (OSError, trio.BrokenResourceError) as exc:
            exc = exc.__cause__ if isinstance(exc.__cause__, OSError) else exc  # TLS: the SSLError
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise DockerConnectionError(spec.address, reason or type(exc).__name__) from None

    async def _ssh(self, argv: tuple[str, ...]) -> SshChannel:
        """An ssh child for one connection (in a session of its own, as the docker CLI
        starts it: a terminal's Ctrl-C is the program's to act on), once one of the
        ``SSH_MAX_STARTUPS`` login slots is free."""
        logins = self._logins
        assert logins is not None
        await logins.acquire(None)
        try:
            stderr = ChildStderr()
        except BaseException:
            logins.release()
            raise
        try:
            proc = await trio.lowlevel.open_process(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr.fd,
                env=child_env(self.environ),
                start_new_session=True,
            )
        except OSError as exc:
            stderr.close()
            logins.release()
            reason = f"cannot run {argv[0]}: {exc.strerror or exc}"
            raise DockerConnectionError(self.spec.address, reason) from None
        except BaseException:
            stderr.close()
            logins.release()
            raise
        return SshChannel(proc, stderr, self.spec.address, logins.release)

    def lock(self) -> _Lock:
        return _Lock()

    def limiter(self, size: int) -> _Limiter:
        return _Limiter(size)

    def clock(self) -> float:
        return trio.current_time()

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    async def checkpoint(self) -> None:
        await trio.lowlevel.checkpoint()

    @asynccontextmanager
    async def shielded(self, seconds: float) -> AsyncIterator[None]:
        with trio.move_on_after(seconds, shield=True):
            yield

    async def uncancelled(self, fn: Callable[[], Awaitable[None]], seconds: float) -> None:
        with trio.move_on_after(seconds, shield=True):
            await fn()
        await trio.lowlevel.checkpoint_if_cancelled()  # (the cancellation goes on)

    async def file_pieces(self, path: str) -> AsyncIterator[bytes]:
        async with await trio.open_file(path, "rb") as f:
            while piece := await f.read(UPLOAD_PIECE):
                yield piece

    async def read_file(self, path: str) -> bytes | None:
        try:
            async with await trio.open_file(path, "rb") as f:
                return await f.read()
        except FileNotFoundError:
            return None

    async def run_process(self, argv: list[str], stdin: bytes) -> tuple[int, bytes, bytes]:
        done = await trio.run_process(
            argv, stdin=stdin, capture_stdout=True, capture_stderr=True, check=False
        )
        return done.returncode, done.stdout, done.stderr

    async def run_both(
        self, first: Callable[[], Awaitable[None]], second: Callable[[], Awaitable[None]]
    ) -> None:
        """Both at once; the error of one that failed, as it is (not in a group: the
        caller made one call, and gets that call's error, as on the other loops)."""
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(first)
                nursery.start_soon(second)
        except BaseExceptionGroup as group:
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise


@asynccontextmanager
async def open_docker(
    host: str | None = None,
    *,
    api_version: str | None = None,
    tls: bool | ssl.SSLContext | None = None,
    context: str | None = None,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[Docker]:
    """A client for ``host``, else the Docker context ``context``, else ``DOCKER_HOST``,
    else the context ``DOCKER_CONTEXT`` or ``currentContext`` names (the docker CLI's
    order), else ``unix:///var/run/docker.sock``.

    ``host`` may be ``ssh://[user@]host[:port]`` (each connection runs ``ssh ... docker
    system dial-stdio``; at most ``SSH_MAX_CONNECTIONS`` at once).
    ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH`` and ``DOCKER_API_VERSION`` are honoured
    as the docker CLI does; ``env`` is the environment read instead of ``os.environ``
    (and the one an ssh child gets).  Nothing is sent before the first call.
    """
    env = environ(env)
    docker = Docker(Backend(*tls_context(host, tls, env, context), env), api_version=api_version)
    try:
        yield docker
    finally:
        await docker.aclose()
