"""Where the daemon is and how to reach it: ``unix://``, a bare socket path, ``tcp://``,
and TLS, read from arguments or from the environment as the docker CLI reads it.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

import trio

from dockproto import DEFAULT_HOST, DockerConnectionError, resolve_host
from dockproto._hosts import cert_files, docker_cert_path

__all__ = ["DEFAULT_HOST", "Transport", "resolve", "tls_context_from_env"]


@dataclass(frozen=True)
class Transport:
    """An address to open byte streams to: a Unix socket path, or a TCP host and port."""

    address: str
    path: str | None = None
    host: str | None = None
    port: int | None = None
    ssl_context: ssl.SSLContext | None = None

    @property
    def http_host(self) -> str:
        """The ``Host`` header: the daemon's name over TCP, a placeholder over Unix."""
        if self.host is None:
            return "docker"
        return f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"

    async def connect(self) -> trio.abc.HalfCloseableStream | trio.SSLStream[trio.SocketStream]:
        """Open a new stream to the daemon; ``DockerConnectionError`` names the address."""
        try:
            if self.path is not None:
                return await trio.open_unix_socket(self.path)
            assert self.host is not None and self.port is not None
            if self.ssl_context is not None:
                stream = await trio.open_ssl_over_tcp_stream(
                    self.host, self.port, ssl_context=self.ssl_context, https_compatible=True
                )
                try:
                    await stream.do_handshake()
                except BaseException:
                    await trio.aclose_forcefully(stream)  # a refused handshake keeps no socket
                    raise
                return stream
            return await trio.open_tcp_stream(self.host, self.port)
        except (OSError, trio.BrokenResourceError) as exc:
            exc = exc.__cause__ if isinstance(exc.__cause__, OSError) else exc  # TLS: the SSLError
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise DockerConnectionError(self.address, reason or type(exc).__name__) from None


def _environ() -> Mapping[str, str]:
    """``os.environ``, with ``HOME`` as ``os.path.expanduser`` finds it when unset."""
    if "HOME" in os.environ:
        return os.environ
    return {**os.environ, "HOME": os.path.expanduser("~")}


def _tls_context(cert_dir: str, verify: bool) -> ssl.SSLContext:
    ca, cert, key = cert_files(cert_dir)
    # No ca.pem: verify against the system's CAs, as the docker CLI does.
    cafile = ca if verify and os.path.exists(ca) else None
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if os.path.exists(cert) and os.path.exists(key):
        ctx.load_cert_chain(cert, key)
    return ctx


def tls_context_from_env(cert_path: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """An ``SSLContext`` from ``DOCKER_CERT_PATH`` (``ca.pem``, ``cert.pem``, ``key.pem``)."""
    return _tls_context(cert_path or docker_cert_path(_environ()), verify)


def resolve(host: str | None = None, tls: bool | ssl.SSLContext | None = None) -> Transport:
    """The transport for ``host`` (else ``DOCKER_HOST``, else the default Unix socket).

    ``tls``: an ``SSLContext``, True (from ``DOCKER_CERT_PATH``, verifying), False (plain),
    or None (``DOCKER_TLS_VERIFY`` decides, as in the docker CLI).  The decision is
    ``dockproto.resolve_host``'s, on ``os.environ``.
    """
    spec = resolve_host(host, tls=True if isinstance(tls, ssl.SSLContext) else tls, env=_environ())
    if spec.path is not None:
        return Transport(spec.address, path=spec.path)
    ctx: ssl.SSLContext | None = None
    if isinstance(tls, ssl.SSLContext):
        ctx = tls
    elif spec.tls:
        assert spec.cert_dir is not None
        ctx = _tls_context(spec.cert_dir, spec.verify)
    return Transport(spec.address, host=spec.host, port=spec.port, ssl_context=ctx)
