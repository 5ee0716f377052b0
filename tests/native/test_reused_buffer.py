"""Decoders copy what they keep: a caller may reuse its read buffer after each ``feed``.

The trio adapter reads fast streams with ``recv_into`` into one buffer it overwrites on
every read; events must never be views of that buffer.  Each body here is fed through
one reused ``bytearray`` that is scribbled over right after every call, and must give
exactly the events that feeding fresh ``bytes`` gives.
"""

from __future__ import annotations

import dataclasses
import json
import tarfile

import pytest

from dockproto._decode import Content, Framing
from dockproto._events import RawData, StreamChunk, TarData

from .native_helpers import IMPL_IDS, IMPLS, chunked, decoder, frame, make_tar


def _mux() -> bytes:
    sizes = [1, 7, 300, 5000, 20, 70000, 3, 16384, 2]
    return b"".join(frame(1 + i % 2, bytes([i]) * n) for i, n in enumerate(sizes * 3))


def _lines() -> bytes:
    return b"".join(json.dumps({"n": i, "pad": "x" * (i * 37 % 3000)}).encode() + b"\n"
                    for i in range(200))  # fmt: skip


def _tar() -> bytes:
    members = [(f"dir/{'long' * 40}{i}", "file", bytes([i]) * (i * 997 % 9000), "")
               for i in range(30)]  # fmt: skip
    members += [("dir/link", "symlink", b"", "dir/" + "t" * 150)]
    return make_tar(members, tarfile.PAX_FORMAT)


BODIES = {
    "mux": (Content.MUX, {}, _mux),
    "mux-frames": (Content.MUX, {"frames": True}, _mux),
    "raw": (Content.RAW, {}, _mux),
    "bytes": (Content.BYTES, {}, _mux),
    "lines": (Content.JSONLINES, {}, _lines),
    "tar": (Content.TAR, {}, _tar),
}


def _through_one_buffer(dec: object, wire: bytes, step: int) -> list[object]:
    buf = bytearray(step)
    events: list[object] = []
    for i in range(0, len(wire), step):
        n = len(wire[i : i + step])
        buf[:n] = wire[i : i + step]
        events += dec.feed(memoryview(buf)[:n])  # type: ignore[attr-defined]
        buf[:] = b"\xee" * step  # the next read overwrites it
    return events + dec.feed_eof()  # type: ignore[attr-defined]


@pytest.mark.parametrize("native", IMPLS, ids=IMPL_IDS)
@pytest.mark.parametrize("chunking", ["close", "chunked"])
@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("step", [1000, 65536, 262144])
def test_events_do_not_alias_the_input(native: bool, chunking: str, body: str, step: int) -> None:
    content, kw, make = BODIES[body]
    payload = make()
    if chunking == "chunked":
        framing, wire = Framing.CHUNKED, chunked(payload, [4000, 100000, 3, 70000] * 40)
    else:
        framing, wire = Framing.CLOSE, payload
    fresh = decoder(framing, content, native, **kw)
    want = fresh.feed(wire) + fresh.feed_eof()
    assert want
    got = _through_one_buffer(decoder(framing, content, native, **kw), wire, step)
    assert _merged(got) == _merged(want)


def _merged(events: list[object]) -> list[object]:
    """Events with adjacent data of one stream joined (their cut depends on the feeds)."""
    out: list[object] = []
    for ev in events:
        if out and isinstance(ev, (StreamChunk, TarData, RawData)) and type(out[-1]) is type(ev):
            prev = out[-1]
            if getattr(prev, "stream", None) == getattr(ev, "stream", None):
                out[-1] = dataclasses.replace(prev, data=prev.data + ev.data)  # type: ignore
                continue
        out.append(ev)
    return out
