"""Where the daemon is and whether to speak TLS to it, decided as the docker CLI decides.

``resolve_host`` reads the explicit arguments and an environment *mapping* it is given
(``DOCKER_HOST``, ``DOCKER_CONTEXT``, ``DOCKER_CONFIG``, ``DOCKER_TLS_VERIFY``,
``DOCKER_CERT_PATH``, ``HOME``); it never reads ``os.environ`` or anything else.  Docker
contexts are files (``config.json``'s ``currentContext``, each context's ``meta.json``
and TLS material): those it asks of a ``read`` callback the I/O client gives it (a
path in, the file's bytes or None out).  Its answer, a ``HostSpec``, names the endpoint
and the certificate files to load, or the ``ssh`` command to run per connection;
opening the socket or starting the process and building the TLS context (does
``ca.pem`` exist?) is the I/O client's work.

The order is the docker CLI's: an explicit host or an explicit context (its ``-H`` and
``--context``, which it refuses together, as ``resolve_host`` does), ``DOCKER_HOST``,
``DOCKER_CONTEXT``, ``currentContext``, the default socket.
"""

from __future__ import annotations

import os.path  # string functions only: join
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

DEFAULT_HOST = "unix:///var/run/docker.sock"
DEFAULT_CONTEXT = "default"
# A context's file reader: a path in, the file's bytes out (None: no such file).
Reader = Callable[[str], "bytes | None"]
# ssh hosts: pooled connections per client (each one an ssh process and an ssh login),
# so at most as many whole-answer requests at once; a stream or an attach has an ssh
# child of its own while it is open.  And ssh logins under way at once per client (an
# ssh child counts until the first byte of an answer comes through it): sshd refuses
# bursts of unauthenticated connections (MaxStartups, 10 by default).
SSH_MAX_CONNECTIONS = 4
SSH_MAX_STARTUPS = 4
# Options given to every ssh, as the docker CLI gives them (a connection time limit, no
# terminal), and never a prompt (a password or a new host key would wait for ever on a
# terminal nobody watches: refused instead).  Nothing that overrides the user's
# ~/.ssh/config or known_hosts.
SSH_OPTIONS = ("-o", "ConnectTimeout=30", "-T", "-o", "BatchMode=yes")
# ssh's stderr kept for an error message: its last lines, at most this many characters.
SSH_REASON_CHARS = 400
# An ssh child whose stdout ended before a byte came through: the longest wait for its
# exit status (which tells a failed login from a daemon that closed), in seconds.
SSH_EXIT_WAIT = 5.0
# A connection's ssh child is ended with SIGTERM (ssh then ends its own children: a
# ProxyCommand), and with SIGKILL if it has not exited after this many seconds.
SSH_TERM_GRACE = 1.0


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
    kind: Literal["unix", "tcp", "ssh"]
    path: str | None = None
    host: str | None = None
    port: int | None = None
    tls: bool = False
    # Every TLS connection resolve_host decides on verifies the daemon (DOCKER_TLS_VERIFY
    # and tls=True both do), unless a context says SkipTLSVerify; a client that wants
    # less passes its own TLS context.
    verify: bool = False
    cert_dir: str | None = None
    # ssh: the login name, if the address names one, and the command to run for each
    # connection (its stdin and stdout are the connection).
    user: str | None = None
    argv: tuple[str, ...] | None = None
    # The Docker context the endpoint came from (None: an address, or the default).
    context: str | None = None

    @property
    def max_connections(self) -> int | None:
        """Pooled connections (None: no bound beyond the client's own): an ssh host's
        are ``SSH_MAX_CONNECTIONS`` (so many whole-answer requests at once, and idle)."""
        return SSH_MAX_CONNECTIONS if self.kind == "ssh" else None

    @property
    def http_host(self) -> str:
        """The ``Host`` header: the daemon's name over TCP, a placeholder over Unix and
        ssh (the daemon is reached through a socket on the far side)."""
        if self.host is None or self.kind == "ssh":
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
    host: str | None = None,
    *,
    tls: bool | None = None,
    env: Mapping[str, str],
    read: Reader | None = None,
    context: str | None = None,
) -> HostSpec:
    """The endpoint for ``host``, else the Docker context ``context``, else
    ``env["DOCKER_HOST"]``, else a Docker context (``env["DOCKER_CONTEXT"]``, else
    ``currentContext`` in ``config.json``), else ``DEFAULT_HOST``: the docker CLI's
    order (``-H``, ``--context``, then the environment and the files).

    ``host`` is ``unix://PATH``, a bare path (``/...`` or ``./...``), ``tcp://HOST[:PORT]``
    (also ``http://``, ``https://``; ``[v6]:PORT``), or ``ssh://[USER@]HOST[:PORT][/PATH]``;
    the TCP port defaults to 2376 with TLS and 2375 without.  ``tls``: True or False, or
    None to let ``env["DOCKER_TLS_VERIFY"]`` (any non-empty value, as in the docker
    CLI), an ``https://`` address or the context's TLS material decide.  TLS applies to
    TCP only.

    Contexts are read only through ``read`` (without it, none is: an address or the
    default); a context that does not exist, or whose files do not parse, is a
    ``ValueError`` naming it, as is an address it cannot use.
    """
    if host and context:
        raise ValueError(f"a host ({host!r}) and a context ({context!r}) were both given: give one")
    if context and not host:
        if read is None:
            raise ValueError(f"the context {context!r} cannot be read: no reader given")
        return context_host(context, env, read, tls=tls)
    address = host or env.get("DOCKER_HOST")
    if not address and read is not None:
        name = context_name(env, read)
        if name != DEFAULT_CONTEXT:
            return context_host(name, env, read, tls=tls)
    return _endpoint(address or DEFAULT_HOST, tls, env)


