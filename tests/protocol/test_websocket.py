"""The WebSocket of ``containers.attach_ws``: the upgrade's bytes and checks, the daemon's
frames decoded in any split, the client's frames masked, and every frame the RFC
forbids a server to send refused as a ``ProtocolError``."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

import dockproto
from dockproto import Connection, api
from dockproto._websocket import WebSocketDecoder, accept_for, close_payload, encode_frame

from .conftest import drain

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's example: its answer is below
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
MASK = b"\x01\x02\x03\x04"


def head(accept: str = ACCEPT, upgrade: str = "websocket") -> bytes:
    return (
        f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: {upgrade}\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
    ).encode()


def frame(opcode: int, payload: bytes, fin: bool = True, rsv: int = 0, mask: bool = False) -> bytes:
    """A frame as a server writes it (unmasked unless told)."""
    first = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        out = struct.pack("!BB", first, bit | n)
    elif n < 1 << 16:
        out = struct.pack("!BBH", first, bit | 126, n)
    else:
        out = struct.pack("!BBQ", first, bit | 127, n)
    return out + (b"\0\0\0\0" if mask else b"") + payload


def unmask(data: bytes) -> tuple[int, bytes]:
    """(opcode, payload) of one client frame, checking that it is masked and final."""
    assert data[0] & 0x80 and data[1] & 0x80
    n, at = data[1] & 0x7F, 2
    if n == 126:
        (n,) = struct.unpack_from("!H", data, 2)
        at = 4
    elif n == 127:
        (n,) = struct.unpack_from("!Q", data, 2)
        at = 10
    key, body = data[at : at + 4], data[at + 4 :]
    assert len(body) == n
    return data[0] & 0x0F, bytes(b ^ key[i % 4] for i, b in enumerate(body))


def upgraded(extra: bytes = b"", split: str = "whole") -> tuple[Connection, list[Any]]:
    conn = Connection("1.41")
    conn.send_request(api.containers.attach_ws("c1", stdin=True, key=KEY))
    return conn, drain(conn, head() + extra, split)


def opened() -> Connection:
    """A connection upgraded to a WebSocket, the daemon's side still open."""
    conn = Connection("1.41")
    conn.send_request(api.containers.attach_ws("c1", stdin=True, key=KEY))
    conn.receive_data(head())
    assert isinstance(conn.next_event(), dockproto.Hijacked)
    return conn


def test_accept_is_the_rfcs() -> None:
    assert accept_for(KEY) == ACCEPT


def test_upgrade_request_bytes() -> None:
    """A GET with the upgrade headers, the key once, and no body."""
    raw = Connection("1.41").send_request(api.containers.attach_ws("c1", stdin=True, key=KEY))
    assert raw == (
        b"GET /v1.41/containers/c1/attach/ws?logs=false&stream=true&stdin=true&stdout=true"
        b"&stderr=true HTTP/1.1\r\nHost: docker\r\nUser-Agent: dockproto/0.1\r\n"
        b"Sec-WebSocket-Key: " + KEY.encode() + b"\r\nConnection: Upgrade\r\n"
        b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )


def test_a_fresh_key_per_upgrade() -> None:
    """Without ``key``, each connection sends a fresh one: base64 of 16 bytes."""
    keys = []
    for _ in range(2):
        raw = Connection("1.41").send_request(api.containers.attach_ws("c1"))
        (line,) = [x for x in raw.split(b"\r\n") if x.startswith(b"Sec-WebSocket-Key: ")]
        keys.append(line.split(b": ", 1)[1])
        assert len(base64.b64decode(keys[-1], validate=True)) == 16
    assert keys[0] != keys[1]


