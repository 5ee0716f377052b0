"""dockproto_trio: the trio adapter for dockproto.

``async with dockproto_trio.open_docker() as docker:`` then ``await docker.version()``,
``docker.containers.*``, ``docker.exec.*``, ``docker.images.*``, ``docker.networks.*``,
``docker.volumes.*``.
"""

from ._auth import CredentialError
from ._client import Docker, open_docker
from ._extract import UnsafeArchiveError
from ._streams import DockerStream, EventStream, ExecStream, TarStream
from ._transport import DockerConnectionError, Transport, resolve

__all__ = [
    "CredentialError",
    "Docker",
    "DockerConnectionError",
    "DockerStream",
    "EventStream",
    "ExecStream",
    "TarStream",
    "Transport",
    "UnsafeArchiveError",
    "open_docker",
    "resolve",
]
