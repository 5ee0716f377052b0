"""A WebSocket (RFC 6455) client framer, for ``GET /containers/{id}/attach/ws``.

The handshake is HTTP: ``Connection`` sends ``Upgrade: websocket`` with a
``Sec-WebSocket-Key`` and checks the ``Sec-WebSocket-Accept`` of the ``101``; after it
the bytes both ways are frames.  ``WebSocketDecoder`` reads the daemon's frames (never
masked, as the RFC has it) into ``WebSocketMessage`` events, one per whole message
(fragments joined); it answers a ping with a pong and a close with a close, which it
queues for the caller to send (``take_replies``).  ``encode_frame`` writes the client's
frames, always masked.

Only the framing of RFC 6455 is here, no extension (the daemon, Go's
``x/net/websocket``, negotiates none) and no subprotocol.  Keys and masks come from
``os.urandom``; a caller may give its own (tests do, for exact bytes).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import os
import struct
from typing import Any, cast

from ._errors import ProtocolError
from ._events import WebSocketMessage

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# A message (all its fragments) is held whole until its last frame: a daemon writes
# one frame per write of the container's output (32 KiB at most); 64 MiB bounds a
# hostile peer.
MAX_MESSAGE = 64 << 20
CLOSE_NORMAL = 1000


class Opcode(enum.IntEnum):
    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


def new_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: base64 of 16 random bytes."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def accept_for(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer to ``key``."""
    digest = hashlib.sha1(key.encode("ascii") + GUID).digest()  # (the RFC's digest)
    return base64.b64encode(digest).decode("ascii")


def encode_frame(
    opcode: Opcode, payload: bytes = b"", *, mask: bytes | None = None, fin: bool = True
) -> bytes:
    """One client frame: masked with ``mask`` (4 bytes; random when None)."""
    if mask is None:
        mask = os.urandom(4)
    if len(mask) != 4:
        raise ValueError("a WebSocket mask is 4 bytes")
    if opcode >= 0x8 and (len(payload) > 125 or not fin):
        raise ValueError("a control frame carries at most 125 bytes, in one frame")
    n = len(payload)
    first = (0x80 if fin else 0) | int(opcode)
    if n < 126:
        head = struct.pack("!BB", first, 0x80 | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", first, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", first, 0x80 | 127, n)
    return head + mask + _mask(payload, mask)


def _mask(payload: bytes, mask: bytes) -> bytes:
    """``payload`` XOR the repeated 4-byte ``mask`` (as one big integer: no byte loop)."""
    if not payload:
        return b""
    n = len(payload)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


def close_payload(code: int | None = CLOSE_NORMAL, reason: str = "") -> bytes:
    """A close frame's payload: the code (2 bytes) and a UTF-8 reason."""
    if code is None:
        if reason:
            raise ValueError("a close reason needs a close code")
        return b""
    if not (1000 <= code < 5000) or code in (1004, 1005, 1006, 1015):
        raise ValueError(f"{code} is not a close code a client may send")
    data = struct.pack("!H", code) + reason.encode()
    if len(data) > 125:
        raise ValueError("a close reason is at most 123 bytes")
    return data


