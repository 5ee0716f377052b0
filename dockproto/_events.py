"""Events that ``Connection.next_event()`` yields, and the stream items the decoders emit.

A plain request goes ``Response`` -> ``Result`` (the typed JSON value) -> ``EndOfMessage``;
an error status goes ``Response`` -> ``ErrorResponse`` -> ``EndOfMessage``.  A streamed
body goes ``Response`` -> items (``StreamChunk``, ``JSONMessage``, ``TarMember``/``TarData``/
``EndOfArchive``, or ``RawData``) -> ``EndOfMessage``.  An upgrade (attach, exec start) goes
``Hijacked`` -> ``StreamChunk``... -> ``ConnectionClosed`` once the daemon closes; a
WebSocket upgrade (``attach/ws``) goes ``Hijacked`` -> ``WebSocketMessage``... ->
``ConnectionClosed``.

``Event`` is the union of them all, and ``next_event()`` returns ``Event | type[NEED_DATA]``:
``NEED_DATA`` is a class used as a value, as h11's is, so that ``if event is NEED_DATA``
narrows the type on both branches.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import GenericAlias
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeAlias, TypeVar, final

from ._errors import DockerError, StreamError, error_for_status

if TYPE_CHECKING:  # (and the decoders' cheap constructors: see __getattr__ below)
    from ._streamevents import EndOfArchive, TarData, TarMember, TarType

T_co = TypeVar("T_co", covariant=True)


class _SentinelType(type):
    """The type of a sentinel class: it reads as its name and makes no instances."""

    def __repr__(cls) -> str:
        return cls.__name__

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{cls.__name__} is a sentinel: compare with `is`, do not call it")


@final
class NEED_DATA(metaclass=_SentinelType):
    """``next_event()`` needs more bytes: call ``receive_data()``.

    The class itself is the value (``event is NEED_DATA``); its type is
    ``type[NEED_DATA]``, and being final, ``is`` and ``is not`` narrow on it.
    """


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
class Result(Generic[T_co]):
    """A whole answer, already turned into its model (see ``Request.parse``).

    The answer to a ``Request[T]`` is a ``Result[T]``; ``Connection.next_event()`` cannot
    know ``T`` (it gives ``Result[Any]``), the caller who built the request does.
    """

    value: T_co

    if not TYPE_CHECKING:
        __class_getitem__ = classmethod(GenericAlias)  # (as ``Request``'s: ``Result[T](v)``)


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
class WebSocketMessage:
    """One whole message of a WebSocket stream (``containers.attach_ws``): its bytes, and
    whether the peer sent it as text (the daemon sends binary since API 1.28)."""

    data: bytes
    text: bool = False


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


if TYPE_CHECKING:
    StreamItem: TypeAlias = StreamChunk | RawData | JSONMessage | TarMember | TarData | EndOfArchive
    """What the stream decoders emit (the items of a streamed or upgraded body)."""

    Event: TypeAlias = (
        Response
        | Result[Any]
        | ErrorResponse
        | EndOfMessage
        | Hijacked
        | ConnectionClosed
        | StreamItem
        | WebSocketMessage
    )
    """Every event ``Connection.next_event()`` returns (besides ``NEED_DATA``)."""


def _unions() -> dict[str, Any]:
    """``StreamItem`` and ``Event`` at run time (with a bare ``Result``, so that
    ``isinstance(x, Event)`` works): built on first use, as they name the tar events."""
    from ._streamevents import EndOfArchive, TarData, TarMember

    stream_item = StreamChunk | RawData | JSONMessage | TarMember | TarData | EndOfArchive
    result: type = Result  # (bare: ``isinstance`` takes no ``Result[Any]``)
    event = (
        Response
        | result
        | ErrorResponse
        | EndOfMessage
        | Hijacked
        | ConnectionClosed
        | stream_item
        | WebSocketMessage
    )
    return {"StreamItem": stream_item, "Event": event}


def __getattr__(name: str) -> Any:
    if name in _DECODER_ONLY:
        from . import _streamevents

        value = getattr(_streamevents, name)
        globals()[name] = value
        return value
    if name in ("Event", "StreamItem"):
        globals().update(_unions())
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "NEED_DATA",
    "ConnectionClosed",
    "DockerError",
    "EndOfArchive",
    "EndOfMessage",
    "ErrorResponse",
    "Event",
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
    "WebSocketMessage",
]
