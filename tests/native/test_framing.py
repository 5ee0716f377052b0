"""HTTP body framing (chunked, Content-Length, read-until-close) in the C core and its twin."""

from __future__ import annotations

import pytest

from dockproto._decode import BodyDecoder, Content, Framing
from dockproto._errors import ProtocolError
from dockproto._events import RawData

from .native_helpers import IMPL_IDS, IMPLS, chunked, decoder, feed_all, feed_bytewise

pytestmark = pytest.mark.parametrize("native", IMPLS, ids=IMPL_IDS)

BODY = b"hello, world: " * 50


def raw(events: list[object]) -> bytes:
    assert all(isinstance(e, RawData) for e in events)
    return b"".join(e.data for e in events)  # type: ignore[attr-defined]


def test_chunked_whole(native: bool) -> None:
    """A chunked body fed at once decodes to its payload and is done."""
    dec = decoder(Framing.CHUNKED, Content.BYTES, native)
    assert raw(dec.feed(chunked(BODY, [1, 7, 100, 3]))) == BODY
    assert dec.done and dec.unused == b""


def test_chunked_bytewise(native: bool) -> None:
    """A chunked body fed one byte at a time decodes to the same payload."""
    dec = decoder(Framing.CHUNKED, Content.BYTES, native)
    wire = chunked(BODY, [5, 9, 2], ext=b";a=b;c", trailers=b"X-T: 1\r\nY: 2\r\n")
    assert raw(feed_bytewise(dec, wire)) == BODY
    assert dec.done


def test_chunked_trailing_bytes_stay_unused(native: bool) -> None:
    """Bytes after the final chunk are not decoded but kept in ``unused``."""
    dec = decoder(Framing.CHUNKED, Content.BYTES, native)
    assert raw(dec.feed(chunked(BODY, [10]) + b"HTTP/1.1 200")) == BODY
    assert dec.done and dec.unused == b"HTTP/1.1 200"
    assert dec.feed(b" OK") == []
    assert dec.unused == b"HTTP/1.1 200 OK"


def test_chunked_extensions_spaces_and_bare_lf(native: bool) -> None:
    """Chunk extensions, spaces before them, upper-case hex and bare-LF lines are accepted."""
    wire = b'A ;x="y z"\r\n0123456789\r\n4\n abc\r\n0;last\r\nT: v\n\r\n'
    dec = decoder(Framing.CHUNKED, Content.BYTES, native)
    assert raw(dec.feed(wire)) == b"0123456789 abc"
    assert dec.done


def test_empty_chunked_body(native: bool) -> None:
    """A body that is only the final chunk produces no events and is done."""
    dec = decoder(Framing.CHUNKED, Content.BYTES, native)
    assert dec.feed(b"0\r\n\r\nrest") == []
    assert dec.done and dec.unused == b"rest"


def test_length_body(native: bool) -> None:
    """A Content-Length body ends after its length; the rest is unused."""
    dec = decoder(Framing.LENGTH, Content.BYTES, native, length=len(BODY))
    assert raw(feed_all(dec, BODY + b"extra", [3, 500])) == BODY
    assert dec.done and dec.unused == b"extra"


def test_length_bytewise(native: bool) -> None:
    """A Content-Length body fed one byte at a time."""
    dec = decoder(Framing.LENGTH, Content.BYTES, native, length=len(BODY))
    assert raw(feed_bytewise(dec, BODY + b"x")) == BODY
    assert dec.done and dec.unused == b"x"


def test_length_zero_is_done_at_once(native: bool) -> None:
    """A body declared empty (HEAD, 204, 304) is done before any byte, whatever its content."""
    for content in Content:
        dec = decoder(Framing.LENGTH, content, native, length=0)
        assert dec.done
        assert dec.feed(b"next") == []
        assert dec.unused == b"next"


def test_close_body(native: bool) -> None:
    """A read-until-close body passes everything and is done at EOF."""
    dec = decoder(Framing.CLOSE, Content.BYTES, native)
    events = feed_all(dec, BODY, [1, 2, 300])
    assert not dec.done
    events += dec.feed_eof()
    assert raw(events) == BODY and dec.done


def test_bytes_input_passes_through_uncopied(native: bool) -> None:
    """A whole bytes feed of a plain body comes back as the same object."""
    dec = decoder(Framing.CLOSE, Content.BYTES, native)
    (ev,) = dec.feed(BODY)
    assert isinstance(ev, RawData) and ev.data is BODY


