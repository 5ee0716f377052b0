"""Turn the tar spans of the stream core into ``TarMember`` / ``TarData`` / ``EndOfArchive``.

The C walker (``csrc/tar.c``, or its twin) has already checked each header block's
checksum and size and cut the data into spans; here the header fields become a
``TarMember``.  A ustar header (magic ``ustar\\0``) has a 155-byte name prefix; a GNU one
(``ustar  \\0``) uses that area for other things.  Names longer than 100 bytes come in
the body of a member before the real one:

    GNU  'L' (long name) / 'K' (long link name): the body is the NUL-terminated name;
    pax  'x': records ``"%d %s=%s\\n"`` (length first, the length counts the whole
         record) for the next member: path, linkpath, size, mtime, uid, gid, uname,
         gname; 'g': the same, for every later member.

These bodies are small, so they are collected whole and applied to the next real
member (not emitted).  A pax "size" must reach the block walker before it reads the
next header, so the walker pauses after an 'x' body and ``set_next_size`` is called.
Fields are decoded UTF-8 with surrogateescape, so no byte is lost.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ._errors import ProtocolError
from ._events import EndOfArchive, TarData, TarMember, TarType
from ._pydecode import (
    K_TAR_DATA,
    K_TAR_EOA,
    K_TAR_HEADER,
    KIND_MASK,
    MAX_TAR_SIZE,
    POS_SHIFT,
    SPAN_END,
    SPAN_OUT,
    tar_number,
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
_LONGNAME, _LONGLINK, _PAX, _PAX_GLOBAL = 0x4C, 0x4B, 0x78, 0x67  # 'L' 'K' 'x' 'g'
_META = frozenset((_LONGNAME, _LONGLINK, _PAX, _PAX_GLOBAL))
# name mode uid gid size mtime chksum typeflag linkname magic version uname gname
# devmajor devminor prefix (the ustar layout; GNU puts other things after gname)
_FIELDS = struct.Struct("100s8s8s8s12s12s8sB100s6s2s32s32s8s8s155s")


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


class TarSink:
    """Spans in, tar events out.  One per archive; keeps long names across calls."""

    def __init__(self, set_next_size: Callable[[int], None]) -> None:
        self._set_next_size = set_next_size
        self._meta_type = 0  # the typeflag of the meta member whose body is being collected
        self._meta_parts: list[bytes] = []
        self._global: dict[str, str] = {}
        self._pax: dict[str, str] = {}
        self._long_name: str | None = None
        self._long_link: str | None = None
        self._data: list[bytes | memoryview] = []
        self._nums: dict[bytes, int] = {}
        self._texts: dict[bytes, str] = {}

    def take(
        self, spans: list[int], inmv: memoryview, outmv: memoryview, events: list[object]
    ) -> None:
        data = self._data
        for i in range(0, len(spans), 3):
            tag, off = spans[i], spans[i + 1]
            end = off + spans[i + 2]
            kind = tag & KIND_MASK
            if kind == K_TAR_DATA:
                piece = (outmv if tag & SPAN_OUT else inmv)[off:end]
                if self._meta_type:
                    self._meta_parts.append(piece.tobytes())
                    if tag & SPAN_END:
                        self._finish_meta(tag >> POS_SHIFT)
                elif tag & SPAN_END and not data:
                    events.append(TarData(piece.tobytes()))  # a small file: one span
                else:
                    # (the output buffer is reused by the next call: copy out of it now)
                    data.append(piece.tobytes() if tag & SPAN_OUT else piece)
                    if tag & SPAN_END:
                        self._flush(events)
            elif kind == K_TAR_HEADER:
                if data:
                    self._flush(events)
                block = (outmv if tag & SPAN_OUT else inmv)[off:end].tobytes()
                self._header(block, tag >> POS_SHIFT, events)
            elif kind == K_TAR_EOA:
                self._flush(events)
                events.append(EndOfArchive())

    def end_feed(self, events: list[object]) -> None:
        self._flush(events)

    def finish(self, events: list[object], at: int) -> None:
        """The walker checked the archive is complete; nothing is pending here."""

    def _flush(self, events: list[object]) -> None:
        data = self._data
        if not data:
            return
        if len(data) == 1:
            p = data[0]
            events.append(TarData(p if type(p) is bytes else bytes(p)))
        else:
            events.append(TarData(b"".join(data)))
        data.clear()

    def _header(self, block: bytes, at: int, events: list[object]) -> None:
        (name_f, mode_f, uid_f, gid_f, size_f, mtime_f, _, t, link_f, magic, _,
         uname_f, gname_f, major_f, minor_f, prefix_f) = _FIELDS.unpack_from(block)  # fmt: skip
        size = tar_number(size_f)
        assert size is not None  # the walker checked it
        if t in _META:
            self._meta_type = t
            self._meta_parts = []
            if size == 0:
                self._finish_meta(at)
            return
        # Members of one archive mostly share modes, owners and names of owners: the
        # fields are looked up as bytes before they are parsed (a bounded cache).
        nums, texts = self._nums, self._texts
        if len(nums) > 4096 or len(texts) > 4096:
            nums.clear()
            texts.clear()
        try:
            mode, uid, gid, mtime_i = nums[mode_f], nums[uid_f], nums[gid_f], nums[mtime_f]
        except KeyError:
            for f in (mode_f, uid_f, gid_f, mtime_f):
                v = tar_number(f)
                if v is None:
                    msg = "bad tar header field (mode, uid, gid or mtime)"
                    raise ProtocolError(msg, at) from None
                nums[f] = v
            mode, uid, gid, mtime_i = nums[mode_f], nums[uid_f], nums[gid_f], nums[mtime_f]
        mtime: float = mtime_i
        name = _text(name_f)
        if magic == b"ustar\0" and prefix_f[0]:
            name = f"{_text(prefix_f)}/{name}"
        linkname = _text(link_f) if link_f[0] else ""
        try:
            uname, gname = texts[uname_f], texts[gname_f]
        except KeyError:
            uname = texts[uname_f] = _text(uname_f)
            gname = texts[gname_f] = _text(gname_f)
        devmajor = devminor = 0
        if t in (0x33, 0x34):
            major, minor = tar_number(major_f), tar_number(minor_f)
            if major is None or minor is None:
                raise ProtocolError("bad tar header field devmajor/devminor", at)
            devmajor, devminor = major, minor

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
        if self._pax.get("size"):
            size = int(self._pax["size"])  # checked in _finish_meta
        self._pax = {}
        self._long_name = self._long_link = None

        kind = _TYPES.get(t, TarType.OTHER)
        if t == 0 and name.endswith("/"):
            kind = TarType.DIRECTORY
        if 0x31 <= t <= 0x36:
            size = 0
        # Positional: half the cost of keywords, paid once per member.
        member = TarMember(
            name, size, mode, kind, linkname, mtime, uid, gid, uname, gname, devmajor, devminor, pax
        )
        events.append(member)

    def _finish_meta(self, at: int) -> None:
        t, body = self._meta_type, b"".join(self._meta_parts)
        self._meta_type = 0
        self._meta_parts = []
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
