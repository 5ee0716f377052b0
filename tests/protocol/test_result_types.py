"""What ``Result.value`` is for each builder's answer: the shape its docstring promises.

Answers that stay plain JSON are checked for that shape (an object, or an array of
objects) when they arrive; anything else is a ``ProtocolError``, like a model that cannot
be built from what the daemon sent.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import dockproto
from dockproto import Connection, api


def answer(req: dockproto.Request, body: bytes | None, status: int = 200) -> Any:
    """Send ``req``, feed the answer ``body`` (JSON bytes, or None for no body), and
    return the ``Result``'s value."""
    conn = Connection("1.41")
    conn.send_request(req)
    head = b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n" % (status, len(body or b""))
    conn.receive_data(head + (body or b""))
    events = []
    while (ev := conn.next_event()) is not dockproto.NEED_DATA:
        events.append(ev)
        if isinstance(ev, dockproto.EndOfMessage):
            break
    assert [type(e) for e in events] == [
        dockproto.Response,
        dockproto.Result,
        dockproto.EndOfMessage,
    ]
    return events[1].value


def js(value: Any) -> bytes:
    return json.dumps(value).encode()


OBJECT_ANSWERS = [
    api.containers.inspect("c1"),
    api.containers.top("c1"),
    api.containers.update("c1", memory=1 << 20),
    api.containers.prune(),
    api.containers.stats("c1", stream=False),
    api.containers.commit("c1"),
    api.images.inspect("busybox"),
    api.images.prune(),
    api.networks.create("n1"),
    api.networks.inspect("n1"),
    api.networks.prune(),
    api.system.info(),
    api.system.df(),
    api.volumes.create("v1"),
    api.volumes.inspect("v1"),
    api.volumes.prune(),
]

ARRAY_ANSWERS = [
    api.images.history("busybox"),
    api.images.rm("busybox"),
    api.images.search("busybox"),
    api.networks.list(),
]


@pytest.mark.parametrize("req", OBJECT_ANSWERS, ids=lambda r: f"{r.method} {r.path}")
def test_object_answers(req: dockproto.Request) -> None:
    """An object is passed through; an array, a string or null is a ProtocolError."""
    assert answer(req, js({"Id": "x"})) == {"Id": "x"}
    for wrong in ([{"Id": "x"}], "x", None, 1):
        with pytest.raises(dockproto.ProtocolError, match="expected a JSON object"):
            answer(req, js(wrong))


@pytest.mark.parametrize("req", ARRAY_ANSWERS, ids=lambda r: f"{r.method} {r.path}")
def test_array_answers(req: dockproto.Request) -> None:
    """An array of objects is passed through, null is empty; other shapes are refused."""
    assert answer(req, js([{"Id": "x"}, {}])) == [{"Id": "x"}, {}]
    assert answer(req, js(None)) == []
    assert answer(req, None) == []
    for wrong in ({"Id": "x"}, ["x"], [None], 1):
        with pytest.raises(dockproto.ProtocolError, match=r"expected .*array"):
            answer(req, js(wrong))


def test_volume_list() -> None:
    """``volumes.list`` is the ``Volumes`` array of the answer's object (null is empty)."""
    req = api.volumes.list()
    assert answer(req, js({"Volumes": [{"Name": "v"}], "Warnings": []})) == [{"Name": "v"}]
    assert answer(req, js({"Volumes": None})) == []
    with pytest.raises(dockproto.ProtocolError, match="expected a JSON object"):
        answer(req, js([{"Name": "v"}]))
    with pytest.raises(dockproto.ProtocolError, match="expected a JSON array"):
        answer(req, js({"Volumes": {"Name": "v"}}))


def test_auth_answers() -> None:
    """``/auth`` answers an object, or 204 with no body (None)."""
    req = api.system.auth("u", "p")
    assert answer(req, js({"Status": "Login Succeeded"})) == {"Status": "Login Succeeded"}
    assert answer(req, None, 204) is None
    with pytest.raises(dockproto.ProtocolError, match="expected a JSON object"):
        answer(req, js("Login Succeeded"))
