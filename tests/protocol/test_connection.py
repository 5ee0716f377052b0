"""The Connection facade: heads through h11, bodies to typed events, cycles, errors."""

from __future__ import annotations

import json

import pytest

import dockproto
from dockproto import (
    Connection,
    ConnectionClosed,
    EndOfMessage,
    ErrorResponse,
    Hijacked,
    JSONMessage,
    Response,
    Result,
    StreamChunk,
    StreamKind,
    api,
)

from .conftest import drain


def frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def json_response(value: object, status: int = 200, extra: bytes = b"") -> bytes:
    body = json.dumps(value).encode()
    return (
        b"HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\n"
        b"Content-Length: %d\r\n%s\r\n%s" % (status, len(body), extra, body)
    )


def test_version_result(split: str) -> None:
    """A JSON answer becomes Response, a typed Result, EndOfMessage, however it is split."""
    conn = Connection("1.41")
    conn.send_request(api.system.version())
    raw = json_response({"ApiVersion": "1.41", "Version": "20.10.24", "Os": "linux"})
    events = drain(conn, raw, split)
    assert isinstance(events[0], Response) and events[0].status_code == 200
    assert events[0].header("API-Version") == "1.41"
    assert isinstance(events[1], Result)
    assert events[1].value.api_version == "1.41" and events[1].value.version == "20.10.24"
    assert events[2] == EndOfMessage()


def test_chunked_json_and_keep_alive() -> None:
    """A chunked JSON answer is read whole, and the connection serves the next request."""
    conn = Connection("1.41")
    conn.send_request(api.containers.list())
    body = json.dumps([{"Id": "abc", "Names": ["/x"], "State": "running"}]).encode()
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body[:5], body[5:])
    conn.receive_data(raw)  # no EOF: the daemon keeps the connection open
    events = [conn.next_event() for _ in range(3)]
    assert [type(e) for e in events] == [Response, Result, EndOfMessage]
    (summary,) = events[1].value
    assert summary.id == "abc" and summary.names == ["/x"] and summary.size_rw is None
    assert conn.reusable
    conn.start_next_cycle()
    conn.send_request(api.system.ping())
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
    assert isinstance(conn.next_event(), Response)
    assert conn.next_event() == Result("OK")


@pytest.mark.parametrize(
    "status,cls",
    [
        (400, dockproto.BadParameter),
        (404, dockproto.NoSuchContainer),
        (409, dockproto.Conflict),
        (500, dockproto.ServerError),
    ],
)
def test_error_status_keeps_message(status: int, cls: type) -> None:
    """An error status gives ErrorResponse whose exception is typed and keeps the text."""
    conn = Connection("1.41")
    conn.send_request(api.containers.start("nope"))
    events = drain(conn, json_response({"message": "No such container: nope"}, status), "whole")
    err = events[1]
    assert isinstance(err, ErrorResponse) and err.status_code == status
    exc = err.exception()
    assert type(exc) is cls and exc.message == "No such container: nope"


def test_plain_text_error_of_a_hijack() -> None:
    """20.10's attach errors are plain text read until close; the text is kept."""
    conn = Connection("1.41")
    conn.send_request(api.containers.attach("c1"))
    raw = (
        b"HTTP/1.1 409 Conflict\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"
        b"You cannot attach to a stopped container, start it first\r\n"
    )
    events = drain(conn, raw, "whole")
    assert isinstance(events[1], ErrorResponse)
    assert events[1].message == "You cannot attach to a stopped container, start it first"
    assert isinstance(events[1].exception(), dockproto.Conflict)


def test_304_is_success() -> None:
    """Starting a started container (304) is a plain success."""
    conn = Connection("1.41")
    conn.send_request(api.containers.start("c1"))
    events = drain(conn, b"HTTP/1.1 304 Not Modified\r\n\r\n", "whole")
    assert events[1] == Result(None)


def test_malformed_head_is_protocol_error() -> None:
    """A response head that is not HTTP is a ProtocolError, and the connection is dead."""
    conn = Connection("1.41")
    conn.send_request(api.system.version())
    conn.receive_data(b"HTTP/1.1 2x0 Whatever\r\n\r\n")
    with pytest.raises(dockproto.ProtocolError):
        conn.next_event()
    with pytest.raises(dockproto.ProtocolError):
        conn.next_event()


def test_cut_off_json_body_is_protocol_error() -> None:
    """A body shorter than its Content-Length at EOF is a ProtocolError, not a short value."""
    conn = Connection("1.41")
    conn.send_request(api.system.version())
    raw = json_response({"ApiVersion": "1.41"})[:-3]
    with pytest.raises(dockproto.ProtocolError):
        drain(conn, raw, "whole")


