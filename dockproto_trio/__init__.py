"""dockproto_trio: the Docker Engine API client on trio.

``async with dockproto_trio.open_docker() as docker:`` then ``await docker.version()``,
``docker.containers.*``, ``docker.exec.*``, ``docker.images.*``, ``docker.networks.*``,
``docker.volumes.*``.  The client is ``dockproto``'s, written once; this package is its
trio I/O (``_backend.py``).
"""

try:
    import trio  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError("dockproto_trio needs trio: pip install 'dockproto[trio]'") from exc

from dockproto import CredentialError, DockerConnectionError, UnsafeArchiveError
from dockproto._drive.aio import Docker, DockerStream, EventStream, ExecStream, TarStream
from dockproto._drive.hosts import resolve

from ._backend import Backend, open_docker

__all__ = [
    "Backend",
    "CredentialError",
    "Docker",
    "DockerConnectionError",
    "DockerStream",
    "EventStream",
    "ExecStream",
    "TarStream",
    "UnsafeArchiveError",
    "open_docker",
    "resolve",
]
