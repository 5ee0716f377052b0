"""``Connection``: one HTTP/1.1 connection to the daemon, driven without I/O.

Theory of operation.  h11 writes every request and parses every response head, and the
small bodies of whole-JSON answers.  A streamed body (logs, events, export, progress...)
leaves h11 after its head: the bytes h11 already holds past the head (``trailing_data``)
and everything received after go to one ``BodyDecoder`` (the C core), which undoes the
chunked coding and the stream's own framing in one pass.  An upgrade (attach, exec
start: ``Connection: Upgrade``, ``Upgrade: tcp``) ends in ``101``; the bytes that came in
the same read as the head are fed to the demultiplexer first, so output that arrives
with the upgrade is never lost.  A WebSocket upgrade (attach/ws: ``Upgrade: websocket``)
ends in ``101`` too, its ``Sec-WebSocket-Accept`` checked against the key sent; then
frames both ways (``_websocket``): ``WebSocketMessage`` events in, ``send_websocket``
and ``close_websocket`` out, and ``take_replies`` for the pongs and the close answer
the peer is owed.

States::

    IDLE --send_request--> SENDING --(whole body sent)--> WAITING
    WAITING --head--> BODY_H11 (JSON, text, error bodies) | BODY_STREAM | HIJACKED
    BODY_H11 / BODY_STREAM --end of body--> DONE --start_next_cycle--> IDLE
    HIJACKED --peer closed--> CLOSED
    any --bad bytes--> ERROR (every later call raises ProtocolError)

A response whose framing is read-until-close, or that says ``Connection: close``,
cannot be followed by another cycle; ``reusable`` says so.
"""

from __future__ import annotations

import collections
import enum
import json
from typing import TYPE_CHECKING, Any

import h11

from ._content import Content, Framing
from ._errors import ProtocolError
from ._events import (
    NEED_DATA,
    ConnectionClosed,
    EndOfMessage,
    ErrorResponse,
    Hijacked,
    Response,
    Result,
)
from ._request import Expect, Request
from ._since import check_min_api

if TYPE_CHECKING:  # (loaded with the C core when a streamed body first needs a decoder)
    from ._decode import BodyDecoder
    from ._events import Event
    from ._websocket import WebSocketDecoder

USER_AGENT = "dockproto/0.1"

# An error body is read whole; the Go client reads at most 1 MiB of it, so do we.
MAX_ERROR_BODY = 1 << 20
# h11's limit on a response head is 16 KiB (as node and Apache use); keep it.
MAX_HEAD = 16 * 1024
# Whole-JSON answers (inspect, list, info...) are buffered: 64 MiB is far above any
# answer a daemon gives to these calls and stops a hostile peer from exhausting memory.
MAX_JSON_BODY = 64 << 20
# Request header lists h11 has already checked, as its own ``Headers`` (which h11 takes
# without checking them again): most requests of a client carry the same few headers.
_CHECKED_HEADERS: dict[tuple[tuple[str, str], ...], Any] = {}
_MAX_CHECKED_HEADERS = 256
# Whole request heads h11 has already checked, as its own (immutable) events: a client
# asks the same few things again and again (an inspect, a list, a ping), and h11's
# checks of a new event's method and target cost as much as writing it.  Only heads
# with no headers of the request's own are kept (never a credential, nor a build's
# arguments, which go with a streamed body).
_CHECKED_REQUESTS: dict[tuple[str, bytes, tuple[tuple[str, str], ...]], h11.Request] = {}
_MAX_CHECKED_REQUESTS = 256
# h11 takes this event as it is each time (it has no fields to vary).
_H11_END = h11.EndOfMessage()


def _headers(headers: tuple[tuple[str, str], ...], method: str, target: bytes) -> Any:
    """``headers`` as h11 checked them once (a ``LocalProtocolError`` if they are bad)."""
    checked = _CHECKED_HEADERS.get(headers)
    if checked is None:
        checked = h11.Request(method=method, target=target, headers=list(headers)).headers
        if len(_CHECKED_HEADERS) >= _MAX_CHECKED_HEADERS:
            _CHECKED_HEADERS.clear()
        _CHECKED_HEADERS[headers] = checked
    return checked