def test_closed_before_answer() -> None:
    """The daemon closing before any answer is a ProtocolError."""
    conn = Connection("1.41")
    conn.send_request(api.system.version())
    conn.receive_data(b"")
    with pytest.raises(dockproto.ProtocolError):
        conn.next_event()


def test_invalid_json_is_protocol_error() -> None:
    """A 200 whose body is not JSON is a ProtocolError."""
    conn = Connection("1.41")
    conn.send_request(api.system.version())
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{x}")
    assert isinstance(conn.next_event(), Response)
    with pytest.raises(dockproto.ProtocolError):
        conn.next_event()


def test_hijack_keeps_bytes_that_came_with_the_head(split: str) -> None:
    """Frames in the same read as the 101 head are demultiplexed, never lost."""
    conn = Connection("1.41")
    conn.send_request(api.exec.start("e1"))
    head = (
        b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
        b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
    )
    frames = frame(1, b"hello ") + frame(2, b"oops\n") + frame(1, b"world\n")
    # The head and the start of the frames arrive in one read; the rest as ``split`` says.
    conn.receive_data(head + frames[:11])
    hijacked = conn.next_event()
    assert isinstance(hijacked, Hijacked) and hijacked.multiplexed
    assert conn.send_stdin(b"input") == b"input"
    events = drain(conn, frames[11:], split)
    assert isinstance(events[-1], ConnectionClosed)
    chunks = [e for e in events if isinstance(e, StreamChunk)]
    out = b"".join(c.data for c in chunks if c.stream == StreamKind.STDOUT)
    err = b"".join(c.data for c in chunks if c.stream == StreamKind.STDERR)
    assert (out, err) == (b"hello world\n", b"oops\n")


def test_hijack_cut_mid_frame_is_protocol_error() -> None:
    """A hijacked stream cut off inside a frame is a ProtocolError at EOF."""
    conn = Connection("1.41")
    conn.send_request(api.exec.start("e1"))
    raw = b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n"
    raw += frame(1, b"hello")[:-2]
    with pytest.raises(dockproto.ProtocolError):
        drain(conn, raw, "whole")


def test_tty_exec_is_raw() -> None:
    """A TTY exec's stream passes through untouched as stdout."""
    conn = Connection("1.41")
    conn.send_request(api.exec.start("e1", tty=True))
    raw = b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n\x01\x00raw"
    events = drain(conn, raw, "whole")
    assert not events[0].multiplexed
    data = b"".join(e.data for e in events if isinstance(e, StreamChunk))
    assert data == b"\x01\x00raw"


def test_content_type_of_a_142_daemon_wins() -> None:
    """A 1.42+ daemon's Content-Type says whether the stream is multiplexed."""
    conn = Connection("1.44")
    conn.send_request(api.exec.start("e1", tty=False))
    raw = (
        b"HTTP/1.1 101 UPGRADED\r\nApi-Version: 1.44\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n"
        b"Content-Type: application/vnd.docker.raw-stream\r\n\r\nplain"
    )
    events = drain(conn, raw, "whole")
    assert events[0].multiplexed is False
    assert events[1] == StreamChunk(StreamKind.STDOUT, b"plain")


def test_chunked_logs(split: str) -> None:
    """Chunked logs, one chunk per frame, come out with stdout and stderr apart."""
    conn = Connection("1.41")
    conn.send_request(api.containers.logs("c1"))
    lines = [frame(1 + (i % 3 == 0), b"line %d\n" % i) for i in range(20)]
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(*lines)
    events = drain(conn, raw, split)
    assert isinstance(events[0], Response) and events[-1] == EndOfMessage()
    out = b"".join(e.data for e in events if isinstance(e, StreamChunk) and e.stream == 1)
    err = b"".join(e.data for e in events if isinstance(e, StreamChunk) and e.stream == 2)
    assert out == b"".join(b"line %d\n" % i for i in range(20) if i % 3)
    assert err == b"".join(b"line %d\n" % i for i in range(20) if i % 3 == 0)


def drain_batches(conn: Connection, pieces: list[bytes]) -> tuple[list[object], list[int]]:
    """Feed ``pieces`` then EOF, taking events with ``next_events``: the events, and
    how many each call gave."""
    events: list[object] = []
    sizes: list[int] = []
    for piece in [*pieces, b""]:
        conn.receive_data(piece)
        while True:
            batch = conn.next_events()
            assert batch and dockproto.NEED_DATA not in batch[1:]
            if batch == [dockproto.NEED_DATA]:
                break
            events += batch
            sizes.append(len(batch))
            if isinstance(batch[-1], EndOfMessage):
                return events, sizes
    return events, sizes


