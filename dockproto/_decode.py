"""Streamed bodies to events: ``BodyDecoder``, and the public ``Demuxer`` and ``TarReader``.

A streamed response body is two layers of framing: the HTTP/1.1 body framing
(``Framing``: chunked, Content-Length, or read-until-close, the last also after an
attach/exec upgrade) and what the body carries (``Content``: multiplexed frames, a raw
TTY stream, a tar archive, JSON lines, or plain bytes).  h11 would need ~39 s for a
5,000,000-line logs body of one chunk per frame; the C core (``csrc/``) undoes both
layers in one pass and returns spans, and this module turns spans into events with
work per ``feed`` call, not per frame.  When the extension is missing (or
``DOCKPROTO_PURE_PYTHON=1``), the pure-Python twin in ``_pydecode`` produces the same
spans, slower.

A ``feed`` is cut into calls of at most ``MAX_CALL`` bytes (bounding the output
buffer); a call may also stop early (span array full, or a pax header whose size the
walker needs), and is then repeated on the rest.  Events of one feed never depend on
where calls stopped: a run of one stream continues across calls.

Errors become ``ProtocolError(message, offset)``, offset counted in the bytes fed to
this decoder; the decoder then stays in error, and every later call raises again.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from typing import Any, Protocol

from . import _pydecode as _py
from ._content import Content as Content
from ._content import Framing as Framing
from ._errors import ProtocolError
from ._events import StreamChunk, StreamItem, StreamKind
from ._pieces import MAX_PIECE, Pieces, join
from ._streamevents import EndOfArchive, TarData, _json_message, _raw_data, _stream_chunk
from ._streamevents import TarMember as TarMember
from ._tarmembers import TarSink, configure_tar_events

_FORCE_PURE = os.environ.get("DOCKPROTO_PURE_PYTHON") == "1"
_ffi: Any = None
_lib: Any = None
_NATIVE_ERROR: str | None = None
"""Why the extension did not import (None until a failed attempt)."""


def _load_native() -> bool:
    """Import the extension once; True when it is there."""
    global _ffi, _lib, _NATIVE_ERROR
    if _lib is None:
        try:
            from ._native import ffi, lib
        except ImportError as exc:  # not built, or built for another Python or machine
            _NATIVE_ERROR = str(exc) or type(exc).__name__
            return False
        _ffi, _lib = ffi, lib
    return True


def _load_tar_events() -> Any:
    """``dockproto._tarevents.take`` configured for our event types; None without it."""
    try:
        from . import _tarevents
    except ImportError:  # not built: TarSink builds every event in Python
        return None
    return configure_tar_events(_tarevents)


NATIVE = False
"""True when the C stream core is in use (False when missing or ``DOCKPROTO_PURE_PYTHON=1``)."""
if not _FORCE_PURE:
    NATIVE = _load_native()
    if not NATIVE:
        warnings.warn(
            "dockproto: the C stream core (dockproto._native) is not available "
            f"({_NATIVE_ERROR}); streamed bodies use the pure-Python decoders, which are "
            "much slower.  Install a wheel, or reinstall with a C compiler present "
            "(pip install --force-reinstall --no-cache-dir dockproto); "
            "DOCKPROTO_PURE_PYTHON=1 chooses the pure-Python decoders without this warning",
            RuntimeWarning,
            stacklevel=2,
        )
_TAR_EVENTS: Any = _load_tar_events() if NATIVE else None
"""``dockproto._tarevents.take`` when tar events are built in C (with the C core only)."""
TAR_EVENTS = _TAR_EVENTS is not None

MAX_CALL = 1 << 20
"""At most this many input bytes go to one core call (the output buffer is this + 512)."""
MAX_SPANS = 1024
"""Spans per core call (24 bytes each)."""


assert (Framing.CHUNKED.value, Framing.LENGTH.value, Framing.CLOSE.value) == (
    _py.CHUNKED,
    _py.LENGTH,
    _py.CLOSE,
), "Framing's values are the core's"
_CORE_CONTENT = {
    Content.MUX: _py.MUX,
    Content.RAW: _py.PASS,
    Content.TAR: _py.TAR,
    Content.JSONLINES: _py.LINES,
    Content.BYTES: _py.PASS,
}
_KINDS = tuple(StreamKind)


# -- the two cores: same calls, same spans ------------------------------------------


class _Core(Protocol):
    @property
    def done(self) -> bool: ...
    @property
    def pos(self) -> int: ...
    @property
    def err_offset(self) -> int: ...
    def feed(self, mv: memoryview) -> tuple[int, int, list[int], memoryview]: ...
    def eof(self) -> int: ...
    def set_next_size(self, size: int) -> None: ...


class _NativeCore:
    """``dp_body`` and its buffers, allocated once per decoder."""

    __slots__ = (
        "_addresses", "_cap", "_max", "_out", "_outmv", "_res", "_spanmv", "_spans", "_st",
        "in_addr", "out_addr",
    )  # fmt: skip

    def __init__(self, framing: int, content: int, length: int, frames: bool, spans: int):
        # in_addr, out_addr: where the last call's input and output lie, for the tar
        # events extension (kept for TAR only: it costs a cast per call).
        self._addresses = content == _py.TAR
        self.in_addr = self.out_addr = 0
        self._st = _ffi.new("dp_body *")
        _lib.dp_body_init(self._st, framing, content, length, int(frames))
        self._max = spans
        self._spans = _ffi.new("dp_span[]", spans)
        self._spanmv = memoryview(_ffi.buffer(self._spans)).cast("Q")
        self._res = _ffi.new("dp_result *")
        self._cap = 0
        self._out: Any = None
        self._outmv = memoryview(b"")

    @property
    def done(self) -> bool:
        return bool(self._st.done)

    @property
    def pos(self) -> int:
        return int(self._st.pos)

    @property
    def err_offset(self) -> int:
        return int(self._st.err_offset)

    def feed(self, mv: memoryview) -> tuple[int, int, list[int], memoryview]:
        n = len(mv)
        if self._cap < n + _py.MIN_OUT:
            self._cap = max(n, 65536) + _py.MIN_OUT
            self._out = _ffi.new("uint8_t[]", self._cap)
            self._outmv = memoryview(_ffi.buffer(self._out))
            self.out_addr = int(_ffi.cast("uintptr_t", self._out))
        res = self._res
        inp = _ffi.from_buffer("uint8_t[]", mv)
        if self._addresses:  # (valid while the caller holds mv, as BodyDecoder.feed does)
            self.in_addr = int(_ffi.cast("uintptr_t", inp))
        code = _lib.dp_body_feed(
            self._st,
            inp,
            n,
            self._out,
            self._cap,
            self._spans,
            self._max,
            res,
        )
        k = res.nspans
        spans = self._spanmv[: 3 * k].tolist() if k else []
        return int(code), int(res.consumed), spans, self._outmv

    def eof(self) -> int:
        return int(_lib.dp_body_eof(self._st))

    def set_next_size(self, size: int) -> None:
        self._st.tar_next_size = size


class _PyCore:
    """``PyBody`` behind the same calls (its output is a fresh bytearray per call)."""

    __slots__ = ("_body", "_max")

    def __init__(self, framing: int, content: int, length: int, frames: bool, spans: int):
        self._body = _py.PyBody(framing, content, length, frames)
        self._max = spans

    @property
    def done(self) -> bool:
        return self._body.done

    @property
    def pos(self) -> int:
        return self._body.pos

    @property
    def err_offset(self) -> int:
        return self._body.err_offset

    def feed(self, mv: memoryview) -> tuple[int, int, list[int], memoryview]:
        code, used, spans, out = self._body.feed(mv, len(mv) + _py.MIN_OUT, self._max)
        return code, used, spans, memoryview(out)

    def eof(self) -> int:
        return self._body.eof()

    def set_next_size(self, size: int) -> None:
        self._body.tar_next_size = size


# -- sinks: spans to events ------------------------------------------------------------


class _Sink(Protocol):
    def take(
        self, spans: list[int], inmv: memoryview, outmv: memoryview, events: list[object]
    ) -> None: ...
    def end_feed(self, events: list[object]) -> None: ...
    def finish(self, events: list[object], at: int) -> None: ...


class _RunSink:
    """MUX (frames coalesced), RAW and BYTES: one event per run of one kind per feed, in
    pieces of MAX_PIECE bytes (the last one shorter) when they are copies."""

    def __init__(self, make: Callable[[int, bytes], object]) -> None:
        self._make = make
        self._kind = -1
        self._run = Pieces()

    def take(
        self, spans: list[int], inmv: memoryview, outmv: memoryview, events: list[object]
    ) -> None:
        run, make = self._run, self._make
        for i in range(0, len(spans), 3):
            tag, off = spans[i], spans[i + 1]
            kind = tag & _py.KIND_MASK
            if kind != self._kind:
                if run.parts:
                    events.append(make(self._kind, run.take()))
                self._kind = kind
            n = spans[i + 2]
            if not tag & _py.SPAN_OUT and run.size + n <= MAX_PIECE:
                run.parts.append(inmv[off : off + n])  # (the common case, inline)
                run.size += n
                continue
            out = bool(tag & _py.SPAN_OUT)
            for data in run.add(outmv if out else inmv, off, off + n, out):
                events.append(make(kind, data))

    def end_feed(self, events: list[object]) -> None:
        if self._run.parts:
            events.append(self._make(self._kind, self._run.take()))
        self._kind = -1

    def finish(self, events: list[object], at: int) -> None:
        pass


# A unit (one JSON line, or one whole log frame with frames=True) is held until it ends.
# The daemon's are small (log lines are split at 16 KiB, progress messages are a few
# hundred bytes); one that grows past 16 MiB is refused rather than held whole.
MAX_UNIT = 16 << 20


class _UnitSink:
    """MUX with frames=True, and JSON lines: one event per END-flagged unit."""

    def __init__(self, make: Callable[[int, bytes, int], object | None], lines: bool) -> None:
        self._make = make
        self._lines = lines
        self._parts: list[bytes | memoryview] = []  # pieces of the open unit, this feed
        self._held = bytearray()  # pieces of the open unit from earlier feeds
        self._size = 0  # bytes of the open unit so far

    def _unit(self) -> bytes:
        parts, held = self._parts, self._held
        if not held:
            data = join(parts)
        else:
            for p in parts:
                held += p
            data = bytes(held)
            held.clear()
        parts.clear()
        return data

    def take(
        self, spans: list[int], inmv: memoryview, outmv: memoryview, events: list[object]
    ) -> None:
        parts = self._parts
        make = self._make
        for i in range(0, len(spans), 3):
            tag, off = spans[i], spans[i + 1]
            end = off + spans[i + 2]
            parts.append(bytes(outmv[off:end]) if tag & _py.SPAN_OUT else inmv[off:end])
            if tag & _py.SPAN_END:
                self._size = 0
                ev = make(tag & _py.KIND_MASK, self._unit(), tag >> _py.POS_SHIFT)
                if ev is not None:
                    events.append(ev)
            else:
                self._size += end - off
                if self._size > MAX_UNIT:
                    what = "JSON line" if self._lines else "log frame"
                    msg = f"a {what} longer than {MAX_UNIT} bytes"
                    raise ProtocolError(msg, tag >> _py.POS_SHIFT)

    def end_feed(self, events: list[object]) -> None:
        # The unit continues in the next feed: keep its bytes, not views of this input.
        for p in self._parts:
            self._held += p
        self._parts.clear()

    def finish(self, events: list[object], at: int) -> None:
        data = self._unit()
        if not self._lines or not data.strip():
            return  # (an open frame was already reported by the core)
        try:
            value = json.loads(data)
        except (ValueError, RecursionError):
            msg = "body ended inside a JSON line that is not valid JSON"
            raise ProtocolError(msg, at) from None
        events.append(_json_message(value))


def _chunk(kind: int, data: bytes) -> object:
    return _stream_chunk(_KINDS[kind], data)


def _tty(kind: int, data: bytes) -> object:
    return _stream_chunk(StreamKind.STDOUT, data)


def _raw(kind: int, data: bytes) -> object:
    return _raw_data(data)


def _frame(kind: int, data: bytes, at: int) -> object | None:
    return _stream_chunk(_KINDS[kind], data)


def _json_line(kind: int, data: bytes, at: int) -> object | None:
    if not data.strip():
        return None  # blank lines (and a lone CR) carry nothing
    try:
        return _json_message(json.loads(data))
    except (ValueError, RecursionError) as exc:
        reason = getattr(exc, "msg", type(exc).__name__)
        raise ProtocolError(f"invalid JSON line ({reason})", at) from None


# -- the decoder -----------------------------------------------------------------------


class BodyDecoder:
    """Decode one streamed body: bytes in, events out.

    Args:
        framing: the HTTP/1.1 framing of the body.
        content: what the body carries.
        length: the Content-Length, for ``Framing.LENGTH``.
        frames: for ``Content.MUX``, one ``StreamChunk`` per frame instead of one per
            run of a stream within a feed (for callers that need frame boundaries).
    """

    def __init__(
        self,
        framing: Framing,
        content: Content,
        *,
        length: int | None = None,
        frames: bool = False,
        _native: bool | None = None,
        _max_spans: int = MAX_SPANS,
        _max_call: int = MAX_CALL,
    ) -> None:
        if framing is Framing.LENGTH and (length is None or length < 0):
            raise ValueError("Framing.LENGTH needs a non-negative length")
        native = NATIVE if _native is None else _native
        if native and not _load_native():
            raise RuntimeError("the C stream core is not available")
        make_core = _NativeCore if native else _PyCore
        mux = content is Content.MUX
        self._core: _Core = make_core(
            framing.value, _CORE_CONTENT[content], length or 0, frames and mux, _max_spans
        )
        sink: _Sink
        if content is Content.TAR:
            core = self._core if isinstance(self._core, _NativeCore) else None
            sink = TarSink(self._core.set_next_size, _TAR_EVENTS, core)  # (needs addresses)
        elif content is Content.JSONLINES:
            sink = _UnitSink(_json_line, lines=True)
        elif mux and frames:
            sink = _UnitSink(_frame, lines=False)
        else:
            sink = _RunSink(_chunk if mux else _tty if content is Content.RAW else _raw)
        self._sink = sink
        self._max_call = _max_call
        self._done = self._core.done
        self._unused = bytearray()
        self._exc: ProtocolError | None = None

    @property
    def done(self) -> bool:
        """The body ended where its framing says (or the peer closed a CLOSE body)."""
        return self._done

    @property
    def unused(self) -> bytes:
        """Bytes fed after the end of the body (the next response's, on keep-alive)."""
        return bytes(self._unused)

    def feed(self, data: bytes | bytearray | memoryview) -> list[StreamItem]:
        """Decode ``data``; returns the events it completes, in order.

        Raises:
            ProtocolError: the bytes break the framing or the content.  Its ``events``
                attribute holds what this ``data`` decoded to before the fault (the
                first time only; later calls raise the same message with no events).
        """
        if self._exc is not None:
            raise ProtocolError(self._exc.message, self._exc.offset)
        if self._done:
            self._unused += data
            return []
        mv = memoryview(data)
        if mv.format != "B" or mv.ndim != 1:
            mv = mv.cast("B")
        events: list[Any] = []  # (the sinks fill it with StreamItems)
        core, sink, step = self._core, self._sink, self._max_call
        n, pos = len(mv), 0
        try:
            while pos < n:
                piece = mv[pos : pos + step] if pos or n > step else mv
                code, used, spans, outmv = core.feed(piece)
                if spans:
                    sink.take(spans, piece, outmv, events)  # (all before any fault)
                if code:
                    raise ProtocolError(_py.MESSAGES[code], core.err_offset)
                if not spans and not used and not core.done:
                    raise ProtocolError("internal error: the stream decoder made no progress")
                pos += used
                if core.done:
                    sink.end_feed(events)
                    sink.finish(events, core.pos)
                    self._done = True
                    self._unused += mv[pos:]
                    return events
            sink.end_feed(events)
        except ProtocolError as exc:
            self._fail(exc, events)
            raise
        return events

    def _fail(self, exc: ProtocolError, events: list[Any]) -> None:
        # Good bytes before the fault are not lost: whole runs (and tar data) decoded so
        # far ride on the exception; a frame or line cut by the fault is not an event.
        self._sink.end_feed(events)
        exc.events = events
        self._exc = exc

    def feed_eof(self) -> list[StreamItem]:
        """The peer closed the connection: flush, and check the body was complete.

        Raises:
            ProtocolError: the body or its content was cut off.
        """
        if self._exc is not None:
            raise ProtocolError(self._exc.message, self._exc.offset)
        if self._done:
            return []
        events: list[Any] = []
        try:
            code = self._core.eof()
            if code:
                raise ProtocolError(_py.MESSAGES[code], self._core.err_offset)
            self._sink.finish(events, self._core.pos)
        except ProtocolError as exc:
            self._fail(exc, [])
            raise
        self._done = True
        return events


class Demuxer:
    """Split a multiplexed attach/exec/logs stream you already hold into ``StreamChunk``.

    No HTTP framing: feed the raw stream bytes.  With ``tty=True`` the stream is not
    multiplexed and comes out as stdout untouched.  By default adjacent frames of one
    stream within a feed come out as one chunk (cut into 64 KiB pieces, ``MAX_PIECE``,
    when copied); ``frames=True`` gives one chunk per frame instead.
    """

    def __init__(self, *, tty: bool = False, frames: bool = False, _native: bool | None = None):
        content = Content.RAW if tty else Content.MUX
        self._dec = BodyDecoder(Framing.CLOSE, content, frames=frames, _native=_native)
        self._closed = False

    def feed(self, data: bytes | bytearray | memoryview) -> list[StreamChunk]:
        """The chunks ``data`` completes.  Raises ``ProtocolError`` on a bad frame header."""
        if self._closed:
            raise ValueError("feed() after close()")
        return self._dec.feed(data)  # type: ignore[return-value]

    def close(self) -> list[StreamChunk]:
        """End of input.  Raises ``ProtocolError`` if it stopped mid-frame."""
        self._closed = True
        return self._dec.feed_eof()  # type: ignore[return-value]


class TarReader:
    """Read a tar archive as ``TarMember`` / ``TarData`` / ``EndOfArchive`` events.

    Long names (GNU and pax) are applied to their member and never show as members.
    """

    def __init__(self, *, _native: bool | None = None) -> None:
        self._dec = BodyDecoder(Framing.CLOSE, Content.TAR, _native=_native)
        self._closed = False

    def feed(
        self, data: bytes | bytearray | memoryview
    ) -> list[TarMember | TarData | EndOfArchive]:
        """The events ``data`` completes.  Raises ``ProtocolError`` on a bad header."""
        if self._closed:
            raise ValueError("feed() after close()")
        return self._dec.feed(data)  # type: ignore[return-value]

    def close(self) -> list[TarMember | TarData | EndOfArchive]:
        """End of input.  Raises ``ProtocolError`` if cut off mid-member or before the end."""
        self._closed = True
        return self._dec.feed_eof()  # type: ignore[return-value]
