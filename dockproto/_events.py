"""Events that ``Connection.next_event()`` yields, and the stream items the decoders emit.

A plain request goes ``Response`` -> ``Result`` (the typed JSON value) -> ``EndOfMessage``;
an error status goes ``Response`` -> ``ErrorResponse`` -> ``EndOfMessage``.  A streamed
body goes ``Response`` -> items (``StreamChunk``, ``JSONMessage``, ``TarMember``/``TarData``/
``EndOfArchive``, or ``RawData``) -> ``EndOfMessage``.  An upgrade (attach, exec start) goes
``Hijacked`` -> ``StreamChunk``... -> ``ConnectionClosed`` once the daemon closes.

``Event`` is the union of them all, and ``next_event()`` returns ``Event | type[NEED_DATA]``:
``NEED_DATA`` is a class used as a value, as h11's is, so that ``if event is NEED_DATA``
narrows the type on both branches.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, fields, make_dataclass
from types import GenericAlias
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeAlias, TypeVar, final

from ._errors import DockerError, StreamError, error_for_status

E = TypeVar("E")
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


class TarType(str, enum.Enum):
    """The kind of a tar member (the typeflag, with its aliases folded)."""

    FILE = "file"
    HARDLINK = "hardlink"
    SYMLINK = "symlink"
    CHARDEV = "chardev"
    BLOCKDEV = "blockdev"
    DIRECTORY = "directory"
    FIFO = "fifo"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class TarMember:
    """A tar member's header; for a file, ``TarData`` events with its ``size`` bytes follow."""

    name: str
    size: int
    mode: int
    type: TarType
    linkname: str = ""
    mtime: float = 0.0
    uid: int = 0
    gid: int = 0
    uname: str = ""
    gname: str = ""
    devmajor: int = 0
    devminor: int = 0
    pax: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TarData:
    """A span of the current member's data."""

    data: bytes


def _unfrozen(cls: type) -> Any:
    """A plain (not frozen) slots dataclass with ``cls``'s fields, all positional.

    Its instances have ``cls``'s memory layout, so one built by it can become a ``cls``
    by assigning ``__class__``: a genuine frozen instance, built at the cost of plain
    attribute stores.  (A frozen dataclass's ``__init__`` stores each field through
    ``object.__setattr__``: 1.4 us for a ``TarMember`` against 0.4 us this way.)
    """
    return make_dataclass(
        f"_{cls.__name__}Init", [(f.name, f.type) for f in fields(cls)], slots=True
    )


_TarMemberInit = _unfrozen(TarMember)
"""Call positionally with every ``TarMember`` field, then set ``__class__ = TarMember``."""
_new = object.__new__
_TarDataInit = _unfrozen(TarData)
"""Call with the data, then set ``__class__ = TarData``."""


def _tar_member(
    name: str,
    size: int,
    mode: int,
    type: TarType,
    linkname: str,
    mtime: float,
    uid: int,
    gid: int,
    uname: str,
    gname: str,
    devmajor: int,
    devminor: int,
    pax: dict[str, str],
) -> TarMember:
    """``TarMember(...)`` with every field given, about 4 times cheaper (``TarSink.take``
    inlines these lines for a plain member; the others come through here).

    ``object.__new__`` then the twin's ``__init__`` as a function: ~90 ns less than
    calling the class (its ``__init__`` is then entered without the type call's slot).
    """
    m = _new(_TarMemberInit)
    _TarMemberInit.__init__(
        m, name, size, mode, type, linkname, mtime, uid, gid, uname, gname, devmajor, devminor, pax
    )
    m.__class__ = TarMember
    return m  # type: ignore[no-any-return]


def _one_field(cls: type[E], twin: Any) -> Callable[[Any], E]:
    """``cls(value)`` for an event of one field, cheaper: built by ``twin``, then
    ``__class__`` assigned (a closure: no cost over a function written out)."""

    def make(value: Any) -> E:
        obj = twin(value)
        obj.__class__ = cls
        return obj  # type: ignore[no-any-return]

    return make


_tar_data = _one_field(TarData, _TarDataInit)
"""``TarData(data)``, cheaper."""

# The stream decoders' events, one per run of output or per JSON line (100,000 event
# messages are 100,000 of them): the same way, ~0.2 us each against ~0.5 us.
_StreamChunkInit = _unfrozen(StreamChunk)
_RawDataInit = _unfrozen(RawData)
_JSONMessageInit = _unfrozen(JSONMessage)
_raw_data = _one_field(RawData, _RawDataInit)
_json_message = _one_field(JSONMessage, _JSONMessageInit)


def _stream_chunk(stream: StreamKind, data: bytes) -> StreamChunk:
    """``StreamChunk(stream, data)``, cheaper."""
    c = _StreamChunkInit(stream, data)
    c.__class__ = StreamChunk
    return c  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class EndOfArchive:
    """The two zero blocks that end a tar archive were read."""


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


StreamItem: TypeAlias = StreamChunk | RawData | JSONMessage | TarMember | TarData | EndOfArchive
"""What the stream decoders emit (the items of a streamed or upgraded body)."""

if TYPE_CHECKING:
    Event: TypeAlias = (
        Response
        | Result[Any]
        | ErrorResponse
        | EndOfMessage
        | Hijacked
        | ConnectionClosed
        | StreamItem
    )
else:  # the same with a bare ``Result``: ``isinstance(x, Event)`` works at run time
    Event = (
        Response | Result | ErrorResponse | EndOfMessage | Hijacked | ConnectionClosed | StreamItem
    )
"""Every event ``Connection.next_event()`` returns (besides ``NEED_DATA``)."""


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
]
