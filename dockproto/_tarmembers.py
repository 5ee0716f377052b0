"""Turn the tar spans of the stream core into ``TarMember`` / ``TarData`` / ``EndOfArchive``.

The C walker (``csrc/tar.c``, or its twin) has already checked each header block's
checksum and numeric fields and cut the data into spans; a header comes as a record of
its numbers and the lengths and bytes of its texts (layout at the top of ``tar.c``),
which here become a ``TarMember``.  (A ustar header, magic ``ustar\\0``, has a 155-byte
name prefix; the walker leaves it out of a GNU one, ``ustar  \\0``, which uses that
area for other things.)  Names longer than 100 bytes come in the body of a member
before the real one:

    GNU  'L' (long name) / 'K' (long link name): the body is the NUL-terminated name;
    pax  'x': records ``"%d %s=%s\\n"`` (length first, the length counts the whole
         record) for the next member: path, linkpath, size, mtime, uid, gid, uname,
         gname; 'g': the same, for every later member.

These bodies are small, so they are collected whole and applied to the next real
member (not emitted).  A pax "size" must reach the block walker before it reads the
next header, so the walker pauses after an 'x' body and ``set_next_size`` is called.
Fields are decoded UTF-8 with surrogateescape, so no byte is lost.

This runs once per member and once per data span: 20,000 small files are 40,000
events.  With the C core, ``dockproto._tarevents`` (``csrc/tarevents.c``) builds the
common case in C: plain members and the data of small files, as long as nothing is
pending here; it stops at the first span it leaves (a long name or pax header, a
piece of a large member, the end of the archive) and ``take`` goes on from there.
Without it, ``take`` keeps the same common case inline and builds events through the
unfrozen twins of ``_events`` (``__class__`` assigned after).  Both give the same
events, types included (tests/native/test_tar_events.py).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Any, Protocol

from ._errors import ProtocolError
from ._pieces import MAX_PIECE, Pieces
from ._pydecode import (
    K_TAR_DATA,
    K_TAR_EOA,
    K_TAR_HEADER,
    KIND_MASK,
    MAX_TAR_SIZE,
    OWNERS_AS_BEFORE,
    POS_SHIFT,
    SPAN_END,
    SPAN_OUT,
    TAR_RECORD,
    TAR_RECORD_FIELDS,
)
from ._streamevents import (
    EndOfArchive,
    TarData,
    TarMember,
    TarType,
    _tar_data,
    _tar_member,
    _TarDataInit,
    _TarMemberInit,
)

_TYPES: dict[int, TarType] = {
    0x30: TarType.FILE,  # '0'
    0x00: TarType.FILE,  # old "regular file"
    0x37: TarType.FILE,  # '7' contiguous file
    0x31: TarType.HARDLINK,
    0x32: TarType.SYMLINK,
    0x33: TarType.CHARDEV,
    0x34: TarType.BLOCKDEV,
    0x35: TarType.DIRECTORY,
    0x36: TarType.FIFO,
}
_TYPE_BY_FLAG: tuple[TarType, ...] = tuple(_TYPES.get(t, TarType.OTHER) for t in range(256))
"""The member type of each typeflag byte (what ``csrc/tarevents.c`` is given too)."""
_LONGNAME, _LONGLINK, _PAX, _PAX_GLOBAL = 0x4C, 0x4B, 0x78, 0x67  # 'L' 'K' 'x' 'g'
_META = frozenset((_LONGNAME, _LONGLINK, _PAX, _PAX_GLOBAL))
_unpack_record = TAR_RECORD_FIELDS.unpack_from


def _text(b: bytes) -> str:
    return b.partition(b"\0")[0].decode("utf-8", "surrogateescape")


def parse_pax(body: bytes, at: int) -> dict[str, str]:
    """The records of a pax header body; ProtocolError (at ``at``) if malformed."""
    recs: dict[str, str] = {}
    pos, n = 0, len(body)
    while pos < n and body[pos] != 0:
        sp = body.find(b" ", pos, pos + 20)
        digits = body[pos:sp] if sp > pos else b""
        if not digits.isdigit():
            raise ProtocolError("bad pax header record (no length)", at)
        length = int(digits)
        rec = body[sp + 1 : pos + length]
        if pos + length > n or not rec.endswith(b"\n") or b"=" not in rec:
            raise ProtocolError("bad pax header record", at)
        key, _, value = rec[:-1].partition(b"=")
        recs[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return recs


_MEMBER_FIELDS = (
    "name", "size", "mode", "type", "linkname", "mtime", "uid", "gid", "uname", "gname",
    "devmajor", "devminor", "pax",
)  # fmt: skip
"""TarMember's fields in the order ``csrc/tarevents.c`` fills them."""

