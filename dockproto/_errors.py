"""The error hierarchy.

Two families, never mixed:

* ``DockerError`` and its subclasses: the daemon answered, with an error status.  The
  daemon's own message is always kept in ``.message``.
* ``ProtocolError``: the bytes on the wire broke the protocol (a malformed head, frame,
  chunk or tar header, or a stream cut off where it may not end).  ``offset`` is the byte
  offset into the decoded body (or the response) where the fault was found, when known.

Arguments the client can check itself raise the builtin ``ValueError`` before anything
is sent.

Three more that every client raises, kept here so that one ``except`` works on any
loop: ``DockerConnectionError`` (the daemon could not be reached: nothing was sent),
``CredentialError`` (a credential helper failed, or the config file is malformed) and
``UnsafeArchiveError`` (an archive member would land outside the extraction folder).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._events import StreamItem
    from ._models.containers import RunResult
    from ._models.swarm import Convergence


class DockerError(Exception):
    """The daemon answered with an error status; ``message`` is the daemon's own text."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(status_code, message)
        self.status_code = status_code
        self.message = message

    def __str__(self) -> str:
        return f"{self.status_code}: {self.message}"


class BadParameter(DockerError):
    """400: the daemon refused a parameter."""


class NotFound(DockerError):
    """404: no such object (container, image, exec, network, volume...)."""


class NoSuchContainer(NotFound):
    """404 on a container endpoint: the container does not exist."""


class Conflict(DockerError):
    """409: the request conflicts with the object's state (name in use, paused...)."""


class ServerError(DockerError):
    """5xx: the daemon failed."""


class ContainerError(DockerError):
    """A container that ``containers.run`` ran exited with a non-zero code.

    ``exit_code``, ``command``, ``image`` and ``stderr`` (its last ``STDERR_TAIL``
    bytes, also at the end of the message) say what failed; ``result`` is the whole
    ``RunResult``.  ``status_code`` is 0: the daemon answered every request, the
    program in the container failed.  ``check=False`` returns the result instead."""

    STDERR_TAIL = 4096

    def __init__(self, result: RunResult, command: list[str] | None, image: str) -> None:
        self.exit_code = result.exit_code
        self.command = command
        self.image = image
        self.stderr = result.stderr[-self.STDERR_TAIL :]
        self.result = result
        tail = self.stderr.decode(errors="replace").strip()
        if command:
            import shlex  # (only when a run failed)

            shown = f"command {shlex.join(command)!r}"
        else:
            shown = "the image's command"
        message = f"{shown} in image {image!r} exited with code {self.exit_code}"
        super().__init__(0, f"{message}: {tail}" if tail else message)

    def __str__(self) -> str:
        return self.message


class ProtocolError(Exception):
    """The peer broke the protocol; nothing on this connection can be trusted after it."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message if offset is None else f"{message} (at byte {offset})")
        self.message = message
        self.offset = offset
        # What a decoder had decoded before the fault, so that nothing before it is lost.
        self.events: list[StreamItem] = []


class StreamError(DockerError):
    """An error the daemon reported inside a stream that had started with 200.

    Pull, push, import and load report failures as a JSON message carrying ``error`` or
    ``errorDetail``; logs report a failing log driver on the system-error stream (3).
    """


class BuildError(StreamError):
    """A build failed (a ``RUN`` that exited non-zero, a ``COPY`` of what is not there...).

    ``message`` is the daemon's own; ``log`` is the build's output up to the failure
    (the ``stream`` texts, as ``docker build`` prints them; the last MiB of it).
    ``status_code`` is what the daemon's message gave (dockerd: the step's exit code),
    else 500."""

    def __init__(self, status_code: int, message: str, log: str = "") -> None:
        super().__init__(status_code, message)
        self.log = log


# podman 4.3 answers some conflicts with 500; its messages end with libpod's cause
# (``define.ErrCtrStateInvalid``, ``ErrCtrExists``, ...).  Those are conflicts all the
# same, so they get the ``Conflict`` class (the status code stays the one sent).
_CONFLICT_CAUSES = (
    "container state improper",
    "that name is already in use",
    "is in use by a container",
    "container already exists",
)


def error_for_status(status_code: int, message: str, *, container: bool = False) -> DockerError:
    """The typed exception for an error status (``container`` picks ``NoSuchContainer``)."""
    if (status_code >= 500 or status_code == 409) and (
        swarm := _swarm_error(status_code, message)
    ) is not None:
        return swarm
    cls: type[DockerError]
    if status_code >= 500 and message.rstrip().endswith(_CONFLICT_CAUSES):
        cls = Conflict
    elif status_code == 404:
        cls = NoSuchContainer if container else NotFound
    elif status_code == 409:
        cls = Conflict
    elif status_code == 400:
        cls = BadParameter
    elif status_code >= 500:
        cls = ServerError
    else:
        cls = DockerError
    return cls(status_code, message)


class DockerConnectionError(ConnectionError):
    """The daemon could not be reached at ``address`` (nothing was sent)."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"cannot connect to the Docker daemon at {address}: {reason}")
        self.address = address
        self.reason = reason


