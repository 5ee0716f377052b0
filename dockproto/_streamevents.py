"""The events only a stream decoder makes: the tar events (``TarType``, ``TarMember``,
``TarData``, ``EndOfArchive``), and the cheap constructors of every decoder event.

Apart from ``_events`` (which still gives every name, loading this module on first
use) because building a frozen slots dataclass costs about a millisecond at import: a
program that reads only whole answers, like one ``dockproto ps``, never builds these.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, fields, make_dataclass
from typing import Any, TypeVar

from ._events import JSONMessage, RawData, StreamChunk, StreamKind

E = TypeVar("E")


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
