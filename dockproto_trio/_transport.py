"""Where the daemon is and how to reach it: ``unix://``, a bare socket path, ``tcp://``,
and TLS, read from arguments or from the environment as the docker CLI reads it.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass

import trio

from dockproto import DockerConnectionError

DEFAULT_HOST = "unix:///var/run/docker.sock"


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


def tls_context_from_env(cert_path: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """An ``SSLContext`` from ``DOCKER_CERT_PATH`` (``ca.pem``, ``cert.pem``, ``key.pem``)."""
    path = cert_path or os.environ.get("DOCKER_CERT_PATH") or os.path.expanduser("~/.docker")
    ca = os.path.join(path, "ca.pem")
    # No ca.pem: verify against the system's CAs, as the docker CLI does.
    cafile = ca if verify and os.path.exists(ca) else None
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    cert, key = os.path.join(path, "cert.pem"), os.path.join(path, "key.pem")
    if os.path.exists(cert) and os.path.exists(key):
        ctx.load_cert_chain(cert, key)
    return ctx


def resolve(host: str | None = None, tls: bool | ssl.SSLContext | None = None) -> Transport:
    """The transport for ``host`` (else ``DOCKER_HOST``, else the default Unix socket).

    ``tls``: an ``SSLContext``, True (from ``DOCKER_CERT_PATH``, verifying), False (plain),
    or None (``DOCKER_TLS_VERIFY`` decides, as in the docker CLI).
    """
    address = host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
    if address.startswith("unix://"):
        path = address[len("unix://") :]
        if not path:
            raise ValueError(f"no socket path in {address!r}")
        return Transport(address, path=path)
    if address.startswith("/") or address.startswith("./"):
        return Transport(address, path=address)
    for scheme in ("tcp://", "http://", "https://"):
        if address.startswith(scheme):
            rest = address[len(scheme) :].rstrip("/")
            break
    else:
        raise ValueError(f"unsupported Docker host {address!r} (unix://, tcp:// or a path)")
    if tls is None:
        tls = bool(os.environ.get("DOCKER_TLS_VERIFY")) or scheme == "https://"
    ctx: ssl.SSLContext | None
    if isinstance(tls, ssl.SSLContext):
        ctx = tls
    elif tls:
        ctx = tls_context_from_env()
    else:
        ctx = None
    if rest.startswith("["):
        hostpart, _, portpart = rest[1:].partition("]")
        portpart = portpart.lstrip(":")
    else:
        hostpart, _, portpart = rest.rpartition(":") if ":" in rest else (rest, "", "")
    if not hostpart:
        raise ValueError(f"no host in {address!r}")
    try:
        port = int(portpart) if portpart else (2376 if ctx else 2375)
    except ValueError:
        raise ValueError(f"bad port in {address!r}") from None
    return Transport(address, host=hostpart, port=port, ssl_context=ctx)
