"""``dockproto.Event`` and ``NEED_DATA``: what ``next_event()`` is typed to return.

Every event a connection gives is an ``Event``; ``NEED_DATA`` is a final sentinel class
(as h11's), so that ``if event is NEED_DATA`` narrows on both branches for mypy.
"""

from __future__ import annotations

import copy
import io
import json
import os
import pickle
import tarfile
from typing import Any, get_args

import pytest

import dockproto
from dockproto import Connection, api

from .conftest import drain

EVENT_CLASSES = {
    dockproto.Response,
    dockproto.Result,
    dockproto.ErrorResponse,
    dockproto.EndOfMessage,
    dockproto.StreamChunk,
    dockproto.RawData,
    dockproto.JSONMessage,
    dockproto.TarMember,
    dockproto.TarData,
    dockproto.EndOfArchive,
    dockproto.Hijacked,
    dockproto.ConnectionClosed,
    dockproto.WebSocketMessage,
}


def test_event_names_every_event_class() -> None:
    """``Event`` is the union of the thirteen event classes, usable with ``isinstance``."""
    assert set(get_args(dockproto.Event)) == EVENT_CLASSES
    assert isinstance(dockproto.Result(1), dockproto.Event)
    assert not isinstance(dockproto.NEED_DATA, dockproto.Event)


def test_need_data_is_a_sentinel() -> None:
    """``NEED_DATA`` reads as its name, is itself after pickling and copying, and cannot
    be called (an instance would never be ``is NEED_DATA``)."""
    need = dockproto.NEED_DATA
    assert repr(need) == "NEED_DATA" and str(need) == "NEED_DATA"
    assert pickle.loads(pickle.dumps(need)) is need
    assert copy.copy(need) is need and copy.deepcopy(need) is need
    with pytest.raises(TypeError, match="sentinel"):
        need()
    assert dockproto.NEED_DATA is dockproto._events.NEED_DATA


def _tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"hi\n"))
    return buf.getvalue()


def _head(body: bytes, status: int = 200) -> bytes:
    return b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body)


def _frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


SCENARIOS: list[tuple[str, dockproto.Request[Any], bytes]] = [
    ("json", api.system.version(), _head(json.dumps({"ApiVersion": "1.41"}).encode())),
    ("error", api.containers.inspect("nope"), _head(b'{"message":"no such one"}', 404)),
    ("logs", api.containers.logs("c1"), _head(_frame(1, b"out\n") + _frame(2, b"err\n"))),
    ("export raw", api.containers.export("c1", raw=True), _head(_tar())),
    ("export tar", api.containers.export("c1"), _head(_tar())),
    ("events", api.system.events(), _head(b'{"Type":"container"}\n')),
    (
        "attach",
        api.containers.attach("c1"),
        b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n"
        + _frame(1, b"hi\n"),
    ),
    (
        "attach/ws",
        api.containers.attach_ws("c1", key="dGhlIHNhbXBsZSBub25jZQ=="),  # (RFC 6455's)
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x82\x03hi\n",
    ),
]


def test_every_event_is_an_event(split: str) -> None:
    """Across answers of every kind, each event is an ``Event`` and all thirteen occur."""
    seen: set[type] = set()
    for _, req, raw in SCENARIOS:
        conn = Connection("1.41")
        conn.send_request(req)
        for event in drain(conn, raw, split):
            assert isinstance(event, dockproto.Event), event
            seen.add(type(event))
    assert seen == EVENT_CLASSES


def test_mypy_narrows_on_need_data(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """mypy types ``next_event()`` as ``Event | type[NEED_DATA]`` and ``is`` narrows it;
    builders give ``Request[T]``."""
    mypy_api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "import dockproto\n"
        "from dockproto import api\n"
        "conn = dockproto.Connection('1.41')\n"
        "conn.send_request(api.containers.list())\n"
        "event = conn.next_event()\n"
        "if event is dockproto.NEED_DATA:\n"
        "    reveal_type(event)\n"
        "else:\n"
        "    reveal_type(event)\n"
        "for ev in conn.next_events():\n"
        "    if ev is not dockproto.NEED_DATA:\n"
        "        reveal_type(ev)\n"
        "reveal_type(api.containers.list())\n"
        "reveal_type(api.system.version().parse)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(dockproto.__file__)))
    monkeypatch.setenv("MYPYPATH", root)
    out, err, status = mypy_api.run(
        ["--strict", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )
    assert status == 0, out + err
    notes = [
        line.split("Revealed type is ", 1)[1] for line in out.splitlines() if "Revealed" in line
    ]
    assert notes[0] == '"type[dockproto._events.NEED_DATA]"'
    for note in notes[1:3]:
        assert "NEED_DATA" not in note
        for cls in EVENT_CLASSES:
            assert f"{cls.__module__}.{cls.__name__}" in note  # (tar events: _streamevents)
    assert notes[3] == (
        '"dockproto._request.Request[list[dockproto._models.containers.ContainerSummary]]"'
    )
    assert notes[4] == '"def (Any) -> dockproto._models.system.Version"'
