from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import dockproto


def drain(conn: dockproto.Connection, data: bytes, split: str) -> list[Any]:
    """Feed ``data`` whole, byte by byte, or in 7-byte pieces, then EOF; all events."""
    events: list[Any] = []
    if split == "whole":
        pieces = [data]
    elif split == "bytes":
        pieces = [data[i : i + 1] for i in range(len(data))]
    else:
        pieces = [data[i : i + 7] for i in range(0, len(data), 7)]
    pieces.append(b"")
    for piece in pieces:
        conn.receive_data(piece)
        while True:
            ev = conn.next_event()
            if ev is dockproto.NEED_DATA:
                break
            events.append(ev)
            if isinstance(ev, (dockproto.EndOfMessage, dockproto.ConnectionClosed)):
                return events
    return events


@pytest.fixture(params=["whole", "bytes", "pieces"])
def split(request: Any) -> str:
    return str(request.param)


Feeder = Callable[[dockproto.Connection, bytes], list[Any]]