def _endpoint(
    address: str,
    tls: bool | None,
    env: Mapping[str, str],
    *,
    context: str | None = None,
    cert_dir: str | None = None,
    verify: bool = True,
) -> HostSpec:
    """``address`` as a ``HostSpec``; from a context, ``cert_dir`` and ``verify`` are its
    TLS material and ``not SkipTLSVerify``."""
    if address.startswith("unix://"):
        path = address[len("unix://") :]
        if not path:
            raise ValueError(f"no socket path in {address!r}")
        return HostSpec(address, "unix", path=path, context=context)
    if address.startswith("/") or address.startswith("./"):
        return HostSpec(address, "unix", path=address, context=context)
    if address.startswith("ssh://"):
        return ssh_host(address, context=context)
    for scheme in ("tcp://", "http://", "https://"):
        if address.startswith(scheme):
            rest = address[len(scheme) :].rstrip("/")
            break
    else:
        raise ValueError(f"unsupported Docker host {address!r} (unix://, tcp://, ssh:// or a path)")
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
        verify=tls and verify,
        cert_dir=(cert_dir or docker_cert_path(env)) if tls else None,
        context=context,
    )


# -- ssh ---------------------------------------------------------------------------------


def ssh_host(address: str, *, context: str | None = None) -> HostSpec:
    """``ssh://[USER@]HOST[:PORT][/PATH]`` as the docker CLI reads it: ``ssh [-l USER]
    [-p PORT] OPTIONS -- HOST docker system dial-stdio`` per connection (with ``PATH``,
    ``docker --host=unix://PATH system dial-stdio``: the daemon's socket on the far
    side).  A password, a query or a fragment in the address is a ``ValueError``."""
    rest = address[len("ssh://") :]
    authority, slash, path = rest.partition("/")
    path = slash + path
    for mark, what in (("?", "query parameters"), ("#", "fragments")):
        if mark in authority or mark in path:
            raise ValueError(f"{what} are not allowed in an ssh host: {address!r}")
    userinfo, at, hostport = authority.rpartition("@")
    user = userinfo if at else None
    if user is not None and ":" in user:
        raise ValueError(f"a password in an ssh host is not supported: {_redact(address)!r}")
    if at and not user:
        raise ValueError(f"an empty user name in {address!r}")
    if hostport.startswith("["):
        hostname, _, portpart = hostport[1:].partition("]")
        if portpart and not portpart.startswith(":"):
            raise ValueError(f"bad port in {address!r}")
        portpart = portpart[1:]
    else:
        hostname, _, portpart = hostport.partition(":")
    if not hostname:
        raise ValueError(f"no host in {address!r}")
    port = None
    if portpart:
        if not portpart.isdigit() or not 0 < int(portpart) < 65536:
            raise ValueError(f"bad port in {address!r}")
        port = int(portpart)
    socket = path if path.strip("/") else None
    return HostSpec(
        address,
        "ssh",
        host=hostname,
        port=port,
        user=user,
        argv=ssh_argv(hostname, user=user, port=port, socket=socket),
        context=context,
    )


