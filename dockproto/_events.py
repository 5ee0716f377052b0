"""Events that ``Connection.next_event()`` yields, and the stream items the decoders emit.

A plain request goes ``Response`` -> ``Result`` (the typed JSON value) -> ``EndOfMessage``;
an error status goes ``Response`` -> ``ErrorResponse`` -> ``EndOfMessage``.  A streamed
body goes ``Response`` -> items (``StreamChunk``, ``JSONMessage``, ``TarMember``/``TarData``/
``EndOfArchive``, or ``RawData``) -> ``EndOfMessage``.  An upgrade (attach, exec start) goes
``Hijacked`` -> ``StreamChunk``... -> ``ConnectionClosed`` once the daemon closes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import DockerError, StreamError, error_for_status

if TYPE_CHECKING:  # (and the decoders' cheap constructors: see __getattr__ below)
    from ._streamevents import EndOfArchive, TarData, TarMember, TarType


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


NEED_DATA: Any = _Sentinel("NEED_DATA")
"""``next_event()`` needs more bytes: call ``receive_data()``."""


class StreamKind(enum.IntEnum):
    """The stream id of a multiplexed frame (byte 0 of its header)."""

    STDIN = 0
    STDOUT = 1
    STDERR = 2
    SYSTEMERR = 3


@dataclass(frozen=True, slots=True)
class StreamChunk:
    """Output of a container or exec: bytes from one stream, never decoded as text."""

    stream: StreamKind
    data: bytes


@dataclass(frozen=True, slots=True)
class RawData:
    """A slice of a body passed through undecoded (``tar.raw()``, unknown bodies)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Response:
    """The head of a final response.  Header names are lower-case bytes, as h11 gives them."""

    status_code: int
    headers: tuple[tuple[bytes, bytes], ...]
    reason: bytes = b""

    def header(self, name: str) -> str | None:
        """The value of the first header called ``name`` (case-insensitive), or None."""
        key = name.lower().encode("ascii")
        for k, v in self.headers:
            if k == key:
                return v.decode("latin-1")
        return None


@dataclass(frozen=True, slots=True)
class Result:
    """A whole-JSON answer, already turned into its model (see ``Request.parse``)."""

    value: Any


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """An error status with the daemon's message."""

    status_code: int
    message: str
    container: bool = False

    def exception(self) -> DockerError:
        """The typed exception (``NotFound``, ``Conflict``, ``BadParameter``, ``ServerError``)."""
        return error_for_status(self.status_code, self.message, container=self.container)


@dataclass(frozen=True, slots=True)
class JSONMessage:
    """One JSON value of a progress or event stream."""

    value: Any

    @property
    def error(self) -> str | None:
        """The in-stream error text (``errorDetail.message`` or ``error``), if any."""
        v = self.value
        if not isinstance(v, dict):
            return None
        detail = v.get("errorDetail")
        if isinstance(detail, dict) and detail.get("message"):
            return str(detail["message"])
        if v.get("error"):
            return str(v["error"])
        return None

    def exception(self) -> StreamError | None:
        """A ``StreamError`` for an in-stream error, else None."""
        msg = self.error
        if msg is None:
            return None
        code = 500
        detail = self.value.get("errorDetail")
        if isinstance(detail, dict) and isinstance(detail.get("code"), int):
            code = detail["code"]
        return StreamError(code, msg)


@dataclass(frozen=True, slots=True)
class Hijacked:
    """The connection was upgraded (``101``): it now carries the raw attach/exec stream.

    ``multiplexed`` is what the request knew (the TTY setting) or what a 1.42+
    ``Content-Type`` said.
    """

    headers: tuple[tuple[bytes, bytes], ...]
    multiplexed: bool


@dataclass(frozen=True, slots=True)
class EndOfMessage:
    """The body ended where the protocol says it may."""


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer closed the connection (after a hijack, the normal end of the stream)."""


_DECODER_ONLY = frozenset(
    {
        "EndOfArchive",
        "TarData",
        "TarMember",
        "TarType",
        "_JSONMessageInit",
        "_RawDataInit",
        "_StreamChunkInit",
        "_TarDataInit",
        "_TarMemberInit",
        "_json_message",
        "_raw_data",
        "_stream_chunk",
        "_tar_data",
        "_tar_member",
    }
)
"""Names defined in ``_streamevents``, given here too (loading it on first use)."""


def __getattr__(name: str) -> Any:
    if name in _DECODER_ONLY:
        from . import _streamevents

        value = getattr(_streamevents, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "NEED_DATA",
    "ConnectionClosed",
    "DockerError",
    "EndOfArchive",
    "EndOfMessage",
    "ErrorResponse",
    "Hijacked",
    "JSONMessage",
    "RawData",
    "Response",
    "Result",
    "StreamChunk",
    "StreamKind",
    "TarData",
    "TarMember",
    "TarType",
]
