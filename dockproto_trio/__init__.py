"""dockproto_trio: the trio adapter for dockproto.

``async with dockproto_trio.open_docker() as docker:`` then ``await docker.version()``,
``docker.containers.*``, ``docker.exec.*``, ``docker.images.*``, ``docker.networks.*``,
``docker.volumes.*``.
"""

from dockproto import CredentialError, DockerConnectionError, UnsafeArchiveError

from ._client import Docker, open_docker
from ._streams import DockerStream, EventStream, ExecStream, TarStream
from ._transport import Transport, resolve

# (the error types live in dockproto, shared by every client; these are the same objects)

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
