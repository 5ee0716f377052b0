"""asyncio's I/O for the client written once in ``dockproto._drive`` (on the default
loop and on uvloop).

A plain connection (Unix socket, TCP) is a non-blocking socket, read at once when data
is there, and through the loop's ``sock_recv``/``sock_recv_into`` only when it is empty
(asyncio's own loop reads at once too, uvloop's always waits for a turn of the loop
first: a stream would pay a loop turn and an epoll registration per read); so that a
fast stream still lets other tasks run (and cancellation arrive), every
``QUICK_READS``-th read also yields to the loop.  A TLS
connection is an asyncio stream.  Task cancellation closes the connection: the driver
aborts its exchange on any exception.

An ``ssh://`` host's connection is an ssh child (``ssh ... docker system dial-stdio``):
its stdin and stdout through asyncio's pipes, ended (SIGTERM, then SIGKILL) and reaped
when the connection closes, also when the task is cancelled.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

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

# Reads that found data in a row before the loop gets a turn.
QUICK_READS = 8


class SocketChannel:
    """A plain connection: a non-blocking socket driven through the loop.

    Closed while another task waits in a read or a send on it (a stream closed from
    another task), the socket is shut down first, which ends that wait (end of file, a
    broken pipe), and closed when the wait has ended: a socket closed under a waiting
    ``sock_recv`` would leave it waiting for ever, its descriptor gone from the poller.
    """

    can_receive_into = True

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.loop = asyncio.get_running_loop()
        self._quick = 0
        self._waits = 0  # reads and sends under way
        self._closing = False
        self._idle_check: IdleCheck | None = None

    def _done(self) -> None:
        self._waits -= 1
        if self._closing and not self._waits:
            self.sock.close()

    async def send_all(self, data: bytes, timeout: float | None) -> None:
        self._waits += 1
        try:
            await self.loop.sock_sendall(self.sock, data)
        finally:
            self._done()

    async def _turn(self) -> None:
        self._quick += 1
        if self._quick >= QUICK_READS:
            self._quick = 0
            await asyncio.sleep(0)

    async def receive(self, size: int, timeout: float | None) -> bytes:
        await self._turn()
        try:
            return self.sock.recv(size)
        except (BlockingIOError, InterruptedError):
            pass
        self._waits += 1
        try:
            return await self.loop.sock_recv(self.sock, size)
        finally:
            self._done()

    async def receive_into(self, buf: memoryview, timeout: float | None) -> int:
        await self._turn()
        try:
            return self.sock.recv_into(buf)
        except (BlockingIOError, InterruptedError):
            pass
        self._waits += 1
        try:
            return await self.loop.sock_recv_into(self.sock, buf)
        finally:
            self._done()

    async def send_eof(self) -> None:
        self.sock.shutdown(socket.SHUT_WR)

    async def aclose(self) -> None:
        self._closing = True
        if not self._waits:
            self.sock.close()
            return
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # the wait ends, and then closes it
        except OSError:
            pass  # (not connected: the wait has ended already, or ends of itself)

    def stale(self) -> bool:
        if self._idle_check is None:  # (the socket's, for as long as it lives)
            self._idle_check = IdleCheck(self.sock.fileno())
        return self._idle_check()


class StreamChannel:
    """A TLS connection: an asyncio stream (its transport reads in the background)."""

    can_receive_into = False

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send_all(self, data: bytes, timeout: float | None) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def receive(self, size: int, timeout: float | None) -> bytes:
        return await self.reader.read(size)

    async def receive_into(self, buf: memoryview, timeout: float | None) -> int:
        data = await self.reader.read(len(buf))  # (not used: can_receive_into is False)
        buf[: len(data)] = data
        return len(data)

    async def send_eof(self) -> None:
        # TLS has no half-close of its own: end the TCP socket's sending side.
        sock = self.writer.get_extra_info("socket")
        sock.shutdown(socket.SHUT_WR)

    async def aclose(self) -> None:
        self.writer.transport.abort()

    def stale(self) -> bool:
        return self.reader.at_eof() or self.writer.transport.is_closing()


class SshChannel:
    """One connection through an ssh child: its stdin and stdout are the connection
    (``docker system dial-stdio`` on the far side).  A child that ends before a byte
    came through, with an error, is a ``DockerConnectionError`` naming the host and
    what ssh said."""

    can_receive_into = False

    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        stderr: ChildStderr,
        address: str,
        started: Callable[[], None],
    ) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self._starting: Callable[[], None] | None = started  # the login's slot
        self.proc = proc
        self.stdin = proc.stdin
        self.stdout = proc.stdout
        self.stderr = stderr
        self.address = address
        self.received = 0
        self._closed = False

    async def send_all(self, data: bytes, timeout: float | None) -> None:
        try:
            self.stdin.write(data)
            await self.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            await self._check_failed()
            raise

    async def receive(self, size: int, timeout: float | None) -> bytes:
        data = await self.stdout.read(size)
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

    async def _wait(self, seconds: float) -> None:
        """Until ssh has exited, for at most ``seconds`` (its wait never cancelled)."""
        waiter = asyncio.ensure_future(self.proc.wait())
        try:
            await asyncio.wait({waiter}, timeout=seconds)
        finally:
            if not waiter.done():
                waiter.cancel()

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
        await self._wait(SSH_EXIT_WAIT)
        code = self.proc.returncode
        if ssh_failed(code, self.received):
            raise DockerConnectionError(self.address, ssh_reason(self.stderr.tail(), code))

    async def send_eof(self) -> None:
        self.stdin.close()  # ssh's stdin ends; its stdout stays readable

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        proc = self.proc
        try:
            if proc.returncode is None:
                try:
                    proc.terminate()
                except ProcessLookupError:
                    pass
                await self._wait(SSH_TERM_GRACE)
        finally:
            # (also when cancelled again meanwhile: killed at once, and reaped by the
            # loop's child watcher)
            if proc.returncode is None:
                try:
                    proc.kill()
                except ProcessLookupError:
                    pass
            transport = getattr(proc, "_transport", None)
            if transport is not None:
                transport.close()  # its pipes, whatever was left unread
            self.stderr.close()
            self._started()
        if proc.returncode is None:
            await self._wait(SSH_TERM_GRACE)

    def stale(self) -> bool:
        """At end of file while idle, or ssh ended."""
        return self.proc.returncode is not None or self.stdout.at_eof()


class _Limiter:
    def __init__(self, size: int) -> None:
        self._sem = asyncio.BoundedSemaphore(size)

    async def acquire(self, timeout: float | None) -> bool:
        await self._sem.acquire()
        return True

    def release(self) -> None:
        self._sem.release()


class Backend:
    """What ``dockproto._drive.aio.Docker`` needs from asyncio."""

    broken: tuple[type[BaseException], ...] = (OSError, ConnectionError, EOFError)

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
        self.debug_log = DebugLog("dockproto.asyncio")
        self._logins = _Limiter(SSH_MAX_STARTUPS) if spec.argv is not None else None

    async def connect(self, timeout: float | None) -> SocketChannel | StreamChannel | SshChannel:
        """A new connection; ``DockerConnectionError`` names the address."""
        spec = self.spec
        if spec.argv is not None:
            return await self._ssh(spec.argv)
        loop = asyncio.get_running_loop()
        sock: socket.socket | None = None
        try:
            if spec.path is not None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.setblocking(False)
                await loop.sock_connect(sock, spec.path)
                return SocketChannel(sock)
            assert spec.host is not None and spec.port is not None
            if self.ssl_context is not None:
                reader, writer = await asyncio.open_connection(
                    spec.host, spec.port, ssl=self.ssl_context, server_hostname=spec.host
                )
                return StreamChannel(reader, writer)
            infos = await loop.getaddrinfo(spec.host, spec.port, type=socket.SOCK_STREAM)
            family, kind, proto, _, address = infos[0]
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await loop.sock_connect(sock, address)
            return SocketChannel(sock)
        except BaseException as exc:
            if sock is not None:
                sock.close()
            if not isinstance(exc, OSError):
                raise
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise DockerConnectionError(spec.address, reason) from None

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
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
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

    def lock(self) -> asyncio.Lock:
        return asyncio.Lock()

    def limiter(self, size: int) -> _Limiter:
        return _Limiter(size)

    def clock(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def checkpoint(self) -> None:
        await asyncio.sleep(0)

    @asynccontextmanager
    async def shielded(self, seconds: float) -> AsyncIterator[None]:
        # A task is cancelled once: its clean-up awaits run (each request bounded by
        # its own timeout), unless it is cancelled again.
        yield

    async def uncancelled(self, fn: Callable[[], Awaitable[None]], seconds: float) -> None:
        task = asyncio.ensure_future(fn())
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait({task}, timeout=seconds)  # (never cancels ``task``)
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                task.exception()  # (retrieved: its error is not the one that counts)
            raise

    async def file_pieces(self, path: str) -> AsyncIterator[bytes]:
        with open(path, "rb") as f:  # (a local file: reads are quick, not worth a thread)
            while piece := f.read(UPLOAD_PIECE):
                yield piece
                await asyncio.sleep(0)

    async def read_file(self, path: str) -> bytes | None:
        def read() -> bytes | None:
            try:
                with open(path, "rb") as f:
                    return f.read()
            except FileNotFoundError:
                return None

        return await asyncio.to_thread(read)

    async def run_process(self, argv: list[str], stdin: bytes) -> tuple[int, bytes, bytes]:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await proc.communicate(stdin)
        except BaseException:
            if proc.returncode is None:
                proc.kill()
                await asyncio.shield(proc.wait())  # no child left behind
            raise
        assert proc.returncode is not None
        return proc.returncode, out, err

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