def test_next_events_gives_what_next_event_gives(split: str) -> None:
    """next_events() hands out the same events as next_event() would, a read's at once."""
    lines = [frame(1 + (i % 3 == 0), b"line %d\n" % i) for i in range(40)]
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(*lines)
    one = Connection("1.41")
    one.send_request(api.containers.logs("c1"))
    expected = drain(one, raw, split)
    pieces = {"whole": [raw], "bytes": [raw[i : i + 1] for i in range(len(raw))]}.get(
        split, [raw[i : i + 7] for i in range(0, len(raw), 7)]
    )
    conn = Connection("1.41")
    conn.send_request(api.containers.logs("c1"))
    events, sizes = drain_batches(conn, pieces)
    assert events == expected and events[-1] == EndOfMessage()
    if split == "whole":  # the head, every chunk of the one read at once, EndOfMessage
        assert sizes == [1, len(expected) - 2, 1]


def test_next_events_then_the_error_after_them() -> None:
    """The events decoded before a bad chunk come first; the next call raises."""
    conn = Connection("1.41")
    conn.send_request(api.containers.logs("c1"))
    good = b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in (frame(1, b"a"), frame(2, b"b")))
    conn.receive_data(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert isinstance(conn.next_events()[0], Response)
    conn.receive_data(good + b"zz\r\n")
    assert conn.next_events() == [
        StreamChunk(StreamKind.STDOUT, b"a"),
        StreamChunk(StreamKind.STDERR, b"b"),
    ]
    with pytest.raises(dockproto.ProtocolError):
        conn.next_events()
    assert conn.state is dockproto.State.ERROR


def test_streamed_body_then_keep_alive() -> None:
    """After a streamed body, leftover bytes start the next cycle's answer."""
    conn = Connection("1.41")
    conn.send_request(api.system.events(until=1))
    body = b'{"Type":"container","Action":"start"}\n'
    first = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body)
    second = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"
    conn.receive_data(first + second)
    events = []
    while not isinstance(ev := conn.next_event(), EndOfMessage):
        events.append(ev)
    assert events[1] == JSONMessage({"Type": "container", "Action": "start"})
    conn.start_next_cycle()
    conn.send_request(api.system.ping())
    assert isinstance(conn.next_event(), Response)
    assert conn.next_event() == Result("OK")


def test_read_until_close_is_not_reusable() -> None:
    """A body read until close ends the connection: no next cycle."""
    conn = Connection("1.41")
    conn.send_request(api.containers.export("c1", raw=True))
    events = drain(conn, b"HTTP/1.1 200 OK\r\n\r\nabc", "whole")
    assert b"".join(e.data for e in events if isinstance(e, dockproto.RawData)) == b"abc"
    assert not conn.reusable
    with pytest.raises(RuntimeError):
        conn.start_next_cycle()


def test_bad_chunk_is_protocol_error() -> None:
    """A non-hex chunk size in a streamed body is a ProtocolError."""
    conn = Connection("1.41")
    conn.send_request(api.containers.logs("c1"))
    conn.receive_data(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    assert isinstance(conn.next_event(), Response)
    with pytest.raises(dockproto.ProtocolError):
        conn.next_event()
    assert conn.state is dockproto.State.ERROR


def test_send_in_wrong_state() -> None:
    """Sending a second request before the first is answered is refused."""
    conn = Connection("1.41")
    conn.send_request(api.system.ping())
    with pytest.raises(RuntimeError):
        conn.send_request(api.system.ping())


def test_in_stream_error_message() -> None:
    """An error inside a progress stream is readable as JSONMessage.error and exception."""
    msg = JSONMessage({"errorDetail": {"message": "manifest unknown"}, "error": "x"})
    assert msg.error == "manifest unknown"
    exc = msg.exception()
    assert isinstance(exc, dockproto.StreamError) and exc.message == "manifest unknown"
    assert JSONMessage({"status": "ok"}).exception() is None


def test_set_content_takes_raw_bytes() -> None:
    """set_content right after the head decodes a tar body as plain bytes."""
    conn = Connection("1.41")
    conn.send_request(api.containers.export("c1"))
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd")
    assert isinstance(conn.next_event(), Response)
    conn.set_content(dockproto.Content.BYTES)
    assert conn.next_event() == dockproto.RawData(b"abcd")
    assert conn.next_event() == EndOfMessage()


def test_every_error_type_lives_in_dockproto() -> None:
    """The errors users catch are dockproto's own, and the trio client's names are the
    same objects, so one ``except`` works with any client."""
    import dockproto
    import dockproto_trio

    for name in ("DockerConnectionError", "CredentialError", "UnsafeArchiveError"):
        cls = getattr(dockproto, name)
        assert cls.__module__ == "dockproto._errors" and name in dockproto.__all__
        assert getattr(dockproto_trio, name) is cls
    err = dockproto.DockerConnectionError("unix:///nowhere", "no such file")
    assert isinstance(err, ConnectionError) and err.address == "unix:///nowhere"
    assert str(err) == "cannot connect to the Docker daemon at unix:///nowhere: no such file"
