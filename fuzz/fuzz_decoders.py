"""atheris harness: the C stream core against its pure-Python twin, through ``BodyDecoder``.

Input: byte 0 picks framing, content and frame mode; byte 1 seeds two different sets of
split points; the rest is the body.  The native decoder fed one way and the pure-Python
one fed another must give the same events, the same error (message and offset) and the
same bytes left over; for tar, the native decoder with its events built in C
(``dockproto._tarevents``) and built by the Python sink must agree exactly.  This is
what ``tests/native/test_equivalence.py`` checks with hypothesis, driven here by
coverage instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import sys
from typing import Any

try:
    import atheris
except ImportError:  # tests/faults/test_fuzz_corpus.py replays the corpus without it
    atheris = None

with atheris.instrument_imports() if atheris else contextlib.nullcontext():
    import dockproto
    from dockproto import _decode
    from dockproto._decode import BodyDecoder, Content, Framing

CONTENTS = list(Content)
FRAMINGS = list(Framing)
_JOINED = (dockproto.StreamChunk, dockproto.TarData, dockproto.RawData)


def _normal(events: list[Any]) -> list[Any]:
    """Events with runs joined: where a run is cut depends on where feeds end."""
    out: list[Any] = []
    for ev in events:
        if isinstance(ev, _JOINED):
            key = (type(ev).__name__, getattr(ev, "stream", None))
            if out and isinstance(out[-1], list) and out[-1][0] == key:
                out[-1][1] += ev.data
            else:
                out.append([key, ev.data])
        else:
            out.append(ev)
    return out


def run(native: bool, mode: int, body: bytes, rng: random.Random) -> tuple[Any, ...]:
    framing = FRAMINGS[mode % 3]
    content = CONTENTS[(mode // 3) % len(CONTENTS)]
    frames = bool(mode & 0x80)
    length = len(body) - (mode >> 5 & 3) if framing is Framing.LENGTH else None
    dec = BodyDecoder(
        framing,
        content,
        length=max(length, 0) if length is not None else None,
        frames=frames,
        _native=native,
        _max_spans=1 + rng.randint(0, 40),
        _max_call=512 + rng.randint(0, 4096),
    )
    events: list[Any] = []
    pos = 0
    try:
        while pos < len(body):
            n = rng.randint(1, 300)
            events += dec.feed(body[pos : pos + n])
            pos += n
        events += dec.feed_eof()
    except dockproto.ProtocolError as exc:
        return _normal(events + exc.events), exc.message, exc.offset, None
    return _normal(events), None, None, dec.unused


def TestOneInput(data: bytes) -> None:
    if len(data) < 2:
        return
    mode, seed, body = data[0], data[1], data[2:]
    c = run(True, mode, body, random.Random(seed))
    p = run(False, mode, body, random.Random(seed + 1))
    if c != p:
        raise AssertionError(f"native and pure-Python decoders differ:\n{c}\n{p}")
    if CONTENTS[(mode // 3) % len(CONTENTS)] is Content.TAR and _decode._TAR_EVENTS:
        # Tar events built in C (dockproto._tarevents) against the Python sink, same splits.
        saved, _decode._TAR_EVENTS = _decode._TAR_EVENTS, None
        try:
            s = run(True, mode, body, random.Random(seed))
        finally:
            _decode._TAR_EVENTS = saved
        if _typed(c) != _typed(s):
            raise AssertionError(f"tar events from C and from the Python sink differ:\n{c}\n{s}")


def _typed(result: tuple[Any, ...]) -> list[Any]:
    """Events and their field values with types (an int mtime is not a float one)."""
    return [
        [type(e), *((type(v), v) for v in vars_of(e))] if not isinstance(e, list) else e
        for e in result[0]
    ] + list(result[1:])


def vars_of(event: Any) -> list[Any]:
    return [getattr(event, f.name) for f in dataclasses.fields(event)]


def main() -> None:
    if not dockproto.NATIVE:
        raise SystemExit("fuzz_decoders: the C core (dockproto._native) is not built")
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