class WebSocketDecoder:
    """The daemon's frames in, ``WebSocketMessage`` events out.

    The same shape as ``BodyDecoder`` (``feed``, ``feed_eof``, ``done``, ``unused``), so
    that ``Connection`` drives either.  ``done`` once a close frame has come (or the
    peer closed between frames); ``close_code``/``close_reason`` say what it carried.
    """

    def __init__(self, *, max_message: int = MAX_MESSAGE) -> None:
        self._buf = bytearray()
        self._parts: list[bytes] = []
        self._size = 0
        self._opcode: Opcode | None = None  # of the message being assembled
        self._max = max_message
        self._replies = bytearray()
        self._done = False
        self.close_code: int | None = None
        self.close_reason = ""
        self.closing = False  # our close was sent: the peer's answers it

    @property
    def done(self) -> bool:
        return self._done

    @property
    def unused(self) -> bytes:
        """Bytes after the close frame (there should be none: the peer then closes)."""
        return bytes(self._buf) if self._done else b""

    def take_replies(self) -> bytes:
        """The frames to send back (pongs, the answer to a close), once each."""
        out = bytes(self._replies)
        self._replies.clear()
        return out

    def feed(self, data: bytes | bytearray | memoryview) -> list[WebSocketMessage]:
        if self._done:
            return []
        self._buf += data
        events: list[WebSocketMessage] = []
        try:
            while not self._done:
                frame = self._next_frame()
                if frame is None:
                    break
                fin, opcode, payload = frame
                message = self._on_frame(fin, opcode, payload)
                if message is not None:
                    events.append(message)
        except ProtocolError as exc:  # (what came before the fault is delivered first)
            exc.events = cast("list[Any]", events)
            raise
        return events

    def feed_eof(self) -> list[WebSocketMessage]:
        """The peer closed: clean between messages (the daemon may close without a close
        frame when the container ends), a ``ProtocolError`` inside one."""
        if self._done:
            return []
        self._done = True
        if self._buf or self._parts or self._opcode is not None:
            raise ProtocolError("the WebSocket ended in the middle of a frame or a message")
        return []

    def _next_frame(self) -> tuple[bool, int, bytes] | None:
        buf = self._buf
        if len(buf) < 2:
            return None
        b0, b1 = buf[0], buf[1]
        if b0 & 0x70:
            raise ProtocolError("a WebSocket frame sets reserved bits (no extension was agreed)")
        if b1 & 0x80:
            raise ProtocolError("the server sent a masked WebSocket frame")
        n = b1 & 0x7F
        at = 2
        if n == 126:
            if len(buf) < 4:
                return None
            (n,) = struct.unpack_from("!H", buf, 2)
            at = 4
        elif n == 127:
            if len(buf) < 10:
                return None
            (n,) = struct.unpack_from("!Q", buf, 2)
            if n >> 63:
                raise ProtocolError("a WebSocket frame length has its top bit set")
            at = 10
        opcode = b0 & 0x0F
        fin = bool(b0 & 0x80)
        if opcode >= 0x8:
            if n > 125 or not fin:
                raise ProtocolError("a WebSocket control frame is over 125 bytes or fragmented")
        elif self._size + n > self._max:
            raise ProtocolError(f"a WebSocket message is over {self._max} bytes")
        if len(buf) < at + n:
            return None
        payload = bytes(buf[at : at + n])
        del buf[: at + n]
        return fin, opcode, payload

    def _on_frame(self, fin: bool, opcode: int, payload: bytes) -> WebSocketMessage | None:
        if opcode == Opcode.PING:
            if not self.closing:
                self._replies += encode_frame(Opcode.PONG, payload)
            return None
        if opcode == Opcode.PONG:
            return None
        if opcode == Opcode.CLOSE:
            self._on_close(payload)
            return None
        if opcode == Opcode.CONTINUATION:
            if self._opcode is None:
                raise ProtocolError("a WebSocket continuation frame with no message to continue")
        elif opcode in (Opcode.TEXT, Opcode.BINARY):
            if self._opcode is not None:
                raise ProtocolError("a new WebSocket message began inside a fragmented one")
            self._opcode = Opcode(opcode)
        else:
            raise ProtocolError(f"unknown WebSocket opcode {opcode:#x}")
        if not fin:
            self._parts.append(payload)
            self._size += len(payload)
            return None
        text = self._opcode is Opcode.TEXT
        if self._parts:
            self._parts.append(payload)
            payload = b"".join(self._parts)
            self._parts.clear()
            self._size = 0
        self._opcode = None
        return WebSocketMessage(payload, text)

    def _on_close(self, payload: bytes) -> None:
        if len(payload) == 1:
            raise ProtocolError("a WebSocket close frame of 1 byte")
        if payload:
            (self.close_code,) = struct.unpack_from("!H", payload)
            self.close_reason = payload[2:].decode("utf-8", "replace")
        self._done = True
        if not self.closing:  # (the RFC: answer a close with a close, once)
            self.closing = True
            self._replies += encode_frame(Opcode.CLOSE, payload[:2])
