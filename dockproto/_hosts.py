"""Where the daemon is and whether to speak TLS to it, decided as the docker CLI decides.

``resolve_host`` reads the explicit arguments and an environment *mapping* it is given
(``DOCKER_HOST``, ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH``, ``HOME``); it never reads
``os.environ``, the file system or anything else.  Its answer, a ``HostSpec``, names the
endpoint and the certificate files to load; opening the socket and building the TLS
context (does ``ca.pem`` exist?) is the I/O client's work.
"""

from __future__ import annotations

import os.path  # string functions only: join
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

DEFAULT_HOST = "unix:///var/run/docker.sock"


def docker_dir(env: Mapping[str, str]) -> str:
    """``~/.docker``, with ``~`` taken from ``env["HOME"]`` (as ``os.path.expanduser``)."""
    home = env.get("HOME")
    if home is None:
        raise ValueError("no HOME in the environment to find ~/.docker")
    return home.rstrip("/") + "/.docker"


def docker_cert_path(env: Mapping[str, str]) -> str:
    """The folder of ``ca.pem``, ``cert.pem`` and ``key.pem``: ``DOCKER_CERT_PATH``, else
    ``~/.docker`` (``~`` from ``env["HOME"]``; a ``ValueError`` when neither is set)."""
    return env.get("DOCKER_CERT_PATH") or docker_dir(env)


def cert_files(cert_dir: str) -> tuple[str, str, str]:
    """``ca.pem``, ``cert.pem`` and ``key.pem`` in ``cert_dir``, the docker CLI's names."""
    join = os.path.join
    return join(cert_dir, "ca.pem"), join(cert_dir, "cert.pem"), join(cert_dir, "key.pem")


@dataclass(frozen=True)
class HostSpec:
    """An endpoint as ``resolve_host`` decided it: a Unix socket ``path``, or a TCP
    ``host`` and ``port`` with ``tls`` on or off.  ``address`` is the text it came from,
    for messages.  With TLS, ``cert_dir`` holds the files to load (``ca_file`` to verify
    the daemon with, when it exists; ``cert_file`` and ``key_file`` as the client's
    certificate, when both exist)."""

    address: str
    kind: Literal["unix", "tcp"]
    path: str | None = None
    host: str | None = None
    port: int | None = None
    tls: bool = False
    # Every TLS connection resolve_host decides on verifies the daemon (DOCKER_TLS_VERIFY
    # and tls=True both do); a client that wants less passes its own TLS context.
    verify: bool = False
    cert_dir: str | None = None

    @property
    def http_host(self) -> str:
        """The ``Host`` header: the daemon's name over TCP, a placeholder over Unix."""
        if self.host is None:
            return "docker"
        return f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"

    @property
    def ca_file(self) -> str | None:
        """``ca.pem`` in ``cert_dir`` (None without TLS); if it is missing, the docker CLI
        verifies against the system's CAs."""
        return None if self.cert_dir is None else cert_files(self.cert_dir)[0]

    @property
    def cert_file(self) -> str | None:
        """``cert.pem`` in ``cert_dir``: the client's certificate (None without TLS)."""
        return None if self.cert_dir is None else cert_files(self.cert_dir)[1]

    @property
    def key_file(self) -> str | None:
        """``key.pem`` in ``cert_dir``: the client certificate's key (None without TLS)."""
        return None if self.cert_dir is None else cert_files(self.cert_dir)[2]


def resolve_host(
    host: str | None = None, *, tls: bool | None = None, env: Mapping[str, str]
) -> HostSpec:
    """The endpoint for ``host`` (else ``env["DOCKER_HOST"]``, else ``DEFAULT_HOST``).

    ``host`` is ``unix://PATH``, a bare path (``/...`` or ``./...``), or
    ``tcp://HOST[:PORT]`` (also ``http://``, ``https://``; ``[v6]:PORT``); the port
    defaults to 2376 with TLS and 2375 without.  ``tls``: True or False, or None to let
    ``env["DOCKER_TLS_VERIFY"]`` (any non-empty value, as in the docker CLI) or an
    ``https://`` address decide.  TLS applies to TCP only.  A ``ValueError`` for an
    address it cannot use.  Reads nothing but its arguments.
    """
    address = host or env.get("DOCKER_HOST") or DEFAULT_HOST
    if address.startswith("unix://"):
        path = address[len("unix://") :]
        if not path:
            raise ValueError(f"no socket path in {address!r}")
        return HostSpec(address, "unix", path=path)
    if address.startswith("/") or address.startswith("./"):
        return HostSpec(address, "unix", path=address)
    for scheme in ("tcp://", "http://", "https://"):
        if address.startswith(scheme):
            rest = address[len(scheme) :].rstrip("/")
            break
    else:
        raise ValueError(f"unsupported Docker host {address!r} (unix://, tcp:// or a path)")
    if tls is None:
        tls = bool(env.get("DOCKER_TLS_VERIFY")) or scheme == "https://"
    if rest.startswith("["):
        hostpart, _, portpart = rest[1:].partition("]")
        portpart = portpart.lstrip(":")
    else:
        hostpart, _, portpart = rest.rpartition(":") if ":" in rest else (rest, "", "")
    if not hostpart:
        raise ValueError(f"no host in {address!r}")
    try:
        port = int(portpart) if portpart else (2376 if tls else 2375)
    except ValueError:
        raise ValueError(f"bad port in {address!r}") from None
    return HostSpec(
        address,
        "tcp",
        host=hostpart,
        port=port,
        tls=tls,
        verify=tls,
        cert_dir=docker_cert_path(env) if tls else None,
    )


__all__ = ["DEFAULT_HOST", "HostSpec", "cert_files", "docker_cert_path", "resolve_host"]