class CredentialError(RuntimeError):
    """A credential helper failed, or the config file is malformed."""


class UnsafeArchiveError(ValueError):
    """A member of the archive would land outside the destination folder."""


# -- Swarm ------------------------------------------------------------------------------


class SwarmUnavailable(DockerError):
    """The daemon cannot serve the Swarm API: a dockerd that is not a swarm manager (or
    not in a swarm) answers 503; podman has no Swarm routes (a 503 "Podman does not
    support service", or a bare 404 "Not Found" on a list, told from "no such object"
    by the engine's ``/version``).  ``engine`` is ``"docker"`` or ``"podman"``; the
    message says which case it is, then the daemon's own words."""

    def __init__(self, status_code: int, message: str, engine: str = "docker") -> None:
        super().__init__(status_code, message)
        self.engine = engine


class ServiceError(DockerError):
    """A service did not converge: a task of its current spec failed or was rejected, or
    its update was paused or rolled back (``services.wait_converged``).

    ``convergence`` is the judgement that said so (its ``task`` the failed task, when
    one is to blame); ``status_code`` is 0: the daemon answered every request."""

    def __init__(self, service: str, convergence: Convergence) -> None:
        self.service = service
        self.convergence = convergence
        super().__init__(0, f"service {service!r} failed: {convergence.message}")

    def __str__(self) -> str:
        return self.message


# dockerd's 503s on Swarm routes (daemon/cluster/errors.go), by what they begin with.
_NOT_A_MANAGER = "This node is not a swarm manager"
_NOT_IN_SWARM = "This node is not part of a swarm"
_ALREADY_IN_SWARM = "This node is already part of a swarm"
# podman 4.3's answer to a Swarm route it routes to its "unsupported" handler.
_PODMAN_UNSUPPORTED = "Podman does not support service"
# dockerd 20.10's 500 for a join token it cannot parse (a well-formed token of another
# swarm is swarmkit's 400 "A valid join token is necessary to join this cluster").
_INVALID_JOIN_TOKEN = "invalid join token"
# swarmkit's answer (a 500 on 20.10, a 409 later) to an update with a stale version.
_OUT_OF_SEQUENCE = "update out of sequence"
OUT_OF_SEQUENCE_HINT = (
    "the version sent is not the object's current one: inspect the object again and "
    "send its current version (Version.Index) with the update"
)


def _swarm_error(status_code: int, message: str) -> DockerError | None:
    """The Swarm errors a 5xx may be: ``SwarmUnavailable``; a ``Conflict`` (the status
    kept) for an update out of sequence or a node already in a swarm; a
    ``BadParameter`` (the status kept) for a malformed join token."""
    if message.startswith(_NOT_A_MANAGER):
        return SwarmUnavailable(status_code, f"the daemon is not a swarm manager: {message}")
    if message.startswith(_NOT_IN_SWARM):
        return SwarmUnavailable(status_code, f"the daemon is not in a swarm: {message}")
    if message.startswith(_PODMAN_UNSUPPORTED):
        return SwarmUnavailable(status_code, f"podman has no Swarm API: {message}", "podman")
    if message.startswith(_ALREADY_IN_SWARM):
        return Conflict(status_code, message)
    if message == _INVALID_JOIN_TOKEN:
        return BadParameter(status_code, message)
    if _OUT_OF_SEQUENCE in message:
        return Conflict(status_code, f"{message} ({OUT_OF_SEQUENCE_HINT})")
    return None


def podman_swarm_unavailable(
    method: str, path: str, status_code: int, message: str
) -> SwarmUnavailable:
    """podman's bare 404 on a Swarm route (a route it does not have)."""
    return SwarmUnavailable(
        status_code, f"podman has no Swarm API: {method} {path} answered {message!r}", "podman"
    )