def ssh_argv(
    host: str, *, user: str | None = None, port: int | None = None, socket: str | None = None
) -> tuple[str, ...]:
    """The command that makes one connection to the daemon on ``host`` (the docker CLI's
    connection helper): ``ssh``'s stdin and stdout are the connection.  The remote
    command is one string, quoted for the remote shell."""
    argv = ["ssh"]
    if user is not None:
        argv += ["-l", user]
    if port is not None:
        argv += ["-p", str(port)]
    remote = ["docker", "system", "dial-stdio"]
    if socket is not None:
        import shlex  # (here: ~10 ms that a program without ssh need not load)

        remote[1:1] = [shlex.quote("--host=unix://" + socket)]
    return (*argv, *SSH_OPTIONS, "--", host, " ".join(remote))


def ssh_reason(stderr: bytes, returncode: int | None) -> str:
    """What went wrong, from the ssh child's stderr (its last lines, trimmed) and its
    exit status: the reason of the ``DockerConnectionError`` that names the host."""
    text = stderr.decode("utf-8", "replace").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    reason = ""
    for line in reversed(lines):  # the last lines, as many as fit
        joined = line if not reason else f"{line} {reason}"
        if len(joined) > SSH_REASON_CHARS:
            if not reason:
                reason = "..." + line[-(SSH_REASON_CHARS - 3) :]
            break
        reason = joined
    if returncode is None:
        status = "ssh ended the connection"
    elif returncode < 0:
        status = f"ssh was killed by signal {-returncode}"
    else:
        status = f"ssh exited with status {returncode}"
    return f"{status}: {reason}" if reason else status


def ssh_failed(returncode: int | None, received: int) -> bool:
    """Whether a connection whose ssh child ended (its stdout at end of file, or its
    stdin refused) failed to connect, rather than was closed by the daemon: ssh exited
    with an error before a byte came through (as the docker CLI judges it, by the exit
    status; a connection that worked ends as the daemon ends it)."""
    return received == 0 and returncode is not None and returncode != 0


def _redact(address: str) -> str:
    scheme, _, rest = address.partition("://")
    userinfo, at, hostport = rest.rpartition("@")
    if not at:
        return address
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{hostport}"


# -- Docker contexts ---------------------------------------------------------------------


def docker_config_dir(env: Mapping[str, str]) -> str:
    """The docker CLI's configuration folder: ``DOCKER_CONFIG``, else ``~/.docker``."""
    return env.get("DOCKER_CONFIG") or docker_dir(env)


def context_id(name: str) -> str:
    """A context's folder name: the sha256 of its name, in hex (the docker CLI's)."""
    import hashlib  # (here, as json below: loaded by the programs that use contexts)

    return hashlib.sha256(name.encode()).hexdigest()


def context_meta_path(env: Mapping[str, str], name: str) -> str:
    """``contexts/meta/<sha256 of the name>/meta.json`` in the configuration folder."""
    return os.path.join(docker_config_dir(env), "contexts", "meta", context_id(name), "meta.json")


def context_tls_dir(env: Mapping[str, str], name: str) -> str:
    """``contexts/tls/<sha256 of the name>/docker``: the context's ``ca.pem``,
    ``cert.pem`` and ``key.pem`` for its Docker endpoint."""
    return os.path.join(docker_config_dir(env), "contexts", "tls", context_id(name), "docker")


def _json_object(text: bytes, source: str) -> dict[str, Any]:
    import json

    try:
        value = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"{source} is not valid JSON") from None
    if not isinstance(value, dict):
        raise ValueError(f"{source} is not a JSON object")
    return value


def current_context(config_text: bytes | None, source: str = "config.json") -> str:
    """``currentContext`` in ``config.json``'s text (``DEFAULT_CONTEXT`` when it is
    missing, empty, or there is no file)."""
    if config_text is None or not config_text.strip():
        return DEFAULT_CONTEXT
    name = _json_object(config_text, source).get("currentContext")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"currentContext in {source} is not a string")
    return name or DEFAULT_CONTEXT


def context_name(env: Mapping[str, str], read: Reader) -> str:
    """The context the docker CLI would use when no host is given and ``DOCKER_HOST``
    is unset: ``DOCKER_CONTEXT``, else ``currentContext`` (``config.json`` is read only
    then), else ``DEFAULT_CONTEXT``."""
    name = env.get("DOCKER_CONTEXT")
    if name:
        return name
    path = os.path.join(docker_config_dir(env), "config.json")
    return current_context(read(path), path)