FastTake = Callable[
    [list[int], int, int, int, list[object], tuple[str, str]], tuple[int, tuple[str, str]]
]
"""``dockproto._tarevents.take(spans, start, in_addr, out_addr, events, owners)``."""


class _Addresses(Protocol):
    in_addr: int
    out_addr: int


def configure_tar_events(module: Any) -> FastTake | None:
    """Give ``dockproto._tarevents`` our types; its ``take``, or None if it refuses them.

    It fills the slots of new instances directly, so it is shown one sample of each
    type with distinct field values, and finds each slot by them (or refuses a layout
    it cannot account for: the sink then builds every event here).
    """
    try:
        member_values = tuple(object() for _ in _MEMBER_FIELDS)
        fields: dict[str, Any] = dict(zip(_MEMBER_FIELDS, member_values, strict=True))
        member = TarMember(**fields)
        data_value = object()
        data = TarData(data_value)  # type: ignore[arg-type]
        module.configure(
            TarMember, member, member_values, TarData, data, (data_value,), _TYPE_BY_FLAG,
            MAX_PIECE,
        )  # fmt: skip
    except (TypeError, ValueError):
        return None
    take: FastTake = module.take
    return take


class TarSink:
    """Spans in, tar events out.  One per archive; keeps long names across calls.

    ``fast`` (``dockproto._tarevents.take``, with ``core`` giving the addresses of the
    spans' buffers) builds the events of plain members and small files in C; it is
    called only when nothing is pending here, and gives back the spans it left.
    """

    def __init__(
        self,
        set_next_size: Callable[[int], None],
        fast: FastTake | None = None,
        core: _Addresses | None = None,
    ) -> None:
        self._set_next_size = set_next_size
        self._fast = fast if core is not None else None
        self._core = core
        self._meta_type = 0  # the typeflag of the meta member whose body is being collected
        self._meta_parts: list[bytes] = []
        self._global: dict[str, str] = {}
        self._pax: dict[str, str] = {}
        self._long_name: str | None = None
        self._long_link: str | None = None
        self._plain = True  # no long name, link name or pax record waits for a member
        self._data = Pieces()  # the current member's data, this feed
        self._owners = ("", "")  # the last member's uname and gname (see tar.c, flags)

    def take(
        self, spans: list[int], inmv: memoryview, outmv: memoryview, events: list[object]
    ) -> None:
        data = self._data
        start = 0
        if self._fast is not None and self._plain and not self._meta_type and not data.parts:
            core = self._core
            assert core is not None
            start, self._owners = self._fast(
                spans, 0, core.in_addr, core.out_addr, events, self._owners
            )
            if start == len(spans):
                return
        # Locals: this loop runs twice per small file.
        append = events.append
        unpack = _unpack_record
        new_data, data_cls, member_cls = _TarDataInit, TarData, TarMember
        new, member_init, init = object.__new__, _TarMemberInit, _TarMemberInit.__init__
        # (member: new, init, __class__: as _events._tar_member does, inline)
        types = _TYPE_BY_FLAG
        it = iter(spans) if not start else islice(spans, start, None)
        for tag, off, n in zip(it, it, it, strict=True):  # (tag, offset, length) triples
            kind = tag & KIND_MASK
            if kind == K_TAR_DATA:
                end = off + n
                mv = outmv if tag & SPAN_OUT else inmv
                if self._meta_type:
                    self._meta_parts.append(mv[off:end].tobytes())
                    if tag & SPAN_END:
                        self._finish_meta(tag >> POS_SHIFT)
                elif tag & SPAN_END and not data.parts and end - off <= MAX_PIECE:
                    ev = new_data(mv[off:end].tobytes())  # a small file: one span
                    ev.__class__ = data_cls
                    append(ev)
                else:
                    # (the output buffer is reused by the next call: Pieces copies from it)
                    for piece in data.add(mv, off, end, mv is outmv):
                        ev = new_data(piece)
                        ev.__class__ = data_cls
                        append(ev)
                    if tag & SPAN_END:
                        self._flush(events)
            elif kind == K_TAR_HEADER:
                if data.parts:
                    self._flush(events)
                (size, mode, uid, gid, mtime, major, minor, t,
                 n_name, n_link, n_uname, n_gname, n_prefix,
                 flags) = unpack(outmv, off)  # fmt: skip
                if t in _META:  # (its record's size is its body's)
                    self._meta_type = t
                    self._meta_parts = []
                    if size == 0:
                        self._finish_meta(tag >> POS_SHIFT)
                    continue
                p = off + TAR_RECORD
                q = p + n_name
                name = outmv[p:q].tobytes().decode("utf-8", "surrogateescape")
                linkname = ""
                if n_link:
                    p, q = q, q + n_link
                    linkname = outmv[p:q].tobytes().decode("utf-8", "surrogateescape")
                if flags & OWNERS_AS_BEFORE:  # most members of an archive share them
                    uname, gname = self._owners
                else:
                    p, q = q, q + n_uname
                    uname = outmv[p:q].tobytes().decode("utf-8", "surrogateescape")
                    p, q = q, q + n_gname
                    gname = outmv[p:q].tobytes().decode("utf-8", "surrogateescape")
                    self._owners = (uname, gname)
                if n_prefix:
                    prefix = outmv[q : q + n_prefix].tobytes()
                    name = f"{prefix.decode('utf-8', 'surrogateescape')}/{name}"
                if self._plain:
                    mtype = types[t]
                    if t == 0 and name[-1:] == "/":
                        mtype = TarType.DIRECTORY
                    member = new(member_init)
                    init(
                        member, name, size, mode, mtype, linkname, mtime, uid, gid, uname,
                        gname, major, minor, {},
                    )  # fmt: skip
                    member.__class__ = member_cls
                    append(member)
                else:
                    self._member(
                        name, size, mode, t, linkname, mtime, uid, gid, uname, gname,
                        major, minor, tag >> POS_SHIFT, events,
                    )  # fmt: skip
            elif kind == K_TAR_EOA:
                self._flush(events)
                append(EndOfArchive())

    def end_feed(self, events: list[object]) -> None:
        self._flush(events)

    def finish(self, events: list[object], at: int) -> None:
        """The walker checked the archive is complete; nothing is pending here."""

    def _flush(self, events: list[object]) -> None:
        if self._data.parts:
            events.append(_tar_data(self._data.take()))

    def _member(
        self,
        name: str,
        size: int,
        mode: int,
        t: int,
        linkname: str,
        mtime_i: int,
        uid: int,
        gid: int,
        uname: str,
        gname: str,
        devmajor: int,
        devminor: int,
        at: int,
        events: list[object],
    ) -> None:
        """A member after long names or pax records: they override its header."""
        mtime: float = mtime_i
        if self._long_name is not None:
            name = self._long_name
        if self._long_link is not None:
            linkname = self._long_link
        pax: dict[str, str] = {}
        if self._global or self._pax:
            pax = {**self._global, **self._pax}
            pax = {k: v for k, v in pax.items() if v}
            try:
                name = pax.get("path", name)
                linkname = pax.get("linkpath", linkname)
                uname = pax.get("uname", uname)
                gname = pax.get("gname", gname)
                if "mtime" in pax:
                    mtime = float(pax["mtime"])
                if "uid" in pax:
                    uid = int(pax["uid"])
                if "gid" in pax:
                    gid = int(pax["gid"])
            except ValueError:
                raise ProtocolError("bad pax header value", at) from None
        self._pax = {}
        self._long_name = self._long_link = None
        self._plain = not self._global

        kind = _TYPE_BY_FLAG[t]
        if t == 0 and name.endswith("/"):
            kind = TarType.DIRECTORY
        events.append(
            _tar_member(
                name, size, mode, kind, linkname, mtime, uid, gid, uname, gname, devmajor,
                devminor, pax,
            )
        )  # fmt: skip

    def _finish_meta(self, at: int) -> None:
        t, body = self._meta_type, b"".join(self._meta_parts)
        self._meta_type = 0
        self._meta_parts = []
        self._plain = False
        if t == _LONGNAME:
            self._long_name = _text(body)
        elif t == _LONGLINK:
            self._long_link = _text(body)
        elif t == _PAX_GLOBAL:
            self._global.update(parse_pax(body, at))
        else:
            recs = parse_pax(body, at)
            self._pax.update(recs)
            if recs.get("size"):
                value = recs["size"]
                if not (value.isascii() and value.isdigit()) or int(value) > MAX_TAR_SIZE:
                    raise ProtocolError("bad pax size record", at)
                self._set_next_size(int(value))
