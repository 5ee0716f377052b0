"""dockproto_sync: the Docker Engine API client, blocking.

``with dockproto_sync.open_docker() as docker:`` then ``docker.version()``,
``docker.containers.*``, ``docker.exec.*``, ``docker.images.*``, ``docker.networks.*``,
``docker.volumes.*``; streams are iterated with ``for``.  Every call takes ``timeout=``
(see ``_backend.py`` for its one meaning).  The client is ``dockproto``'s, written once;
this package is its blocking I/O.
"""

from dockproto import CredentialError, DockerConnectionError, UnsafeArchiveError
from dockproto._drive.hosts import resolve
from dockproto._drive.sync import Docker, DockerStream, EventStream, ExecStream, TarStream

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
