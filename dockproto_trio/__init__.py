"""dockproto_trio: the trio adapter for dockproto.

``async with dockproto_trio.open_docker() as docker:`` then ``await docker.version()``,
``docker.containers.*``, ``docker.exec.*``, ``docker.images.*``, ``docker.networks.*``,
``docker.volumes.*``.
"""

from ._client import Docker, open_docker
from ._streams import DockerStream, EventStream, TarStream
from ._transport import DockerConnectionError, Transport, resolve

__all__ = [
    "Docker",
    "DockerConnectionError",
    "DockerStream",
    "EventStream",
    "TarStream",
    "Transport",
    "open_docker",
    "resolve",
]
