"""The pure-Python twin of the C stream core (``csrc/``), span for span.

``PyBody`` does what ``dp_body_feed`` does: undo the HTTP body framing (chunked,
Content-Length, read-until-close) and the content framing (multiplexed frames, tar
blocks, JSON lines, plain bytes) and describe the payload as spans
``[tag, off, len, ...]`` into the input or into an output bytearray.  It makes the
same decisions as the C code (which pieces are copied, where a call stops, which byte
offset an error names), so the Python layer in ``_decode`` turns the output of either
into the same events.  Tests feed both random input and compare; ``_decode`` falls back
to it when the extension is not built.

The theory of operation of each layer is at the top of its C file: ``body.c``
(chunked coding, the span builder), ``demux.c`` (frames, lines), ``tar.c`` (blocks).
The constants below are the header's enums; a test checks they match.
"""

from __future__ import annotations

import re
import struct

# enum dp_framing, dp_content
CHUNKED, LENGTH, CLOSE = 0, 1, 2
MUX, PASS, TAR, LINES = 0, 1, 2, 3
# enum dp_span_bits, dp_kind
KIND_MASK, SPAN_END, SPAN_CONT, SPAN_OUT, POS_SHIFT = 0x0F, 0x10, 0x20, 0x40, 8
K_DATA = K_LINE = K_TAR_HEADER = 1
K_TAR_DATA, K_TAR_EOA = 2, 3
# enum dp_limits
MAX_LINE, MIN_OUT, BIG_PIECE, TAR_RECORD = 4096, 512, 4096, 64
MAX_CHUNK = 1 << 40
MAX_TAR_SIZE = 1 << 62

# enum dp_error, with the messages ProtocolError carries.
OK = 0
E_ARGS, E_CHUNK_SIZE, E_CHUNK_TOO_BIG, E_CHUNK_LINE, E_CHUNK_CRLF = 1, 2, 3, 4, 5
E_BODY_CUT, E_BODY_SHORT, E_MUX_STREAM, E_MUX_HEADER, E_MUX_CUT = 6, 7, 8, 9, 10
E_TAR_CHECKSUM, E_TAR_SIZE, E_TAR_ZERO, E_TAR_CUT, E_TAR_NO_END = 11, 12, 13, 14, 15
E_TAR_TRAILING, E_TAR_FIELD, E_TAR_DEVICE = 16, 17, 18

MESSAGES: dict[int, str] = {
    E_ARGS: "internal error: bad arguments to the stream decoder",
    E_CHUNK_SIZE: "bad chunk-size line (expected hex digits, then ';' or CRLF)",
    E_CHUNK_TOO_BIG: "chunk size over 2**40 bytes",
    E_CHUNK_LINE: f"chunk-size or trailer line over {MAX_LINE} bytes",
    E_CHUNK_CRLF: "chunk data not followed by CRLF (chunk longer than announced)",
    E_BODY_CUT: "body cut off before its final chunk",
    E_BODY_SHORT: "body cut off before its Content-Length",
    E_MUX_STREAM: "unknown stream id in a multiplexed frame header (not 0-3)",
    E_MUX_HEADER: "non-zero bytes 1-3 in a multiplexed frame header",
    E_MUX_CUT: "stream cut off mid-frame",
    E_TAR_CHECKSUM: "bad tar header checksum",
    E_TAR_SIZE: "bad tar size field (not octal or positive base-256)",
    E_TAR_ZERO: "tar header after a single zero block",
    E_TAR_CUT: "tar archive cut off mid-member",
    E_TAR_NO_END: "tar archive ended without its end-of-archive blocks",
    E_TAR_TRAILING: "non-zero bytes after the tar end-of-archive blocks",
    E_TAR_FIELD: "bad tar header field (mode, uid, gid or mtime)",
    E_TAR_DEVICE: "bad tar header field devmajor/devminor",
}

# Chunked framing states (body.c)
F_SIZE, F_SIZE_TAIL, F_EXT, F_SIZE_LF, F_DATA, F_DATA_CR, F_DATA_LF = range(7)
F_TRAILER, F_DONE = 7, 8
# Tar states (tar.c)
T_HEADER, T_DATA, T_PAD, T_END = range(4)

_HEX = {c: int(chr(c), 16) for c in b"0123456789abcdefABCDEF"}
# A size line that cannot fail: up to 10 hex digits (< 2**40) and CRLF.
_FAST_SIZE = re.compile(rb"([0-9A-Fa-f]{1,10})\r\n")
_ZERO_BLOCK = bytes(512)


