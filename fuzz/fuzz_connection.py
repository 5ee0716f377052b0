"""atheris harness: ``dockproto.Connection`` fed arbitrary response bytes.

Input: byte 0 picks the request (a table of every kind of answer: whole JSON, text,
empty, multiplexed and raw streams, tar, JSON lines, an upgrade), byte 1 seeds the
split points, the rest is what the "daemon" sends.  The bytes are fed twice: whole,
and cut at random points; then end of file.

What must hold, whatever the bytes:

* ``next_event`` gives events or raises ``ProtocolError``, nothing else (no
  ``RecursionError``, ``OverflowError``, ``AssertionError``, ``IndexError`` ...);
* after end of file it never answers ``NEED_DATA`` (that would be a hang);
* whole and split give the same events (stream chunks, tar data and raw bytes joined
  per run, since a run may come in pieces) and the same error;
* a cycle that ends on a reusable connection takes a second request, and the bytes
  left over go to it.

Run by ``fuzz/run``; by hand::

    .venv/bin/python fuzz/fuzz_connection.py -max_total_time=60 \
        build/fuzz/corpus/connection fuzz/corpus/connection
"""

from __future__ import annotations

import contextlib
import random
import sys
from typing import Any

try:
    import atheris
except ImportError:  # tests/faults/test_fuzz_corpus.py replays the corpus without it
    atheris = None

with atheris.instrument_imports() if atheris else contextlib.nullcontext():
    import h11  # noqa: F401  (instrumented: its head parser is part of what is fuzzed)

    import dockproto
    from dockproto import api

REQUESTS = [
    lambda: api.containers.inspect("c1"),
    lambda: api.containers.list(all=True, size=True),
    api.system.version,
    api.system.ping,
    lambda: api.containers.logs("c1", follow=True),
    lambda: api.containers.logs("c1", timestamps=True),
    lambda: api.containers.logs("c1", tty=True),
    lambda: api.containers.export("c1"),
    api.system.events,
    lambda: api.images.pull("busybox"),
    lambda: api.containers.attach("c1", stdin=True),
    lambda: api.exec.start("e1", tty=True),
    lambda: api.containers.wait("c1"),
    lambda: api.containers.stop("c1"),
    lambda: api.images.list(),
    lambda: api.images.import_(repo="x"),
    lambda: api.system.ping(head=True),
    lambda: api.containers.changes("c1"),
    lambda: api.exec.inspect("e1"),
    lambda: api.containers.get_archive("c1", "/etc"),
    lambda: api.images.save("busybox"),
    lambda: api.containers.stats("c1"),
]

_JOINED = (dockproto.StreamChunk, dockproto.TarData, dockproto.RawData)


def _normal(events: list[Any]) -> list[Any]:
    """Events with runs joined: a run of one stream may come in pieces."""
    out: list[Any] = []
    for ev in events:
        if isinstance(ev, _JOINED) and out and type(out[-1][0]) is type(ev):
            prev, data = out[-1]
            if getattr(prev, "stream", None) == getattr(ev, "stream", None):
                out[-1] = (prev, data + ev.data)
                continue
        out.append((ev, ev.data) if isinstance(ev, _JOINED) else (ev, None))
    return [
        (type(e).__name__, getattr(e, "stream", None), d) if d is not None else repr(e)
        for e, d in out
    ]


def drive(which: int, wire: bytes, pieces: list[bytes]) -> tuple[list[Any], str | None]:
    """Feed ``pieces`` then EOF; the events, and the ProtocolError message if any."""
    conn = dockproto.Connection("1.41")
    req = REQUESTS[which]()
    conn.send_request(req)
    if req.streamed_body:
        conn.send_body(b"layer")
        conn.end_body()
    events: list[Any] = []
    cycles = 0
    try:
        for piece in [*pieces, b""]:
            conn.receive_data(piece)
            while True:
                ev = conn.next_event()
                if ev is dockproto.NEED_DATA:
                    if not piece:
                        raise AssertionError("NEED_DATA after end of file: a caller would hang")
                    break
                events.append(ev)
                if isinstance(ev, dockproto.ConnectionClosed):
                    return events, None
                if isinstance(ev, dockproto.EndOfMessage):
                    if not conn.reusable or cycles == 2:
                        return events, None
                    cycles += 1
                    conn.start_next_cycle()
                    req = REQUESTS[(which + cycles) % len(REQUESTS)]()
                    conn.send_request(req)
                    if req.streamed_body:
                        conn.end_body()
    except dockproto.ProtocolError as exc:
        return events, exc.message
    raise AssertionError("the bytes ran out and EOF was given, yet the cycle did not end")


def TestOneInput(data: bytes) -> None:
    if len(data) < 2:
        return
    which = data[0] % len(REQUESTS)
    rng = random.Random(data[1])
    wire = data[2:]
    whole = drive(which, wire, [wire] if wire else [])
    pieces, pos = [], 0
    while pos < len(wire):
        n = rng.randint(1, 64)
        pieces.append(wire[pos : pos + n])
        pos += n
    split = drive(which, wire, pieces)
    # h11 accepts a head over its 16 KiB limit when it arrives complete in one piece,
    # and refuses it when it arrives in pieces: compare only below that size.
    if len(wire) < 16 * 1024 and _normal(whole[0]) != _normal(split[0]):
        raise AssertionError(f"whole and split give different events:\n{whole}\n{split}")
    if len(wire) < 16 * 1024 and (whole[1] is None) != (split[1] is None):
        raise AssertionError(f"whole and split disagree on the error: {whole[1]!r} {split[1]!r}")


def main() -> None:
    sys.setrecursionlimit(1000)  # the default; a deep JSON must not need more
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