@dataclass(frozen=True)
class DockerContext:
    """A context as ``meta.json`` describes it: its ``name``, ``description``, its
    Docker endpoint's ``host`` and ``skip_tls_verify``."""

    name: str
    description: str
    host: str
    skip_tls_verify: bool = False


def parse_context_meta(text: bytes, source: str = "meta.json") -> DockerContext:
    """A context's ``meta.json`` (``Name``, ``Metadata.Description``,
    ``Endpoints.docker.Host`` and ``SkipTLSVerify``); a ``ValueError`` naming ``source``
    when it does not parse or has no Docker endpoint."""
    meta = _json_object(text, source)
    name = meta.get("Name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{source} names no context")
    metadata = meta.get("Metadata") or {}
    description = metadata.get("Description", "") if isinstance(metadata, dict) else ""
    endpoints = meta.get("Endpoints") or {}
    docker = endpoints.get("docker") if isinstance(endpoints, dict) else None
    if not isinstance(docker, dict):
        raise ValueError(f"context {name!r} has no docker endpoint ({source})")
    host = docker.get("Host")
    if not isinstance(host, str) or not host:
        raise ValueError(f"context {name!r} has no Docker host ({source})")
    skip = docker.get("SkipTLSVerify", False)
    return DockerContext(
        name, description if isinstance(description, str) else "", host, skip is True
    )


def default_context(env: Mapping[str, str]) -> DockerContext:
    """The ``default`` context: ``DOCKER_HOST``, else the default socket."""
    return DockerContext(
        DEFAULT_CONTEXT,
        "Current DOCKER_HOST based configuration",
        env.get("DOCKER_HOST") or DEFAULT_HOST,
    )


def load_context(name: str, env: Mapping[str, str], read: Reader) -> DockerContext:
    """The context ``name`` (``read`` gives its ``meta.json``); one that does not exist
    is a ``ValueError`` that names it."""
    if name == DEFAULT_CONTEXT:
        return default_context(env)
    path = context_meta_path(env, name)
    text = read(path)
    if text is None:
        raise ValueError(
            f"Docker context {name!r} does not exist (no {path}); "
            "`docker context ls` lists the contexts"
        )
    found = parse_context_meta(text, path)
    if found.name != name:
        raise ValueError(f"{path} is the context {found.name!r}, not {name!r}")
    return found


def context_host(
    name: str, env: Mapping[str, str], read: Reader, *, tls: bool | None = None
) -> HostSpec:
    """The endpoint of the context ``name``: its host, with TLS when the context has TLS
    material (``ca.pem``, ``cert.pem``, ``key.pem`` under ``contexts/tls/``) or says
    ``SkipTLSVerify`` (then without verifying the daemon), as the docker CLI does."""
    found = load_context(name, env, read)
    if name == DEFAULT_CONTEXT:
        return _endpoint(found.host, tls, env)
    tls_dir = context_tls_dir(env, name)
    material = any(read(path) is not None for path in cert_files(tls_dir))
    if tls is None:
        tls = material or found.skip_tls_verify
    return _endpoint(
        found.host,
        tls,
        env,
        context=name,
        cert_dir=tls_dir if material else None,
        verify=not found.skip_tls_verify,
    )


def with_current_context(config_text: bytes | None, name: str, source: str = "config.json") -> str:
    """``config.json``'s new text after ``docker context use NAME``: ``currentContext``
    set (removed for ``default``), every other key kept as it was."""
    config = _json_object(config_text, source) if config_text and config_text.strip() else {}
    if name == DEFAULT_CONTEXT:
        config.pop("currentContext", None)
    else:
        config["currentContext"] = name
    import json

    return json.dumps(config, indent="\t") + "\n"


__all__ = [
    "DEFAULT_CONTEXT",
    "DEFAULT_HOST",
    "SSH_MAX_CONNECTIONS",
    "SSH_MAX_STARTUPS",
    "DockerContext",
    "HostSpec",
    "cert_files",
    "context_host",
    "context_meta_path",
    "context_name",
    "context_tls_dir",
    "docker_cert_path",
    "docker_config_dir",
    "load_context",
    "parse_context_meta",
    "resolve_host",
    "ssh_argv",
    "ssh_host",
    "with_current_context",
]
