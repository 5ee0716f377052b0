"""dockproto: the Docker Engine API as a sans-IO protocol.

Build requests with ``dockproto.api``, turn them into bytes with a ``Connection``, feed it
the bytes you read, and take typed events back.  No sockets, threads, clocks or event
loop: embed it in any I/O framework (``dockproto_trio`` is the one that ships).

The docker CLI's policy is here too, for every client to share: ``resolve_host`` decides
the daemon's address and TLS from an environment mapping, and ``credentials_for``
decides a registry's credentials from ``config.json``'s text; neither reads a file.
"""

from typing import TYPE_CHECKING, Any

from . import _models, api
from ._connection import Connection, State
from ._content import Content
from ._errors import (
    BadParameter,
    BuildError,
    Conflict,
    ContainerError,
    CredentialError,
    DockerConnectionError,
    DockerError,
    NoSuchContainer,
    NotFound,
    ProtocolError,
    ServerError,
    ServiceError,
    StreamError,
    SwarmUnavailable,
    UnsafeArchiveError,
)
from ._events import (
    NEED_DATA,
    ConnectionClosed,
    EndOfMessage,
    ErrorResponse,
    Hijacked,
    JSONMessage,
    RawData,
    Response,
    Result,
    StreamChunk,
    StreamKind,
    WebSocketMessage,
)
from ._hosts import DEFAULT_HOST, DockerContext, HostSpec, docker_cert_path, resolve_host
from ._request import Expect, Request
from ._version import CLIENT_MAX_API, CLIENT_MIN_API, negotiate

if TYPE_CHECKING:
    from ._credentials import (
        CredentialHelperCall,
        RegistryAuth,
        credentials_for,
        docker_config_path,
        registry_of,
    )
    from ._decode import NATIVE, Demuxer, TarReader
    from ._events import Event
    from ._models import (
        Bind,
        Change,
        ConfigRef,
        ContainerSummary,
        Convergence,
        ExecInspect,
        ExecResult,
        FromBody,
        FromImage,
        FromSrc,
        ImageSource,
        ImageSummary,
        Mount,
        MountRO,
        Node,
        Port,
        RunResult,
        SecretRef,
        Service,
        SwarmInfo,
        Task,
        Version,
        Vol,
        from_image,
    )
    from ._streamevents import EndOfArchive, TarData, TarMember, TarType

__version__ = "0.1.0"

_LAZY = {
    "NATIVE": "_decode",
    "Demuxer": "_decode",
    "TarReader": "_decode",
    "Event": "_events",  # (a union naming the tar events)
    "EndOfArchive": "_streamevents",
    "TarData": "_streamevents",
    "TarMember": "_streamevents",
    "TarType": "_streamevents",
    "CredentialHelperCall": "_credentials",
    "RegistryAuth": "_credentials",
    "credentials_for": "_credentials",
    "docker_config_path": "_credentials",
    "registry_of": "_credentials",
    **dict.fromkeys(_models.__all__, "_models"),  # (each area's models load on first use)
}


def __getattr__(name: str) -> Any:
    """Names loaded on first use: the stream decoders (with the C core), the tar events
    (and the ``Event`` union, which names them), the credentials policy and the models.

    A program that streams nothing never loads the decoders, and ``NATIVE`` still says
    whether the C core is what decodes (asking loads it, and warns then if it is
    missing)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CLIENT_MAX_API",
    "CLIENT_MIN_API",
    "DEFAULT_HOST",
    "NATIVE",
    "NEED_DATA",
    "BadParameter",
    "Bind",
    "BuildError",
    "Change",
    "ConfigRef",
    "Conflict",
    "Connection",
    "ConnectionClosed",
    "ContainerError",
    "ContainerSummary",
    "Content",
    "Convergence",
    "CredentialError",
    "CredentialHelperCall",
    "Demuxer",
    "DockerConnectionError",
    "DockerContext",
    "DockerError",
    "EndOfArchive",
    "EndOfMessage",
    "ErrorResponse",
    "Event",
    "ExecInspect",
    "ExecResult",
    "Expect",
    "FromBody",
    "FromImage",
    "FromSrc",
    "Hijacked",
    "HostSpec",
    "ImageSource",
    "ImageSummary",
    "JSONMessage",
    "Mount",
    "MountRO",
    "NoSuchContainer",
    "Node",
    "NotFound",
    "Port",
    "ProtocolError",
    "RawData",
    "RegistryAuth",
    "Request",
    "Response",
    "Result",
    "RunResult",
    "SecretRef",
    "ServerError",
    "Service",
    "ServiceError",
    "State",
    "StreamChunk",
    "StreamError",
    "StreamKind",
    "SwarmInfo",
    "SwarmUnavailable",
    "TarData",
    "TarMember",
    "TarReader",
    "TarType",
    "Task",
    "UnsafeArchiveError",
    "Version",
    "Vol",
    "WebSocketMessage",
    "api",
    "credentials_for",
    "docker_cert_path",
    "docker_config_path",
    "from_image",
    "negotiate",
    "registry_of",
    "resolve_host",
]
