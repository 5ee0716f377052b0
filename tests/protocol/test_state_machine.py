"""Totality of the Connection state machine: any sequence of calls and bytes either
moves it to a valid state or raises one of its documented errors."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import dockproto
from dockproto import Connection, State, api

REQUESTS = [
    api.system.ping(),
    api.system.version(),
    api.containers.logs("c1"),
    api.containers.export("c1"),
    api.exec.start("e1"),
    api.images.load(),
    api.system.events(),
]

FRAGMENTS = [
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n",
    b'HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\n\r\n{"message":1}',
    b"Content-Length: 2\r\n\r\nOK",
    b"Transfer-Encoding: chunked\r\n\r\n",
    b"5\r\nhello\r\n",
    b"0\r\n\r\n",
    b"\x01\x00\x00\x00\x00\x00\x00\x02hi",
    b"\x09\x00\x00\x00",
    b'{"status":"x"}\r\n',
    b"\r\n",
    b"garbage\x00\xff",
    b"",
]

ops = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.sampled_from(range(len(REQUESTS)))),
        st.tuples(st.just("data"), st.sampled_from(range(len(FRAGMENTS)))),
        st.tuples(st.just("event"), st.just(0)),
        st.tuples(st.just("cycle"), st.just(0)),
        st.tuples(st.just("body"), st.just(0)),
        st.tuples(st.just("end"), st.just(0)),
        st.tuples(st.just("stdin"), st.just(0)),
    ),
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(ops)
def test_every_call_moves_or_raises_a_documented_error(sequence: list[tuple[str, int]]) -> None:
    """No sequence of calls raises anything but ProtocolError, RuntimeError or ValueError."""
    conn = Connection("1.41")
    for op, arg in sequence:
        calls: dict[str, Any] = {
            "send": lambda i=arg: conn.send_request(REQUESTS[i]),
            "data": lambda i=arg: conn.receive_data(FRAGMENTS[i]),
            "event": conn.next_event,
            "cycle": conn.start_next_cycle,
            "body": lambda: conn.send_body(b"x"),
            "end": conn.end_body,
            "stdin": lambda: conn.send_stdin(b"x"),
        }
        try:
            calls[op]()
        except dockproto.ProtocolError:
            assert conn.state is State.ERROR or op == "data"
        except (RuntimeError, ValueError):
            pass
        assert isinstance(conn.state, State)
