"""JSON lines (pull/push/build progress, events) in the C core and its twin."""

from __future__ import annotations

import pytest

from dockproto._decode import Content, Framing
from dockproto._errors import ProtocolError
from dockproto._events import JSONMessage

from .native_helpers import IMPL_IDS, IMPLS, chunked, decoder, feed_all, feed_bytewise

pytestmark = pytest.mark.parametrize("native", IMPLS, ids=IMPL_IDS)

VALUES = [
    {"status": "Pulling fs layer", "id": "a1"},
    {"stream": "Step 1/2\n"},
    [1, 2],
    "s",
    3,
    {"errorDetail": {"message": "no such image", "code": 404}, "error": "no such image"},
]
TEXT = (
    b'{"status":"Pulling fs layer","id":"a1"}\r\n{"stream":"Step 1/2\\n"}\n\r\n\n[1, 2]\r\n'
    b'  "s"  \n3\n{"errorDetail":{"message":"no such image","code":404},"error":"no such image"}\r\n'
)


def values(events: list[object]) -> list[object]:
    assert all(isinstance(e, JSONMessage) for e in events)
    return [e.value for e in events]  # type: ignore[attr-defined]


def test_whole(native: bool) -> None:
    """Each line is one JSONMessage; CRLF and LF both end lines; blank lines are skipped."""
    dec = decoder(Framing.CLOSE, Content.JSONLINES, native)
    assert values(dec.feed(TEXT) + dec.feed_eof()) == VALUES


def test_bytewise_chunked(native: bool) -> None:
    """Lines split across feeds and HTTP chunks are joined."""
    dec = decoder(Framing.CHUNKED, Content.JSONLINES, native)
    assert values(feed_bytewise(dec, chunked(TEXT, [1, 3, 7, 2]))) == VALUES
    assert dec.done


def test_trailing_bytes_unused(native: bool) -> None:
    """Bytes after a Content-Length body of lines stay unused."""
    dec = decoder(Framing.LENGTH, Content.JSONLINES, native, length=len(TEXT))
    assert values(feed_all(dec, TEXT + b'{"next":1}\n', [5, 60])) == VALUES
    assert dec.unused == b'{"next":1}\n'


def test_last_line_without_newline(native: bool) -> None:
    """A last line with no newline that parses is a message at the end of the body."""
    dec = decoder(Framing.CHUNKED, Content.JSONLINES, native)
    assert values(dec.feed(chunked(b'{"a":1}\n{"b":2}', [3]))) == [{"a": 1}, {"b": 2}]
    dec = decoder(Framing.CLOSE, Content.JSONLINES, native)
    assert values(dec.feed(b'{"a":1}\n  \r') + dec.feed(b'{"b"') + dec.feed(b":2}")) == [{"a": 1}]
    assert values(dec.feed_eof()) == [{"b": 2}]


def test_blank_tail_is_fine(native: bool) -> None:
    """Whitespace after the last newline is not a message and not an error."""
    dec = decoder(Framing.CLOSE, Content.JSONLINES, native)
    assert values(dec.feed(b"1\n\r\n  ") + dec.feed_eof()) == [1]


def test_invalid_line(native: bool) -> None:
    """A line that is not JSON fails at the end of that line."""
    dec = decoder(Framing.CLOSE, Content.JSONLINES, native)
    with pytest.raises(ProtocolError) as info:
        dec.feed(b'{"a":1}\n{"b":\n{"c":3}\n')
    assert info.value.offset == 14 and "invalid JSON" in info.value.message
    with pytest.raises(ProtocolError):
        dec.feed(b"1\n")


def test_cut_off_line(native: bool) -> None:
    """A body ending inside a line that does not parse fails at the end of the body."""
    dec = decoder(Framing.CHUNKED, Content.JSONLINES, native)
    with pytest.raises(ProtocolError) as info:
        dec.feed(chunked(b'{"a":1}\n{"b":', [2]))
    assert "JSON line" in info.value.message
    dec = decoder(Framing.CLOSE, Content.JSONLINES, native)
    dec.feed(b'{"a":1}\n{"b":')
    with pytest.raises(ProtocolError) as info:
        dec.feed_eof()
    assert info.value.offset == 13


def test_many_lines_tiny_span_array(native: bool) -> None:
    """Many lines per feed with a tiny span array and call size decode the same."""
    body = b"".join(b'{"n":%d}\n' % i for i in range(500))
    dec = decoder(Framing.CHUNKED, Content.JSONLINES, native, _max_spans=2, _max_call=13)
    assert values(dec.feed(chunked(body, [5] * 2000))) == [{"n": i} for i in range(500)]
