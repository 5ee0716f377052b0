"""What every client reads from the process before it connects: the environment, the
Docker context's files, and a stdlib TLS context for a ``tcp://`` host with TLS; and
whether an idle connection was closed (or written to) by the daemon; the client's
logger; an ssh child's stderr.  (Shared by the three clients, beside the driver they
share: the decisions are ``dockproto.resolve_host``'s, this is only their I/O.  Not
loaded by ``import dockproto``.)"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from dockproto import HostSpec, docker_cert_path, resolve_host
from dockproto._hosts import (
    DEFAULT_CONTEXT,
    DockerContext,
    default_context,
    docker_config_dir,
    load_context,
    parse_context_meta,
    with_current_context,
)

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


def environ(env: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """``env`` (a client's own environment), else ``os.environ``; with ``HOME`` as
    ``os.path.expanduser`` finds it when unset."""
    if env is None:
        env = os.environ
    if "HOME" in env:
        return env
    return {**env, "HOME": os.path.expanduser("~")}


def read_file(path: str) -> bytes | None:
    """A small file's bytes (``config.json``, a context's ``meta.json`` or certificate),
    or None when there is none."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


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
    host: str | None,
    tls: bool | ssl.SSLContext | None,
    env: Mapping[str, str] | None = None,
    context: str | None = None,
) -> tuple[HostSpec, ssl.SSLContext | None]:
    """Where ``host`` is (else the Docker context ``context``, else ``DOCKER_HOST``, else
    the context of ``DOCKER_CONTEXT`` or ``currentContext``, else the default socket) and
    the TLS context to speak to it with.  ``tls``: an ``SSLContext``, True (from
    ``DOCKER_CERT_PATH`` or the context, verifying), False (plain), or None
    (``DOCKER_TLS_VERIFY`` or the context decides, as in the docker CLI).  ``env``: the
    environment to read (else this process's)."""
    given = tls is not None and not isinstance(tls, bool)  # an SSLContext (ssl is loaded)
    spec = resolve_host(
        host,
        tls=True if given else tls,  # type: ignore[arg-type]
        env=environ(env),
        read=read_file,
        context=context,
    )
    if spec.path is not None or spec.argv is not None:
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


def resolve(
    host: str | None = None,
    tls: bool | ssl.SSLContext | None = None,
    env: Mapping[str, str] | None = None,
    context: str | None = None,
) -> HostSpec:
    """Where ``host`` is (else the Docker context, or ``DOCKER_HOST``, in the docker
    CLI's order, else the default socket), as ``dockproto.resolve_host`` decides on this process's
    environment (or ``env``) and the docker CLI's files."""
    return tls_context(host, tls, env, context)[0]


# -- Docker contexts: ``dockproto context ls|use`` ---------------------------------------


def current_context_name(env: Mapping[str, str] | None = None) -> str:
    """The context in use (``DOCKER_CONTEXT``, else ``currentContext``, else default):
    what ``docker context ls`` marks with ``*``."""
    from dockproto._hosts import context_name

    return context_name(environ(env), read_file)


def list_contexts(
    env: Mapping[str, str] | None = None,
) -> list[tuple[DockerContext | None, str, str | None]]:
    """Every context, as ``docker context ls`` lists them: ``default`` first, then the
    others by name; each as ``(context, name, error)``, the context None (and the
    error said) when its ``meta.json`` does not parse."""
    env = environ(env)
    found: list[tuple[DockerContext | None, str, str | None]] = []
    meta_dir = os.path.join(docker_config_dir(env), "contexts", "meta")
    try:
        folders = sorted(os.listdir(meta_dir))
    except (FileNotFoundError, NotADirectoryError):
        folders = []
    for folder in folders:
        path = os.path.join(meta_dir, folder, "meta.json")
        text = read_file(path)
        if text is None:
            continue
        try:
            ctx = parse_context_meta(text, path)
        except ValueError as exc:
            found.append((None, folder, str(exc)))
            continue
        found.append((ctx, ctx.name, None))
    found.sort(key=lambda row: row[1])
    return [(default_context(env), DEFAULT_CONTEXT, None), *found]


def use_context(name: str, env: Mapping[str, str] | None = None) -> str:
    """``docker context use NAME``: ``currentContext`` written into ``config.json``
    (every other key kept; the file replaced whole, its mode kept, 0600 when new); a
    context that does not exist is a ``ValueError`` naming it.  The file's path."""
    env = environ(env)
    load_context(name, env, read_file)  # (it must exist)
    folder = docker_config_dir(env)
    path = os.path.join(folder, "config.json")
    text = with_current_context(read_file(path), name, path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o600
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


# -- an ssh child's stderr ----------------------------------------------------------------


class ChildStderr:
    """Where an ssh child writes its stderr: a file in memory, never a pipe (one that
    nobody reads while the connection lives would fill, and stall ssh); its tail makes
    the message of a connection that failed."""

    TAIL = 4096

    def __init__(self) -> None:
        try:
            self.fd = os.memfd_create("dockproto-ssh-stderr", os.MFD_CLOEXEC)
        except (AttributeError, OSError):  # (not Linux: an unlinked temporary file)
            import tempfile

            self.fd, name = tempfile.mkstemp(prefix="dockproto-ssh-")
            os.unlink(name)

    def tail(self) -> bytes:
        try:
            size = os.fstat(self.fd).st_size
            return os.pread(self.fd, self.TAIL, max(0, size - self.TAIL))
        except OSError:
            return b""

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def child_env(env: Mapping[str, str]) -> dict[str, str]:
    """The ssh child's environment: the client's own (``SSH_AUTH_SOCK`` and the rest)."""
    return dict(env)


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