class _Call:
    """One ``feed`` call in progress (``dp_call``)."""

    __slots__ = ("base", "data", "max_spans", "mv", "open", "out", "out_cap", "spans", "stop")

    def __init__(self, mv: memoryview, out_cap: int, max_spans: int, base: int) -> None:
        self.data: bytes | None = None  # bytes(mv), made once if needed
        self.mv = mv
        self.out = bytearray()
        self.out_cap = out_cap
        self.spans: list[int] = []
        self.max_spans = max_spans
        self.base = base
        self.open = False
        self.stop = False

    def emit(self, kind: int, off: int, n: int, merge: bool) -> int:
        """``dp_emit``: add mv[off:off+n]; 0 (and stop) when the span array is full."""
        spans = self.spans
        end = (self.base + off + n) << POS_SHIFT
        if self.open and merge and spans[-3] & KIND_MASK == kind:
            tag, soff, slen = spans[-3], spans[-2], spans[-1]
            flags = tag & (SPAN_CONT | SPAN_OUT | SPAN_END)
            if not flags & SPAN_OUT and soff + slen == off:
                spans[-3] = kind | flags | end
                spans[-1] = slen + n
                return n
            need = n if flags & SPAN_OUT else slen + n
            small = n < BIG_PIECE and (flags & SPAN_OUT or slen < BIG_PIECE)
            if small and self.out_cap - len(self.out) >= need:
                out = self.out
                if not flags & SPAN_OUT:
                    spans[-2] = len(out)
                    out += self.mv[soff : soff + slen]
                    flags |= SPAN_OUT
                out += self.mv[off : off + n]
                spans[-3] = kind | flags | end
                spans[-1] = slen + n
                return n
            if len(spans) == 3 * self.max_spans:
                self.stop = True
                return 0
            spans += (kind | SPAN_CONT | end, off, n)
            return n
        if len(spans) == 3 * self.max_spans:
            self.stop = True
            return 0
        spans += (kind | end, off, n)
        self.open = True
        return n

    def emit_copy(self, kind: int, block: bytes, end_pos: int) -> bool:
        """``dp_emit_copy``: a span of bytes we own (a tar header record), copied out."""
        if len(self.spans) == 3 * self.max_spans or self.out_cap - len(self.out) < len(block):
            self.stop = True
            return False
        self.spans += (kind | SPAN_OUT | (end_pos << POS_SHIFT), len(self.out), len(block))
        self.out += block
        self.open = False
        return True

    def end_unit(self) -> None:
        if self.open:
            self.spans[-3] |= SPAN_END
            self.open = False