def test_messages_in_any_split(split: str) -> None:
    """Messages that came with the head and after it, a fragmented text one joined,
    16- and 64-bit lengths; the close frame ends the stream with its code and reason."""
    big = bytes(range(256)) * 300  # 76800 bytes: a 64-bit length
    data = (
        frame(2, b"out\n")
        + frame(1, b"hel", fin=False)
        + frame(9, b"ping!")  # (a control frame between fragments is allowed)
        + frame(0, b"lo", fin=False)
        + frame(0, b"!")
        + frame(2, b"x" * 300)
        + frame(2, big)
        + frame(2, b"")
        + frame(8, struct.pack("!H", 1000) + b"bye")
    )
    conn, events = upgraded(data, split)
    assert isinstance(events[0], dockproto.Hijacked) and not events[0].multiplexed
    assert events[1:] == [
        dockproto.WebSocketMessage(b"out\n"),
        dockproto.WebSocketMessage(b"hello!", text=True),
        dockproto.WebSocketMessage(b"x" * 300),
        dockproto.WebSocketMessage(big),
        dockproto.WebSocketMessage(b""),
        dockproto.ConnectionClosed(),
    ]
    assert conn.websocket_close == (1000, "bye")
    replies = conn.take_replies()
    pong_len = 2 + 4 + 5
    assert unmask(replies[:pong_len]) == (0xA, b"ping!")
    assert unmask(replies[pong_len:]) == (0x8, struct.pack("!H", 1000))
    assert conn.take_replies() == b""
    with pytest.raises(RuntimeError):  # (the stream has ended: nothing more to send)
        conn.send_websocket(b"late")


def test_eof_between_messages_ends_cleanly() -> None:
    """The daemon may close without a close frame: the stream just ends."""
    conn, events = upgraded(frame(2, b"a"))
    assert events[1:] == [dockproto.WebSocketMessage(b"a"), dockproto.ConnectionClosed()]
    assert conn.websocket_close is None


def test_client_frames() -> None:
    """Messages and the close go masked; bytes binary, str text; lengths of 16 and 64
    bits; nothing may follow our close, and it is sent once."""
    conn = opened()
    out = conn.send_websocket(b"hi", mask=MASK)
    assert out == b"\x82\x82" + MASK + bytes([ord("h") ^ 1, ord("i") ^ 2])
    assert unmask(conn.send_websocket("héllo")) == (1, "héllo".encode())
    assert unmask(conn.send_websocket(b"text", text=True)) == (1, b"text")
    assert unmask(conn.send_stdin(b"in\n")) == (2, b"in\n")
    for n in (125, 126, 65535, 65536):
        assert unmask(conn.send_websocket(b"z" * n)) == (2, b"z" * n)
    assert unmask(conn.close_websocket(1000, "done")) == (8, b"\x03\xe8done")
    assert conn.close_websocket() == b""
    with pytest.raises(RuntimeError, match="closing"):
        conn.send_websocket(b"late")
    # (the daemon's close then answers ours: nothing more is owed)
    conn.receive_data(frame(8, b"\x03\xe8"))
    assert conn.next_event() == dockproto.ConnectionClosed()
    assert conn.take_replies() == b"" and conn.websocket_close == (1000, "")


