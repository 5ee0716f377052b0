"""Blocking I/O for the client written once in ``dockproto._drive`` (its ``sync.py``):
sockets with timeouts, threads for the one concurrent call (``exec.run`` with stdin).

``timeout=`` on every call: for a whole answer, the total time of the call, including
the wait for a pooled connection; for a stream (logs, attach, exec, events, tar), the
idle time allowed between two reads, so a long follow is never cut off while data
flows.  Past it the call raises ``TimeoutError`` and its connection is closed.

A client is safe to share between threads: requests take pooled connections, at most
``MAX_CONCURRENT_REQUESTS`` at once.  Closing a stream from another thread ends a read
blocked in it.

An ``ssh://`` host's connection is an ssh child (``ssh ... docker system dial-stdio``):
its stdin and stdout are pipes, waited on with ``poll`` for the call's timeout; the
child is ended (SIGTERM, then SIGKILL) and reaped when the connection closes, also when
the call times out.
"""

from __future__ import annotations

import _thread
import os
import select
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dockproto import DockerConnectionError, HostSpec
from dockproto._drive.hosts import (
    ChildStderr,
    DebugLog,
    IdleCheck,
    child_env,
    environ,
    tls_context,
)
from dockproto._drive.sync import Docker
from dockproto._hosts import (
    SSH_EXIT_WAIT,
    SSH_MAX_STARTUPS,
    SSH_TERM_GRACE,
    ssh_failed,
    ssh_reason,
)
from dockproto._policy import UPLOAD_PIECE

if TYPE_CHECKING:  # (imported where used: ssl for TLS only, threading for a second thread,
    # subprocess for ssh)
    import ssl
    import subprocess

_UNSET = -1.0


class Channel:
    """One connection: a socket (a TLS one over TCP with TLS)."""

    can_receive_into = True

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._timeout: float | None = _UNSET
        self._idle_check: IdleCheck | None = None

    def _wait(self, timeout: float | None) -> None:
        if timeout != self._timeout:
            if timeout is not None and timeout <= 0:
                raise TimeoutError("the call's time is up")
            self.sock.settimeout(timeout)
            self._timeout = timeout

    def send_all(self, data: bytes, timeout: float | None) -> None:
        self._wait(timeout)
        self.sock.sendall(data)

    def receive(self, size: int, timeout: float | None) -> bytes:
        self._wait(timeout)
        return self.sock.recv(size)

    def receive_into(self, buf: memoryview, timeout: float | None) -> int:
        self._wait(timeout)
        return self.sock.recv_into(buf)

    def send_eof(self) -> None:
        # The TCP socket's own shutdown, also under TLS (which has no half-close of its
        # own; ``SSLSocket.shutdown`` would end TLS for reading too).
        socket.socket.shutdown(self.sock, socket.SHUT_WR)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked in another thread
        except OSError:
            pass
        self.sock.close()

    def stale(self) -> bool:
        """Readable while idle: end of file, or bytes nobody asked for."""
        if self._idle_check is None:  # (the socket's, for as long as it lives)
            self._idle_check = IdleCheck(self.sock.fileno())
        return self._idle_check()