class PyBody:
    """The twin of ``dp_body``: the same fields Python reads, the same ``feed``/``eof``."""

    def __init__(self, framing: int, content: int, length: int, frames: bool) -> None:
        self.framing = framing
        self.content = content
        self.frames = frames
        self.done = False
        self.error = 0
        self.err_offset = 0
        self.pos = 0
        self.fstate = F_SIZE
        self.remaining = length if framing == LENGTH else 0
        self.line_len = 0
        self.line_chars = 0
        self.hdr = bytearray()
        self.frame_left = 0
        self.frame_kind = 0
        self.tstate = T_HEADER
        self.block = bytearray()
        self.block_start = 0
        self.pad_left = 0
        self.zeros = 0
        self.member_type = 0
        self.member_left = 0
        self.tar_next_size = -1
        self.owners: tuple[bytes, bytes] | None = None  # the last member's uname, gname
        if framing not in (CHUNKED, LENGTH, CLOSE) or content not in (MUX, PASS, TAR, LINES):
            self.fail(E_ARGS, 0)
        elif framing == LENGTH and length == 0:
            self.done = True
            self.fstate = F_DONE

    def fail(self, code: int, offset: int) -> int:
        if not self.error:
            self.error = code
            self.err_offset = offset
        return self.error

    # -- entry points -----------------------------------------------------------

    def feed(
        self, mv: memoryview, out_cap: int, max_spans: int
    ) -> tuple[int, int, list[int], bytearray]:
        """``dp_body_feed``: (error code, consumed, spans, output bytes)."""
        if self.error:
            return self.error, 0, [], bytearray()
        if out_cap < MIN_OUT or max_spans < 1:
            return E_ARGS, 0, [], bytearray()
        c = _Call(mv, out_cap, max_spans, self.pos)
        used = 0
        if not self.done:
            if self.framing == CHUNKED:
                used = self._chunked(c, len(mv))
            elif self.framing == LENGTH:
                used = self._counted(c, len(mv))
            elif len(mv):
                used = self._take(c, 0, len(mv))
        self.pos += used
        return self.error, used, c.spans, c.out

    def eof(self) -> int:
        """``dp_body_eof``."""
        if self.error or self.done:
            return self.error
        if self.framing == CHUNKED:
            return self.fail(E_BODY_CUT, self.pos)
        if self.framing == LENGTH:
            return self.fail(E_BODY_SHORT, self.pos)
        self._finish(self.pos)
        return self.error

    # -- framing (body.c) --------------------------------------------------------

    def _take(self, c: _Call, off: int, n: int) -> int:
        content = self.content
        if content == MUX:
            return self._mux(c, off, n)
        if content == TAR:
            return self._tar(c, off, n)
        if content == LINES:
            return self._lines(c, off, n)
        return c.emit(K_DATA, off, n, True)

    def _finish(self, at: int) -> None:
        self.done = True
        self.fstate = F_DONE
        if self.content == MUX:
            if self.hdr or self.frame_left:
                self.fail(E_MUX_CUT, at)
        elif self.content == TAR:
            if self.tstate == T_END:
                return
            if self.tstate == T_HEADER and not self.block:
                self.fail(E_TAR_NO_END, at)
            else:
                self.fail(E_TAR_CUT, at)

    def _counted(self, c: _Call, n: int) -> int:
        k = min(n, self.remaining)
        used = self._take(c, 0, k) if k else 0
        self.remaining -= used
        if not self.error and self.remaining == 0:
            self._finish(c.base + used)
        return used

    def _chunked(self, c: _Call, n: int) -> int:
        mv = c.mv
        i = 0
        while i < n:
            state = self.fstate
            if state == F_DATA:
                k = min(n - i, self.remaining)
                used = self._take(c, i, k)
                self.remaining -= used
                i += used
                if self.error:
                    return i
                if self.remaining == 0:
                    self.fstate = F_DATA_CR
                    if n - i >= 2 and mv[i] == 0x0D and mv[i + 1] == 0x0A:  # usual CRLF, one step
                        i += 2
                        self.fstate = F_SIZE
                if c.stop:
                    return i
                continue
            if state == F_SIZE and self.line_len == 0:
                m = _FAST_SIZE.match(mv, i, min(n, i + 12))
                if m is not None:
                    i = m.end()
                    self.remaining = int(m.group(1), 16)
                    self.fstate = F_DATA if self.remaining else F_TRAILER
                    continue
            b = mv[i]
            if state == F_SIZE:
                d = _HEX.get(b)
                if d is None:
                    if self.line_len == 0:
                        self.fail(E_CHUNK_SIZE, c.base + i)
                        return i
                    self.fstate = F_SIZE_TAIL
                    continue
                self.line_len += 1
                if self.line_len > MAX_LINE:
                    self.fail(E_CHUNK_LINE, c.base + i)
                    return i
                self.remaining = self.remaining * 16 + d
                if self.remaining > MAX_CHUNK:
                    self.fail(E_CHUNK_TOO_BIG, c.base + i)
                    return i
                i += 1
            elif state in (F_SIZE_TAIL, F_EXT, F_SIZE_LF):
                self.line_len += 1
                if self.line_len > MAX_LINE:
                    self.fail(E_CHUNK_LINE, c.base + i)
                    return i
                i += 1
                if b == 0x0A:
                    self.line_len = 0
                    self.fstate = F_DATA if self.remaining else F_TRAILER
                    self.line_chars = 0
                elif state == F_SIZE_LF:
                    self.fail(E_CHUNK_SIZE, c.base + i - 1)
                    return i - 1
                elif state == F_SIZE_TAIL:
                    if b == 0x0D:
                        self.fstate = F_SIZE_LF
                    elif b == 0x3B:
                        self.fstate = F_EXT
                    elif b not in (0x20, 0x09):
                        self.fail(E_CHUNK_SIZE, c.base + i - 1)
                        return i - 1
            elif state in (F_DATA_CR, F_DATA_LF):
                if b != (0x0D if state == F_DATA_CR else 0x0A):
                    self.fail(E_CHUNK_CRLF, c.base + i)
                    return i
                i += 1
                self.fstate = F_DATA_LF if state == F_DATA_CR else F_SIZE
            elif state == F_TRAILER:
                self.line_len += 1
                if self.line_len > MAX_LINE:
                    self.fail(E_CHUNK_LINE, c.base + i)
                    return i
                i += 1
                if b == 0x0A:
                    if self.line_chars == 0:
                        self._finish(c.base + i)
                        return i
                    self.line_len = 0
                    self.line_chars = 0
                elif b != 0x0D:
                    self.line_chars += 1
            else:
                return i
        return i

    # -- content (demux.c) ----------------------------------------------------------

    def _mux(self, c: _Call, off: int, n: int) -> int:
        mv = c.mv
        i, end = off, off + n
        while i < end:
            if self.frame_left == 0:
                if not self.hdr and end - i >= 8:
                    h = mv[i : i + 8]
                    for j in range(4):
                        e = _bad_header_byte(j, h[j])
                        if e:
                            self.fail(e, c.base + i + j)
                            c.stop = True
                            return i - off
                    i += 8
                else:
                    e = _bad_header_byte(len(self.hdr), mv[i])
                    if e:
                        self.fail(e, c.base + i)
                        c.stop = True
                        return i - off
                    self.hdr.append(mv[i])
                    i += 1
                    if len(self.hdr) < 8:
                        continue
                    h = memoryview(bytes(self.hdr))
                    self.hdr.clear()
                self.frame_kind = h[0]
                self.frame_left = int.from_bytes(h[4:8], "big")
                continue
            k = min(end - i, self.frame_left)
            if not c.emit(self.frame_kind, i, k, True):
                return i - off
            i += k
            self.frame_left -= k
            if self.frame_left == 0 and self.frames:
                c.end_unit()
        return i - off

    def _lines(self, c: _Call, off: int, n: int) -> int:
        data = c.data
        if data is None:
            data = c.data = bytes(c.mv)  # memoryview has no find(); the twin may copy
        i, end = off, off + n
        while i < end:
            nl = data.find(b"\n", i, end)
            k = nl - i + 1 if nl >= 0 else end - i
            if not c.emit(K_LINE, i, k, True):
                return i - off
            i += k
            if nl >= 0:
                c.end_unit()
        return i - off

    # -- content (tar.c) -------------------------------------------------------------

    def _tar(self, c: _Call, off: int, n: int) -> int:
        mv = c.mv
        i, end = off, off + n
        while i < end and not c.stop:
            state = self.tstate
            if state == T_HEADER:
                if len(c.spans) == 3 * c.max_spans:
                    c.stop = True
                    break
                if not self.block:
                    self.block_start = c.base + i
                k = min(512 - len(self.block), end - i)
                if k + len(self.block) == 512 and c.out_cap - len(c.out) < MIN_OUT:
                    c.stop = True  # no room for the record of a whole block
                    break
                if k == 512:
                    i += 512
                    self._block(c, bytes(mv[i - 512 : i]), c.base + i)
                else:
                    self.block += mv[i : i + k]
                    i += k
                    if len(self.block) == 512:
                        blk = bytes(self.block)
                        self.block.clear()
                        self._block(c, blk, c.base + i)
                if self.error:
                    c.stop = True
            elif state == T_DATA:
                k = min(end - i, self.member_left)
                if not c.emit(K_TAR_DATA, i, k, True):
                    break
                i += k
                self.member_left -= k
                if self.member_left == 0:
                    c.end_unit()
                    self.tstate = T_PAD if self.pad_left else T_HEADER
                    if self.member_type == 0x78:  # 'x'
                        c.stop = True
            elif state == T_PAD:
                k = min(end - i, self.pad_left)
                i += k
                self.pad_left -= k
                if self.pad_left == 0:
                    self.tstate = T_HEADER
            else:
                rest = bytes(mv[i:end])
                stripped = rest.lstrip(b"\0")
                if stripped:
                    i += len(rest) - len(stripped)
                    self.fail(E_TAR_TRAILING, c.base + i)
                    c.stop = True
                    break
                i = end
        return i - off

    def _block(self, c: _Call, b: bytes, end_pos: int) -> None:
        if b == _ZERO_BLOCK:
            self.zeros += 1
            if self.zeros == 2:
                c.spans += (K_TAR_EOA | (end_pos << POS_SHIFT), 0, 0)
                c.open = False
                self.tstate = T_END
            return
        if self.zeros:
            self.fail(E_TAR_ZERO, self.block_start)
            return
        if not _checksum_ok(b):
            self.fail(E_TAR_CHECKSUM, self.block_start)
            return
        size = tar_number(b[124:136])
        if size is None or size > MAX_TAR_SIZE:
            self.fail(E_TAR_SIZE, self.block_start)
            return
        t = b[156]
        if t not in _META and self.tar_next_size >= 0:
            size = self.tar_next_size
            self.tar_next_size = -1
        if 0x31 <= t <= 0x36:  # '1'-'6' carry no data
            size = 0
        rec = self._record(b, t, size, end_pos)
        if rec is None:
            return
        c.emit_copy(K_TAR_HEADER, rec, end_pos)
        self.member_type = t
        self.member_left = size
        self.pad_left = -size % 512
        self.tstate = T_DATA if size else T_HEADER
        if not size and t == 0x78:
            c.stop = True

    def _record(self, b: bytes, t: int, size: int, end_pos: int) -> bytes | None:
        """The header's record (layout at the top of tar.c); None (and fail) if bad."""
        if t in _META:
            return TAR_RECORD_FIELDS.pack(size, 0, 0, 0, 0, 0, 0, t, 0, 0, 0, 0, 0, 0)
        mode, uid, gid, mtime = (tar_number(b[a : a + n]) for a, n in _NUMBERS)
        if mode is None or uid is None or gid is None or mtime is None:
            self.fail(E_TAR_FIELD, end_pos)
            return None
        major = minor = 0
        if t in (0x33, 0x34):  # '3' '4': devices
            major_n, minor_n = tar_number(b[329:337]), tar_number(b[337:345])
            if major_n is None or minor_n is None:
                self.fail(E_TAR_DEVICE, end_pos)
                return None
            major, minor = major_n, minor_n
        texts = [b[a : a + n].partition(b"\0")[0] for a, n in _TEXTS]
        if b[257:263] != b"ustar\0":
            texts[4] = b""  # a GNU header has no prefix there
        flags = 0
        if self.owners == (texts[2], texts[3]):
            flags = OWNERS_AS_BEFORE
            texts[2] = texts[3] = b""
        else:
            self.owners = (texts[2], texts[3])
        lens = [len(x) for x in texts]
        head = TAR_RECORD_FIELDS.pack(size, mode, uid, gid, mtime, major, minor, t, *lens, flags)
        return head + b"".join(texts)


