"""What every client reads from the process before it connects: the environment, and
a stdlib TLS context for a ``tcp://`` host with TLS; and whether an idle connection was
closed (or written to) by the daemon; the client's logger.  (Shared by the three
clients, beside the driver they share: the decisions are ``dockproto.resolve_host``'s,
this is only their I/O.  Not loaded by ``import dockproto``.)"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from dockproto import HostSpec, docker_cert_path, resolve_host

if TYPE_CHECKING:  # (imported when TLS is used: ssl costs ~10 ms to load)
    import logging
    import ssl

_DEBUG = 10  # logging.DEBUG


class DebugLog:
    """A client's logger (``dockproto.trio``, ``dockproto.asyncio``, ``dockproto.sync``)
    when it is enabled for DEBUG, else None: the driver asks once per request.

    ``logging`` is never imported here: a program that has not imported it cannot have
    switched any logging on, so until it is loaded the answer is None at the cost of a
    dict lookup (and ``import logging`` brings ``threading`` and ~5 ms of start-up)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger: logging.Logger | None = None

    def __call__(self) -> logging.Logger | None:
        logger = self._logger
        if logger is None:
            module = sys.modules.get("logging")
            if module is None:
                return None
            logger = self._logger = module.getLogger(self.name)
        return logger if logger.isEnabledFor(_DEBUG) else None


def environ() -> Mapping[str, str]:
    """``os.environ``, with ``HOME`` as ``os.path.expanduser`` finds it when unset."""
    if "HOME" in os.environ:
        return os.environ
    return {**os.environ, "HOME": os.path.expanduser("~")}


def _context(spec: HostSpec) -> ssl.SSLContext:
    import ssl

    ca, cert, key = spec.ca_file, spec.cert_file, spec.key_file
    # No ca.pem: verify against the system's CAs, as the docker CLI does.
    cafile = ca if spec.verify and ca is not None and os.path.exists(ca) else None
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if not spec.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert and key and os.path.exists(cert) and os.path.exists(key):
        ctx.load_cert_chain(cert, key)
    return ctx


def tls_context(
    host: str | None, tls: bool | ssl.SSLContext | None
) -> tuple[HostSpec, ssl.SSLContext | None]:
    """Where ``host`` is (else ``DOCKER_HOST``, else the default socket) and the TLS
    context to speak to it with.  ``tls``: an ``SSLContext``, True (from
    ``DOCKER_CERT_PATH``, verifying), False (plain), or None (``DOCKER_TLS_VERIFY``
    decides, as in the docker CLI)."""
    given = tls is not None and not isinstance(tls, bool)  # an SSLContext (ssl is loaded)
    spec = resolve_host(host, tls=True if given else tls, env=environ())  # type: ignore[arg-type]
    if spec.path is not None:
        return spec, None
    if tls is not None and not isinstance(tls, bool):
        return spec, tls
    return spec, _context(spec) if spec.tls else None


def tls_context_from_env(cert_path: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """An ``SSLContext`` from ``cert_path`` (else ``DOCKER_CERT_PATH``): ``ca.pem``,
    ``cert.pem``, ``key.pem``."""
    cert_dir = cert_path or docker_cert_path(environ())
    spec = HostSpec("tcp://", "tcp", host="", port=0, tls=True, verify=verify, cert_dir=cert_dir)
    return _context(spec)


def resolve(host: str | None = None, tls: bool | ssl.SSLContext | None = None) -> HostSpec:
    """Where ``host`` is (else ``DOCKER_HOST``, else the default socket), as
    ``dockproto.resolve_host`` decides on this process's environment."""
    return tls_context(host, tls)[0]


def readable_now(fd: int) -> bool:
    """Whether an idle connection is readable: end of file, or bytes nobody asked for
    (then it is not reused)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class IdleCheck:
    """``readable_now`` of one connection, asked before each reuse: its poll object is
    made and registered once, so that each check is the one ``poll`` call."""

    def __init__(self, fd: int) -> None:
        self._poller = select.poll()
        self._poller.register(fd, select.POLLIN)

    def __call__(self) -> bool:
        return bool(self._poller.poll(0))