class SshChannel:
    """One connection through an ssh child: its stdin and stdout are the connection
    (``docker system dial-stdio`` on the far side), non-blocking pipes waited on with
    ``poll`` for the call's timeout.  A child that ends before a byte came through, with
    an error, is a ``DockerConnectionError`` naming the host and what ssh said."""

    can_receive_into = True

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        stderr: ChildStderr,
        address: str,
        started: Callable[[], None],
    ) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self._starting: Callable[[], None] | None = started  # the login's slot
        self.proc = proc
        self.stdin_fd = proc.stdin.fileno()
        self.stdout_fd = proc.stdout.fileno()
        os.set_blocking(self.stdin_fd, False)
        self.stderr = stderr
        self.address = address
        self.received = 0
        self._closed = False
        self._eof_sent = False
        self._lock = _thread.allocate_lock()
        self._idle_check: IdleCheck | None = None

    @staticmethod
    def _ready(fd: int, event: int, timeout: float | None) -> None:
        """Wait until ``fd`` is ready (or hung up), for at most ``timeout`` seconds."""
        if timeout is not None and timeout <= 0:
            raise TimeoutError("the call's time is up")
        poller = select.poll()
        poller.register(fd, event)
        if not poller.poll(None if timeout is None else max(1, int(timeout * 1000))):
            raise TimeoutError("the daemon did not answer in time")

    def send_all(self, data: bytes, timeout: float | None) -> None:
        view = memoryview(data)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while view:
                try:
                    view = view[os.write(self.stdin_fd, view) :]
                except BlockingIOError:
                    left = None if deadline is None else deadline - time.monotonic()
                    self._ready(self.stdin_fd, select.POLLOUT, left)
        except (BrokenPipeError, ConnectionResetError):
            self._check_failed()
            raise

    def receive(self, size: int, timeout: float | None) -> bytes:
        self._ready(self.stdout_fd, select.POLLIN, timeout)
        data = os.read(self.stdout_fd, size)
        if data:
            self.received += len(data)
            self._started()
        else:
            self._check_failed()
        return data

    def receive_into(self, buf: memoryview, timeout: float | None) -> int:
        self._ready(self.stdout_fd, select.POLLIN, timeout)
        k = os.readv(self.stdout_fd, [buf])
        if k:
            self.received += k
            self._started()
        else:
            self._check_failed()
        return k

    def _started(self) -> None:
        """The login is over (bytes came through, or the connection ends): its slot
        goes to the next."""
        release, self._starting = self._starting, None
        if release is not None:
            release()

    def _check_failed(self) -> None:
        """ssh's stdout ended (or its stdin broke): a ``DockerConnectionError`` if ssh
        failed to connect."""
        if self.received:
            return  # (it worked: the daemon ended the connection)
        import subprocess

        try:
            self.proc.wait(SSH_EXIT_WAIT)
        except subprocess.TimeoutExpired:
            pass
        code = self.proc.returncode
        if ssh_failed(code, self.received):
            raise DockerConnectionError(self.address, ssh_reason(self.stderr.tail(), code))

    def send_eof(self) -> None:
        with self._lock:
            if not self._eof_sent and not self._closed:
                self._eof_sent = True
                assert self.proc.stdin is not None
                self.proc.stdin.close()  # ssh's stdin ends; its stdout stays readable

    def close(self) -> None:
        """End the ssh child and reap it; a read blocked in another thread then ends
        (its pipe's other end is gone)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        import subprocess

        proc = self.proc
        if proc.poll() is None:
            try:
                proc.terminate()
                proc.wait(SSH_TERM_GRACE)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            except ProcessLookupError:
                pass
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        self.stderr.close()
        self._started()

    def stale(self) -> bool:
        """Readable while idle (end of file, or bytes nobody asked for), or ssh ended."""
        if self.proc.poll() is not None:
            return True
        if self._idle_check is None:
            self._idle_check = IdleCheck(self.stdout_fd)
        return self._idle_check()


class _Limiter:
    """A bounded semaphore on ``_thread`` locks (as ``threading.BoundedSemaphore``, whose
    module a short-lived client need not load): a release hands its slot to the
    longest waiter, if any."""

    def __init__(self, size: int) -> None:
        self._mutex = _thread.allocate_lock()
        self._size = self._free = size
        self._waiters: deque[_thread.LockType] = deque()

    def acquire(self, timeout: float | None) -> bool:
        with self._mutex:
            if self._free > 0:
                self._free -= 1
                return True
            waiter = _thread.allocate_lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(True, -1 if timeout is None else max(timeout, 0)):
            return True  # released to us: the slot is ours
        with self._mutex:
            try:
                self._waiters.remove(waiter)
            except ValueError:  # handed a slot just as the wait ended: keep it
                return True
        return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            elif self._free < self._size:
                self._free += 1
            else:
                raise ValueError("released more times than acquired")


class Backend:
    """What ``dockproto._drive.sync.Docker`` needs: sockets, threads, the clock."""

    broken: tuple[type[BaseException], ...] = (OSError,)

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
        self.debug_log = DebugLog("dockproto.sync")
        self._logins = _Limiter(SSH_MAX_STARTUPS) if spec.argv is not None else None

    def connect(self, timeout: float | None) -> Channel | SshChannel:
        """A new connection; ``DockerConnectionError`` names the address."""
        spec = self.spec
        if timeout is not None and timeout <= 0:
            raise TimeoutError("the call's time is up")
        if spec.argv is not None:
            return self._ssh(spec.argv, timeout)
        sock: socket.socket | None = None
        try:
            if spec.path is not None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(timeout)
                sock.connect(spec.path)
                return Channel(sock)
            assert spec.host is not None and spec.port is not None
            sock = socket.create_connection((spec.host, spec.port), timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(sock, server_hostname=spec.host)
            return Channel(sock)
        except TimeoutError:
            if sock is not None:
                sock.close()
            raise
        except OSError as exc:
            if sock is not None:
                sock.close()
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise DockerConnectionError(spec.address, reason) from None

    def _ssh(self, argv: tuple[str, ...], timeout: float | None) -> SshChannel:
        """An ssh child for one connection (in a session of its own, as the docker CLI
        starts it: a terminal's Ctrl-C is the program's to act on), once one of the
        ``SSH_MAX_STARTUPS`` login slots is free."""
        import subprocess

        logins = self._logins
        assert logins is not None
        if not logins.acquire(timeout):
            raise TimeoutError("no ssh login became free in time")
        try:
            stderr = ChildStderr()
        except BaseException:
            logins.release()
            raise
        try:
            proc = subprocess.Popen(
                argv,
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

    def lock(self) -> _thread.LockType:
        return _thread.allocate_lock()  # (what threading.Lock is)

    def limiter(self, size: int) -> _Limiter:
        return _Limiter(size)

    def clock(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def checkpoint(self) -> None:
        pass  # (no other tasks to give a turn to)

    @contextmanager
    def shielded(self, seconds: float) -> Iterator[None]:
        yield  # (nothing cancels a blocking call: each request has its own timeout)

    def uncancelled(self, fn: Callable[[], None], seconds: float) -> None:
        fn()  # (nothing cancels a blocking call)

    def file_pieces(self, path: str) -> Iterator[bytes]:
        with open(path, "rb") as f:
            while piece := f.read(UPLOAD_PIECE):
                yield piece

    def read_file(self, path: str) -> bytes | None:
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def run_process(self, argv: list[str], stdin: bytes) -> tuple[int, bytes, bytes]:
        import subprocess

        done = subprocess.run(argv, input=stdin, capture_output=True, check=False)
        return done.returncode, done.stdout, done.stderr

    def run_both(self, first: Callable[[], None], second: Callable[[], None]) -> None:
        """``first`` here and ``second`` in a thread; the first error raises."""
        import threading

        errors: list[BaseException] = []

        def run() -> None:
            try:
                second()
            except BaseException as exc:  # handed to the caller below
                errors.append(exc)

        thread = threading.Thread(target=run, name="dockproto-stdin", daemon=True)
        thread.start()
        try:
            first()
        finally:
            thread.join()
        if errors:
            raise errors[0]


@contextmanager
def open_docker(
    host: str | None = None,
    *,
    api_version: str | None = None,
    tls: bool | ssl.SSLContext | None = None,
    context: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Docker]:
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
        docker.close()