def test_sending_needs_a_websocket() -> None:
    conn = Connection("1.41")
    conn.send_request(api.containers.attach("c1"))
    conn.receive_data(b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n")
    assert isinstance(conn.next_event(), dockproto.Hijacked)
    assert conn.send_stdin(b"raw") == b"raw"  # (a tcp upgrade: sent as it is)
    with pytest.raises(RuntimeError, match="not upgraded to a WebSocket"):
        conn.send_websocket(b"x")
    assert conn.take_replies() == b""


BAD_FRAMES: list[tuple[str, bytes, str]] = [
    ("masked", frame(2, b"a", mask=True), "masked"),
    ("reserved bits", frame(2, b"a", rsv=0x40), "reserved bits"),
    ("long control", frame(9, b"p" * 126), "control frame"),
    ("fragmented control", frame(9, b"p", fin=False), "control frame"),
    ("opcode", frame(3, b"a"), "unknown WebSocket opcode"),
    ("stray continuation", frame(0, b"a"), "no message to continue"),
    ("message in message", frame(1, b"a", fin=False) + frame(2, b"b"), "inside a fragmented"),
    ("close of one byte", frame(8, b"\x03"), "close frame of 1 byte"),
    ("top bit", b"\x82\x7f" + b"\x80" + b"\0" * 7, "top bit"),
]


@pytest.mark.parametrize("data,msg", [b[1:] for b in BAD_FRAMES], ids=[b[0] for b in BAD_FRAMES])
def test_forbidden_frames_are_protocol_errors(data: bytes, msg: str) -> None:
    """What came before the fault is delivered, then the error; the connection is dead."""
    conn, events = upgraded(frame(2, b"before"))
    assert events[-2:] == [dockproto.WebSocketMessage(b"before"), dockproto.ConnectionClosed()]
    conn = Connection("1.41")
    conn.send_request(api.containers.attach_ws("c1", key=KEY))
    conn.receive_data(head() + frame(2, b"before") + data)
    assert isinstance(conn.next_event(), dockproto.Hijacked)
    assert conn.next_event() == dockproto.WebSocketMessage(b"before")
    with pytest.raises(dockproto.ProtocolError, match=msg):
        conn.next_event()
    with pytest.raises(dockproto.ProtocolError):
        conn.next_event()


def test_cut_inside_a_frame_or_a_message() -> None:
    """End of file inside a frame, or between the fragments of a message, is an error."""
    for data in (frame(2, b"abcdef")[:-2], frame(1, b"a", fin=False)):
        conn = Connection("1.41")
        conn.send_request(api.containers.attach_ws("c1", key=KEY))
        conn.receive_data(head() + data)
        conn.receive_data(b"")
        assert isinstance(conn.next_event(), dockproto.Hijacked)
        with pytest.raises(dockproto.ProtocolError, match="middle of a frame or a message"):
            conn.next_event()


def test_a_message_over_the_limit() -> None:
    """A message is held whole until its end: past the limit, an error, not memory."""
    dec = WebSocketDecoder(max_message=10)
    assert dec.feed(frame(2, b"x" * 10)) == [dockproto.WebSocketMessage(b"x" * 10)]
    dec.feed(frame(2, b"x" * 6, fin=False))
    with pytest.raises(dockproto.ProtocolError, match="over 10 bytes"):
        dec.feed(frame(0, b"x" * 5))


@pytest.mark.parametrize(
    "answer,msg",
    [
        (head(accept=base64.b64encode(b"x" * 20).decode()), "does not answer the key"),
        (head(upgrade="tcp"), "does not upgrade to websocket"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "answered 200 to a WebSocket"),
    ],
    ids=["accept", "upgrade", "200"],
)
def test_a_bad_upgrade_is_refused(answer: bytes, msg: str) -> None:
    conn = Connection("1.41")
    conn.send_request(api.containers.attach_ws("c1", key=KEY))
    conn.receive_data(answer)
    with pytest.raises(dockproto.ProtocolError, match=msg):
        conn.next_event()


def test_an_error_status_is_the_daemons_error() -> None:
    """A 404 is the daemon's error (a container's: NoSuchContainer), the body read."""
    conn = Connection("1.41")
    conn.send_request(api.containers.attach_ws("nope", key=KEY))
    body = b'{"message":"No such container: nope"}'
    conn.receive_data(b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    assert conn.next_event().status_code == 404  # type: ignore[union-attr]
    err = conn.next_event()
    assert isinstance(err, dockproto.ErrorResponse)
    assert isinstance(err.exception(), dockproto.NoSuchContainer)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="base64 of 16 bytes"):
        api.containers.attach_ws("c1", key="short")
    with pytest.raises(ValueError, match="container id or name"):
        api.containers.attach_ws("a b")
    with pytest.raises(ValueError, match="at most 125 bytes"):
        encode_frame(9, b"p" * 126)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="4 bytes"):
        encode_frame(2, b"", mask=b"123")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a close code"):
        close_payload(1005)
    with pytest.raises(ValueError, match="needs a close code"):
        close_payload(None, "why")
    assert close_payload(None) == b""