def test_memoryview_and_bytearray_input(native: bool) -> None:
    """bytearray and (non-byte-format) memoryview inputs decode like bytes."""
    dec = decoder(Framing.CHUNKED, Content.BYTES, native)
    wire = chunked(BODY[:64], [8])
    events = dec.feed(bytearray(wire[:20]))
    events += dec.feed(memoryview(wire[20:]))
    assert raw(events) == BODY[:64]
    dec = decoder(Framing.CLOSE, Content.BYTES, native)
    assert raw(dec.feed(memoryview(b"abcdefgh").cast("I"))) == b"abcdefgh"


def test_small_calls_and_span_array(native: bool) -> None:
    """A tiny span array and call size give the same bytes (calls stop and resume)."""
    wire = chunked(BODY, [1, 2, 3, 5000])
    dec = decoder(Framing.CHUNKED, Content.BYTES, native, _max_spans=1, _max_call=7)
    assert raw(dec.feed(wire)) == BODY


def bad(
    native: bool, wire: bytes, framing: Framing = Framing.CHUNKED, **kw: object
) -> ProtocolError:
    dec = decoder(framing, Content.BYTES, native, **kw)
    with pytest.raises(ProtocolError) as info:
        dec.feed(wire)
        dec.feed_eof()
    # The decoder stays in error.
    with pytest.raises(ProtocolError):
        dec.feed(b"0\r\n\r\n")
    with pytest.raises(ProtocolError):
        dec.feed_eof()
    return info.value


def test_non_hex_size(native: bool) -> None:
    """A chunk-size line that does not start with hex fails at its first byte."""
    err = bad(native, b"5\r\nhello\r\nzz\r\n")
    assert err.offset == 10 and "chunk-size" in err.message


def test_junk_after_size(native: bool) -> None:
    """Junk between the size and CRLF (not an extension) fails at the junk byte."""
    assert bad(native, b"5x\r\nhello\r\n").offset == 1
    assert bad(native, b"5\rx\nhello\r\n").offset == 2


def test_size_line_too_long(native: bool) -> None:
    """A size line longer than 4 KiB (with its extensions) fails at the byte past the limit."""
    err = bad(native, b"5;" + b"e" * 5000)
    assert err.offset == 4096 and "4096 bytes" in err.message


def test_trailer_line_too_long(native: bool) -> None:
    """A trailer line longer than 4 KiB fails too."""
    assert bad(native, b"0\r\nX: " + b"y" * 5000).offset == 3 + 4096


def test_oversized_chunk(native: bool) -> None:
    """A chunk size above 2**40 fails at the digit that passes the limit."""
    assert "final chunk" in bad(native, b"10000000000\r\n").message  # 2**40 itself is fine
    err = bad(native, b"10000000001\r\n")
    assert err.offset == 10 and "2**40" in err.message
    assert bad(native, b"fffffffffffffffffff\r\n").offset == 10


def test_chunk_longer_than_announced(native: bool) -> None:
    """Chunk data not followed by CRLF fails at the first extra byte."""
    err = bad(native, b"3\r\nhello\r\n0\r\n\r\n")
    assert err.offset == 6 and "longer than announced" in err.message
    assert bad(native, b"3\r\nhel\rX").offset == 7


def test_cut_off_mid_chunk(native: bool) -> None:
    """EOF inside a chunk (or before the final chunk) fails at the end of the input."""
    err = bad(native, b"5\r\nhel")
    assert err.offset == 6 and "final chunk" in err.message
    assert bad(native, b"5\r\nhello\r\n").offset == 10
    assert bad(native, b"0\r\nX: 1\r\n").offset == 9


def test_length_cut_off(native: bool) -> None:
    """EOF before Content-Length bytes fails at the end of the input."""
    err = bad(native, b"abc", Framing.LENGTH, length=10)
    assert err.offset == 3 and "Content-Length" in err.message


def test_errors_offset_counts_earlier_feeds(native: bool) -> None:
    """Error offsets count every byte fed to the decoder, across feeds."""
    dec = decoder(Framing.CHUNKED, Content.BYTES, native)
    dec.feed(b"5\r\nhel")
    with pytest.raises(ProtocolError) as info:
        dec.feed(b"lo\r\n?")
    assert info.value.offset == 10


def test_length_requires_length(native: bool) -> None:
    """Framing.LENGTH without a length is a ValueError, not a decoder."""
    with pytest.raises(ValueError):
        BodyDecoder(Framing.LENGTH, Content.BYTES, _native=native)
