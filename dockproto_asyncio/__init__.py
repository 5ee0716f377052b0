"""dockproto_asyncio: the Docker Engine API client on asyncio (and uvloop).

``async with dockproto_asyncio.open_docker() as docker:`` then ``await docker.version()``,
``docker.containers.*``, ``docker.exec.*``, ``docker.images.*``, ``docker.networks.*``,
``docker.volumes.*``.  Timeouts are asyncio's (``asyncio.timeout``); a cancelled call
closes its connection.  The client is ``dockproto``'s, written once; this package is its
asyncio I/O (``_backend.py``).
"""

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