def _h11_request(
    method: str, target: bytes, headers: tuple[tuple[str, str], ...], keep: bool
) -> h11.Request:
    """The h11 event of a request head (a ``LocalProtocolError`` if it is bad); ``keep``:
    it may be remembered for the next identical head."""
    if not keep:
        return h11.Request(method=method, target=target, headers=_headers(headers, method, target))
    key = (method, target, headers)
    event = _CHECKED_REQUESTS.get(key)
    if event is None:
        event = h11.Request(method=method, target=target, headers=_headers(headers, method, target))
        if len(_CHECKED_REQUESTS) >= _MAX_CHECKED_REQUESTS:
            _CHECKED_REQUESTS.clear()
        _CHECKED_REQUESTS[key] = event
    return event


def _lower_headers(headers: Any) -> tuple[tuple[bytes, bytes], ...]:
    """An h11 event's headers as (lower-case name, value) byte pairs."""
    return tuple([(k.lower(), v) for k, v in headers.raw_items()])


class State(enum.Enum):
    IDLE = "idle"
    SENDING = "sending"
    WAITING = "waiting"
    BODY_H11 = "body-h11"
    BODY_STREAM = "body-stream"
    HIJACKED = "hijacked"
    DONE = "done"
    CLOSED = "closed"
    ERROR = "error"


def _error_message(body: bytes | bytearray, status_code: int) -> str:
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            msg = json.loads(text).get("message")
        except (ValueError, AttributeError, RecursionError):
            msg = None
        if isinstance(msg, str):
            return msg
    return text or f"the daemon answered {status_code} with no message"