_META = frozenset(b"xgLK")
# The record of a header (tar.c): size mode uid gid mtime devmajor devminor, typeflag,
# the lengths of name linkname uname gname prefix, flags, a zero byte; then those texts.
TAR_RECORD_FIELDS = struct.Struct("<7Q7Bx")
OWNERS_AS_BEFORE = 1  # flags: uname and gname are the last member's (and left out)
assert TAR_RECORD_FIELDS.size == TAR_RECORD
_NUMBERS = ((100, 8), (108, 8), (116, 8), (136, 12))  # mode uid gid mtime
_TEXTS = ((0, 100), (157, 100), (265, 32), (297, 32), (345, 155))


def _bad_header_byte(idx: int, b: int) -> int:
    if idx == 0:
        return E_MUX_STREAM if b > 3 else 0
    if idx < 4:
        return E_MUX_HEADER if b else 0
    return 0


def _octal(f: bytes) -> int | None:
    """An octal field as Go's parseOctal reads it (spaces and NULs trimmed at both ends)."""
    f = f.strip(b" \0")
    if not f:
        return 0
    if f.translate(None, b"01234567"):
        return None
    return int(f, 8)


def tar_number(f: bytes) -> int | None:
    """A numeric header field: octal, or GNU base-256 (first byte & 0x80); None if bad."""
    if not f or not f[0] & 0x80:
        return _octal(f)
    if f[0] & 0x40:
        return None  # negative
    x = f[0] & 0x3F
    for b in f[1:]:
        if x >> 55:
            return None
        x = (x << 8) | b
    return x


def _checksum_ok(b: bytes) -> bool:
    stored = _octal(b[148:156])
    if stored is None:
        return False
    rest = b[:148] + b[156:]
    usum = 8 * 32 + sum(rest)
    if stored == usum:
        return True
    ssum = usum - 256 * sum(1 for x in rest if x >= 128)
    return stored == ssum