class Connection:
    """One client connection: ``send_request`` gives bytes to write, ``next_event`` events.

    Args:
        api_version: the version to prefix paths with (``"1.41"``), or None to send
            unversioned paths (the daemon then answers at its own default).
        host: the ``Host`` header (a Unix socket has no host; the daemon ignores it).
    """

    def __init__(self, api_version: str | None = None, *, host: str = "docker") -> None:
        self.api_version = api_version
        self.host = host
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self._state = State.IDLE
        self._request: Request[Any] | None = None
        self._pending: collections.deque[Event] = collections.deque()
        self._decoder: BodyDecoder | WebSocketDecoder | None = None
        self._websocket: WebSocketDecoder | None = None  # after a WebSocket upgrade
        self._websocket_key = ""
        # A whole body as h11 hands it out: joined once at its end (a small answer comes
        # as one piece, which is then decoded as it is, uncopied).
        self._body: list[bytes | bytearray] = []
        self._body_size = 0
        # True when h11 last answered NEED_DATA and has been given nothing since: asking
        # again (right after a request is sent, before any read) would only re-run its
        # reader on the same bytes.
        self._starved = False
        self._response: Response | None = None
        self._eof = False
        self._reusable = True
        self._leftover = b""
        self._error: ProtocolError | None = None
        self._decoder_args: tuple[Framing, Content, int | None, bool] = (
            Framing.CLOSE,
            Content.BYTES,
            None,
            False,
        )

    @property
    def host(self) -> str:
        """The ``Host`` header of the requests."""
        return self._base_headers[0][1]

    @host.setter
    def host(self, host: str) -> None:
        # The headers every request starts with, made once and not per request.
        self._base_headers: tuple[tuple[str, str], ...] = (
            ("Host", host),
            ("User-Agent", USER_AGENT),
        )

    # -- state ------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def streaming(self) -> bool:
        """True while a streamed body or a hijacked stream is being read.

        Such bytes go to the stream decoders, which copy what they keep: the caller may
        reuse the buffer it passed to ``receive_data`` as soon as that returns.
        """
        return self._state is State.BODY_STREAM or self._state is State.HIJACKED

    @property
    def reusable(self) -> bool:
        """True when the finished cycle allows another request on this connection."""
        return self._state is State.DONE and self._reusable

    @property
    def request(self) -> Request[Any] | None:
        """The request of the current cycle."""
        return self._request

    @property
    def response(self) -> Response | None:
        """The head of the current cycle's response, once it has arrived."""
        return self._response

    def _fail(self, exc: ProtocolError) -> ProtocolError:
        self._state = State.ERROR
        return exc

    def _check(self, *states: State) -> None:
        if self._state is State.ERROR:
            raise ProtocolError("the connection is in an error state")
        if self._state not in states:
            names = ", ".join(s.value for s in states)
            raise RuntimeError(f"not allowed in state {self._state.value} (needs {names})")

    # -- sending ----------------------------------------------------------------

    def send_request(self, request: Request[Any]) -> bytes:
        """The bytes of ``request``'s head (and its whole body, when it has one).

        Raises:
            ValueError: the request sends a parameter or field that the connection's
                ``api_version`` does not have yet (``request.min_api``), naming the
                version it needs; or h11 refuses it.  Nothing is sent, the connection
                stays idle.
        """
        if self._state is not State.IDLE:
            self._check(State.IDLE)
        if request.min_api and self.api_version:
            check_min_api(request.min_api, self.api_version)
        headers = self._base_headers
        if request.headers:
            headers += request.headers
        if request.expect is Expect.HIJACK:
            headers += (("Connection", "Upgrade"), ("Upgrade", "tcp"))
        elif request.expect is Expect.WEBSOCKET:
            headers += self._websocket_headers(request)
        if request.streamed_body:
            headers += (("Transfer-Encoding", "chunked"),)
        elif request.body is not None or request.method in ("POST", "PUT"):
            headers += (("Content-Length", str(len(request.body or b""))),)
        try:
            target = request.target(self.api_version).encode("ascii")
            keep = not request.headers and not request.streamed_body
            out = self._h11.send(_h11_request(request.method, target, headers, keep))
            self._request = request
            if request.streamed_body:
                self._state = State.SENDING
            else:
                if request.body:
                    out += self._h11.send(h11.Data(data=request.body))
                out += self._h11.send(_H11_END)
                self._state = State.WAITING
        except h11.LocalProtocolError as exc:
            raise ValueError(f"cannot send this request: {exc}") from exc
        assert out is not None
        return out

    def send_body(self, data: bytes) -> bytes:
        """The bytes that carry ``data`` of a streamed request body (one chunk)."""
        self._check(State.SENDING)
        if not data:
            return b""
        out = self._h11.send(h11.Data(data=data))
        assert out is not None
        return out

    def end_body(self) -> bytes:
        """The bytes that end a streamed request body."""
        self._check(State.SENDING)
        out = self._h11.send(_H11_END)
        assert out is not None
        self._state = State.WAITING
        return out

    def send_stdin(self, data: bytes) -> bytes:
        """The bytes that carry ``data`` to a hijacked stream's stdin (sent as they are;
        after a WebSocket upgrade, as one binary message)."""
        self._check(State.HIJACKED)
        if self._websocket is not None:
            return self.send_websocket(data)
        return bytes(data)

    # -- WebSocket (attach/ws) ------------------------------------------------------

    def _websocket_headers(self, request: Request[Any]) -> tuple[tuple[str, str], ...]:
        """The upgrade headers, with the request's own ``Sec-WebSocket-Key`` if it has
        one (a test's, for exact bytes), else a fresh one; the key is kept to check the
        answer's ``Sec-WebSocket-Accept``."""
        from ._websocket import new_key

        given = [v for k, v in request.headers if k.lower() == "sec-websocket-key"]
        self._websocket_key = given[0] if given else new_key()
        out: tuple[tuple[str, str], ...] = (
            ("Connection", "Upgrade"),
            ("Upgrade", "websocket"),
            ("Sec-WebSocket-Version", "13"),
        )
        if not given:
            out += (("Sec-WebSocket-Key", self._websocket_key),)
        return out

    def _websocket_decoder(self, *states: State) -> WebSocketDecoder:
        self._check(*states)
        if self._websocket is None:
            raise RuntimeError("this connection was not upgraded to a WebSocket")
        return self._websocket

    def send_websocket(
        self, data: bytes | str, *, text: bool | None = None, mask: bytes | None = None
    ) -> bytes:
        """The bytes of one WebSocket message carrying ``data`` (a ``str`` goes as a
        text message, bytes as binary unless ``text``); ``mask`` is for tests."""
        from ._websocket import Opcode, encode_frame

        ws = self._websocket_decoder(State.HIJACKED)
        if ws.closing:
            raise RuntimeError("the WebSocket is closing: no message may follow a close")
        is_text = isinstance(data, str) if text is None else text
        payload = data.encode() if isinstance(data, str) else bytes(data)
        return encode_frame(Opcode.TEXT if is_text else Opcode.BINARY, payload, mask=mask)

    def close_websocket(
        self, code: int | None = 1000, reason: str = "", *, mask: bytes | None = None
    ) -> bytes:
        """The bytes of our close frame (once; ``b""`` after): no message may follow it,
        and the peer's messages stay readable until its own close answers it."""
        from ._websocket import Opcode, close_payload, encode_frame

        ws = self._websocket_decoder(State.HIJACKED, State.CLOSED)
        if ws.closing:
            return b""
        payload = close_payload(code, reason)
        ws.closing = True
        return encode_frame(Opcode.CLOSE, payload, mask=mask)

    def take_replies(self) -> bytes:
        """What the WebSocket owes the peer (pongs, the answer to its close): to be
        written as soon as it is there.  ``b""`` when nothing is owed, or no WebSocket."""
        ws = self._websocket
        return ws.take_replies() if ws is not None else b""

    @property
    def websocket_close(self) -> tuple[int | None, str] | None:
        """The code and reason of the peer's close frame, once it has come."""
        ws = self._websocket
        if ws is None or not ws.done or (ws.close_code is None and not ws.closing):
            return None
        return ws.close_code, ws.close_reason

    # -- receiving --------------------------------------------------------------

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Bytes read from the socket; ``b""`` means the peer closed.

        Nothing keeps a reference to ``data``: it is copied where it must outlive the call.
        """
        if self._state is State.ERROR:
            raise ProtocolError("the connection is in an error state")
        if not data:
            self._eof = True
        if self._state is State.BODY_STREAM and self._decoder is None:
            self._make_decoder()
        if self._decoder is not None:
            if data and self._error is None:
                self._feed(self._decoder, data)
            return
        self._starved = False
        self._h11.receive_data(data if type(data) is bytes else bytes(data))

    def _feed(
        self, decoder: BodyDecoder | WebSocketDecoder, data: bytes | bytearray | memoryview
    ) -> None:
        # Bad bytes must not cost the good ones before them: the events decoded before
        # the fault are delivered first, and the error is raised after them.
        try:
            self._pending.extend(decoder.feed(data))
        except ProtocolError as exc:
            self._pending.extend(exc.events)
            self._error = exc

    def next_event(self) -> Event | type[NEED_DATA]:
        """The next event, or ``NEED_DATA``.  Raises ``ProtocolError`` on bad bytes.

        ``if event is NEED_DATA`` narrows the result to ``Event`` (and the other way)."""
        if self._pending:
            return self._pending.popleft()
        if self._error is not None:
            raise self._fail(self._error)
        state = self._state
        if state is State.ERROR:
            raise ProtocolError("the connection is in an error state")
        if state is State.WAITING or state is State.SENDING:
            if self._starved:  # (the first ask of every cycle, before anything is read)
                return NEED_DATA
            return self._next_head()
        if state is State.BODY_H11:
            return self._next_h11_body()
        if state in (State.BODY_STREAM, State.HIJACKED):
            return self._next_stream()
        if state in (State.DONE, State.CLOSED):
            raise RuntimeError(f"no more events in state {state.value}: start the next cycle")
        raise RuntimeError("send a request first")

    def next_events(self) -> list[Event | type[NEED_DATA]]:
        """``next_event()`` and every event already decoded after it, as one list.

        ``[NEED_DATA]`` when there is none yet.  The list holds exactly what as many
        ``next_event()`` calls would have returned; an error found after them is raised
        by the next call, as it would have been.  For a loop that hands out many small
        events (a tar of small files, JSON messages): one call per read, not per event.
        """
        event = self.next_event()
        pending = self._pending
        if not pending or event is NEED_DATA:
            return [event]
        events: list[Event | type[NEED_DATA]] = [event, *pending]
        pending.clear()
        return events

    def _h11_event(self) -> Any:
        if self._starved:
            return h11.NEED_DATA
        try:
            event = self._h11.next_event()
            if event is h11.NEED_DATA:
                self._starved = True
            return event
        except h11.RemoteProtocolError as exc:
            if self._eof and self._state in (State.WAITING, State.SENDING):
                held, _ = self._h11.trailing_data
                msg = (
                    "the daemon closed the connection in the middle of the response head"
                    if held
                    else "the daemon closed the connection before answering"
                )
                raise self._fail(ProtocolError(msg)) from None
            raise self._fail(ProtocolError(f"malformed response: {exc}")) from None

    def _next_head(self) -> Event | type[NEED_DATA]:
        req = self._request
        assert req is not None
        event = self._h11_event()
        if event is h11.NEED_DATA:
            if self._eof:
                raise self._fail(ProtocolError("the daemon closed the connection before answering"))
            return NEED_DATA
        if event is h11.PAUSED:
            return NEED_DATA
        if isinstance(event, h11.InformationalResponse):
            if event.status_code != 101:
                return self._next_head()  # 100 Continue and friends carry nothing for us
            return self._hijacked(req, event)
        if isinstance(event, h11.ConnectionClosed):
            raise self._fail(ProtocolError("the daemon closed the connection before answering"))
        assert isinstance(event, h11.Response)
        resp = Response(
            status_code=event.status_code,
            headers=_lower_headers(event.headers),
            reason=bytes(event.reason),
        )
        self._response = resp
        self._reusable = resp.header("connection") != "close"
        if resp.status_code >= 400 or req.expect not in (Expect.STREAM, Expect.HIJACK):
            if req.expect is Expect.WEBSOCKET and resp.status_code < 400:
                raise self._fail(
                    ProtocolError(
                        f"the daemon answered {resp.status_code} to a WebSocket upgrade, "
                        "not 101 Switching Protocols"
                    )
                )
            self._state = State.BODY_H11
            self._body.clear()
            self._body_size = 0
            return resp
        # A streamed body: leave h11 here and hand the bytes it holds to the decoder.
        content = req.content if req.content is not None else Content.BYTES
        if req.expect is Expect.HIJACK:
            content = self._stream_content(req, resp)
        te = (resp.header("transfer-encoding") or "").lower()
        cl = resp.header("content-length")
        if "chunked" in te:
            framing, length = Framing.CHUNKED, None
        elif cl is not None:
            try:
                framing, length = Framing.LENGTH, int(cl)
            except ValueError:
                raise self._fail(ProtocolError(f"bad Content-Length {cl!r}")) from None
        else:
            framing, length = Framing.CLOSE, None
            self._reusable = False
        if req.method == "HEAD" or resp.status_code in (204, 304):
            framing, length = Framing.LENGTH, 0
        # The decoder is made on first need, so that ``set_content`` can still choose.
        self._decoder_args = (framing, content, length, req.frames)
        self._state = State.BODY_STREAM
        return resp

    def _stream_content(self, req: Request[Any], resp: Response | None) -> Content:
        """MUX or RAW: from the request (the TTY setting), or a 1.42+ daemon's type."""
        content = req.content if req.content is not None else Content.MUX
        if resp is not None and _api_at_least(resp.header("api-version"), (1, 42)):
            ctype = resp.header("content-type") or ""
            if ctype.startswith("application/vnd.docker.multiplexed-stream"):
                return Content.MUX
            if ctype.startswith("application/vnd.docker.raw-stream"):
                return Content.RAW
        return content

    def _hijacked(self, req: Request[Any], event: h11.InformationalResponse) -> Hijacked:
        headers = _lower_headers(event.headers)
        head = Response(status_code=101, headers=headers, reason=bytes(event.reason))
        self._response = head
        if req.expect is Expect.WEBSOCKET:
            return self._websocket_upgraded(head)
        content = self._stream_content(req, head)
        self._reusable = False
        self._state = State.HIJACKED
        from ._decode import BodyDecoder

        self._start_decoder(BodyDecoder(Framing.CLOSE, content))
        return Hijacked(headers=headers, multiplexed=content is Content.MUX)

    def _websocket_upgraded(self, head: Response) -> Hijacked:
        from ._websocket import WebSocketDecoder, accept_for

        if (head.header("upgrade") or "").lower() != "websocket":
            raise self._fail(ProtocolError("the daemon's 101 does not upgrade to websocket"))
        if head.header("sec-websocket-accept") != accept_for(self._websocket_key):
            raise self._fail(
                ProtocolError("the daemon's Sec-WebSocket-Accept does not answer the key sent")
            )
        self._reusable = False
        self._state = State.HIJACKED
        self._websocket = decoder = WebSocketDecoder()
        self._start_decoder(decoder)
        return Hijacked(headers=head.headers, multiplexed=False)

    def _start_decoder(self, decoder: BodyDecoder | WebSocketDecoder) -> None:
        self._decoder = decoder
        held, closed = self._h11.trailing_data
        if held:
            self._feed(decoder, held)
        if closed:
            self._eof = True

    def set_content(self, content: Content) -> None:
        """Decode the streamed body as ``content`` instead (before any body event).

        ``TarStream.raw()`` uses this to take an archive as plain bytes.
        """
        if self._state is not State.BODY_STREAM or self._decoder is not None:
            raise RuntimeError("the content can be chosen only right after the response head")
        framing, _, length, frames = self._decoder_args
        self._decoder_args = (framing, content, length, frames)

    def _make_decoder(self) -> BodyDecoder:
        framing, content, length, frames = self._decoder_args
        from ._decode import BodyDecoder

        decoder = BodyDecoder(framing, content, length=length, frames=frames)
        self._start_decoder(decoder)
        return decoder

    def _next_stream(self) -> Event | type[NEED_DATA]:
        dec = self._decoder if self._decoder is not None else self._make_decoder()
        if self._pending:
            return self._pending.popleft()
        if self._error is not None:
            raise self._fail(self._error)
        if dec.done:
            return self._finish_stream(dec)
        if not self._eof:
            return NEED_DATA
        try:
            self._pending.extend(dec.feed_eof())
        except ProtocolError as exc:
            raise self._fail(exc) from None
        if self._pending:
            return self._pending.popleft()
        return self._finish_stream(dec)

    def _finish_stream(
        self, dec: BodyDecoder | WebSocketDecoder
    ) -> ConnectionClosed | EndOfMessage:
        self._leftover = dec.unused
        if self._state is State.HIJACKED:
            self._state = State.CLOSED
            return ConnectionClosed()
        self._state = State.DONE
        if self._eof:
            self._reusable = False
        return EndOfMessage()

    def _next_h11_body(self) -> Event | type[NEED_DATA]:
        req, resp = self._request, self._response
        assert req is not None and resp is not None
        while True:
            event = self._h11_event()
            if event is h11.NEED_DATA:
                if self._eof:
                    raise self._fail(ProtocolError("the response body was cut off"))
                return NEED_DATA
            if isinstance(event, h11.Data):
                self._body.append(event.data)
                self._body_size += len(event.data)
                limit = MAX_ERROR_BODY if resp.status_code >= 400 else MAX_JSON_BODY
                if self._body_size > limit:
                    raise self._fail(ProtocolError(f"response body over {limit} bytes"))
                continue
            if isinstance(event, h11.EndOfMessage):
                self._state = State.DONE
                if self._h11.their_state is not h11.DONE:
                    self._reusable = False
                self._pending.append(EndOfMessage())
                pieces = self._body
                body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
                pieces.clear()
                return self._whole_body_event(req, resp, body)
            if isinstance(event, h11.ConnectionClosed):  # pragma: no cover - h11 gives EOM first
                raise self._fail(ProtocolError("the response body was cut off"))
            raise self._fail(ProtocolError(f"unexpected {type(event).__name__}"))

    def _whole_body_event(
        self, req: Request[Any], resp: Response, body: bytes | bytearray
    ) -> Result[Any] | ErrorResponse:
        code = resp.status_code
        if code >= 400:
            return ErrorResponse(code, _error_message(body, code), container=req.container)
        if req.expect is Expect.TEXT:
            return Result(body.decode("utf-8", "replace"))
        value: Any = None
        # (``isspace`` and not ``strip``: a list's megabytes are not copied to test them)
        if req.expect is Expect.JSON and code != 304 and body and not body.isspace():
            try:
                value = json.loads(body)
            except (ValueError, RecursionError) as exc:
                raise self._fail(ProtocolError(f"invalid JSON in the response: {exc}")) from None
        try:
            return Result(req.parse(value))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise self._fail(
                ProtocolError(f"unexpected JSON shape for {req.path}: {exc!r}")
            ) from None

    # -- cycles -----------------------------------------------------------------

    def start_next_cycle(self) -> None:
        """Reuse the connection for the next request (after ``EndOfMessage``)."""
        self._check(State.DONE)
        if not self._reusable:
            raise RuntimeError("this connection cannot be reused: the daemon closes it")
        if self._decoder is not None:
            # The streamed body bypassed h11: start a fresh one with what is left over.
            self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
            if self._leftover:
                self._h11.receive_data(self._leftover)
            self._starved = not self._leftover
        else:
            try:
                self._h11.start_next_cycle()
            except h11.LocalProtocolError as exc:
                raise RuntimeError(f"this connection cannot be reused: {exc}") from None
            # (h11 may hold bytes of the next answer already: then it is asked)
            held, closed = self._h11.trailing_data
            self._starved = not held and not closed
        self._decoder = None
        self._websocket = None
        self._leftover = b""
        self._request = None
        self._response = None
        self._body.clear()
        self._body_size = 0
        self._state = State.IDLE


def _api_at_least(value: str | None, want: tuple[int, int]) -> bool:
    if not value:
        return False
    try:
        major, minor = (int(x) for x in value.strip().split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= want
