"""Hypothesis: the C core and its twin give the same events, and the right ones, on random input."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dockproto._decode import BodyDecoder, Content, Framing
from dockproto._errors import ProtocolError
from dockproto._events import JSONMessage, StreamChunk

from .native_helpers import (
    NATIVE_PROFILE,
    chunked,
    exact,
    expected_streams,
    frame,
    python_tar_sink,
    streams,
    tar_summary,
    tarfile_summary,
)

payloads = st.one_of(
    st.binary(max_size=40), st.binary(max_size=40), st.binary(min_size=3000, max_size=9000)
)
frame_lists = st.lists(st.tuples(st.integers(0, 3), payloads), max_size=25)
framings = st.sampled_from([Framing.CHUNKED, Framing.CHUNKED, Framing.LENGTH, Framing.CLOSE])
limits: st.SearchStrategy[dict[str, int]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"_max_spans": st.integers(1, 6), "_max_call": st.integers(1, 700)}),
)


@st.composite
def wires(draw: st.DrawFn, body: bytes) -> tuple[Framing, bytes, list[int], dict[str, int]]:
    """``body`` framed at random (chunk sizes, extensions), with random split points."""
    framing = draw(framings)
    if framing is Framing.CHUNKED:
        sizes = draw(st.lists(st.integers(1, 2000), max_size=40))
        ext = draw(st.sampled_from([b"", b";a=1", b' ; name="v"']))
        trailers = draw(st.sampled_from([b"", b"X-Trailer: 1\r\n"]))
        wire = chunked(body, sizes, ext, trailers)
    else:
        wire = body
    splits = sorted(set(draw(st.lists(st.integers(0, max(len(wire), 1)), max_size=12))))
    return framing, wire, splits, draw(limits)


def run(
    native: bool,
    framing: Framing,
    content: Content,
    wire: bytes,
    splits: list[int],
    extra: bytes = b"",
    **kw: Any,
) -> tuple[list[object], BodyDecoder]:
    length = len(wire) if framing is Framing.LENGTH else None
    dec = BodyDecoder(framing, content, length=length, _native=native, **kw)
    events: list[object] = []
    prev = 0
    for cut in [*splits, len(wire)]:
        if cut > prev:
            events += dec.feed(wire[prev:cut])
            prev = cut
    if extra:
        events += dec.feed(extra)
    if not dec.done:
        events += dec.feed_eof()
    return events, dec


def both(*args: Any, **kw: Any) -> list[object]:
    """Run C and twin; they must agree exactly (events and leftovers).

    Tar runs the C core twice, with the events built in C (dockproto._tarevents) and
    by the Python sink, and all three must give the same types and values."""
    c_events, c_dec = run(True, *args, **kw)
    py_events, py_dec = run(False, *args, **kw)
    assert c_events == py_events
    assert exact(c_events) == exact(py_events)
    assert c_dec.unused == py_dec.unused and c_dec.done and py_dec.done
    if args[1] is Content.TAR:
        with python_tar_sink():
            sink_events, _ = run(True, *args, **kw)
        assert exact(sink_events) == exact(c_events)
    return c_events


@NATIVE_PROFILE
@given(frames=frame_lists, data=st.data(), coalesce=st.booleans())
def test_mux_random(frames: list[tuple[int, bytes]], data: st.DataObject, coalesce: bool) -> None:
    """Random frames, chunkings and splits: same events from both, and the frames' bytes."""
    body = b"".join(frame(s, p) for s, p in frames)
    framing, wire, splits, kw = data.draw(wires(body))
    extra = b"\x09more" if framing is not Framing.CLOSE else b""
    events = both(framing, Content.MUX, wire, splits, extra, frames=not coalesce, **kw)
    assert streams(events) == expected_streams(frames)
    if not coalesce:
        assert [(e.stream, e.data) for e in events if isinstance(e, StreamChunk)] == [
            (s, p) for s, p in frames if p
        ]
    elif not splits and not kw:
        # One feed: exactly one chunk per run of a stream.
        assert len(events) == len(expected_streams(frames)[1])


@NATIVE_PROFILE
@given(body=st.binary(max_size=5000), data=st.data())
def test_bytes_random(body: bytes, data: st.DataObject) -> None:
    """Plain bodies: same events from both, and the body's bytes back."""
    framing, wire, splits, kw = data.draw(wires(body))
    events = both(framing, Content.BYTES, wire, splits, **kw)
    assert b"".join(e.data for e in events) == body  # type: ignore[attr-defined]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@NATIVE_PROFILE
@given(
    values=st.lists(json_values, max_size=20),
    seps=st.lists(st.sampled_from(["\n", "\r\n", "\n\n", "\r\n  \r\n"]), min_size=20, max_size=20),
    last_newline=st.booleans(),
    data=st.data(),
)
def test_json_lines_random(
    values: list[object], seps: list[str], last_newline: bool, data: st.DataObject
) -> None:
    """Random JSON lines, separators and splits: same messages from both, and the values."""
    text = "".join(json.dumps(v) + seps[i] for i, v in enumerate(values))
    if values and not last_newline:
        text = text.rstrip("\r\n ")
    framing, wire, splits, kw = data.draw(wires(text.encode()))
    events = both(framing, Content.JSONLINES, wire, splits, **kw)
    assert [e.value for e in events if isinstance(e, JSONMessage)] == values


names = st.text(
    st.characters(codec="utf-8", exclude_characters="\0/", exclude_categories=["Cs"]),
    min_size=1,
    max_size=60,
)
paths = st.lists(names, min_size=1, max_size=5).map("/".join)
# Owner names, repeated and changing: a record says when a member's are the last
# member's ("root"/"root" and "rootr"/"oot" join to the same bytes; "ünï" is pax in pax).
OWNERS = [("", ""), ("root", "root"), ("rootr", "oot"), ("user", ""), ("ünï", "staff")]
tar_members = st.lists(
    st.tuples(
        paths,
        st.sampled_from(["file", "file", "dir", "symlink", "hardlink"]),
        st.one_of(st.binary(max_size=30), st.binary(min_size=500, max_size=3000)),
        paths,
        st.sampled_from(range(len(OWNERS))),
    ),
    max_size=8,
    unique_by=lambda m: m[0],
)


def build_tar(members: list[tuple[str, str, bytes, str, int]], fmt: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding="utf-8") as tf:
        for name, kind, payload, link, owner in members:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid = 1_600_000_000, 7, 8
            ti.uname, ti.gname = OWNERS[owner]
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                tf.addfile(ti)
            elif kind in ("symlink", "hardlink"):
                ti.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                ti.linkname = link
                tf.addfile(ti)
            else:
                ti.size = len(payload)
                tf.addfile(ti, io.BytesIO(payload))
    return buf.getvalue()


@NATIVE_PROFILE
@given(
    members=tar_members,
    fmt=st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]),
    data=st.data(),
)
def test_tar_random(
    members: list[tuple[str, str, bytes, str, int]], fmt: int, data: st.DataObject
) -> None:
    """Random archives (long names, links, dirs), chunkings and splits: both read as tarfile does."""
    archive = build_tar(members, fmt)
    framing, wire, splits, kw = data.draw(wires(archive))
    events = both(framing, Content.TAR, wire, splits, **kw)
    assert tar_summary(events) == tarfile_summary(archive)


def outcome(
    native: bool, content: Content, framing: Framing, wire: bytes, splits: list[int], **kw: Any
) -> tuple[list[object], tuple[str, int | None] | None]:
    """Events until the first error, and that error, for one implementation."""
    length = len(wire) if framing is Framing.LENGTH else None
    dec = BodyDecoder(framing, content, length=length, _native=native, **kw)
    events: list[object] = []
    prev = 0
    try:
        for cut in [*splits, len(wire)]:
            if cut > prev:
                events += dec.feed(wire[prev:cut])
                prev = cut
        events += dec.feed_eof()
    except ProtocolError as exc:
        return events + exc.events, (exc.message, exc.offset)  # type: ignore[attr-defined]
    return events, None


@NATIVE_PROFILE
@given(
    content=st.sampled_from([Content.MUX, Content.TAR, Content.JSONLINES]),
    frames=frame_lists,
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4),
    data=st.data(),
)
def test_corrupted_input_same_outcome(
    content: Content,
    frames: list[tuple[int, bytes]],
    flips: list[tuple[int, int]],
    data: st.DataObject,
) -> None:
    """Corrupted bodies: C and twin give the same events and the same error at the same offset."""
    if content is Content.MUX:
        body = b"".join(frame(s, p) for s, p in frames)
    elif content is Content.TAR:
        body = build_tar(
            [(f"f{i}" * (i * 20 + 1), "file", p, "", i % 3) for i, (_, p) in enumerate(frames)],
            tarfile.GNU_FORMAT if len(frames) % 2 else tarfile.PAX_FORMAT,
        )
    else:
        body = b"".join(json.dumps(p.hex()).encode() + b"\r\n" for _, p in frames)
    framing, wire, splits, kw = data.draw(wires(body))
    raw = bytearray(wire)
    for pos, value in flips:
        if raw:
            raw[pos % len(raw)] = value
    assert outcome(True, content, framing, bytes(raw), splits, **kw) == outcome(
        False, content, framing, bytes(raw), splits, **kw
    )


@NATIVE_PROFILE
@given(
    content=st.sampled_from(list(Content)),
    framing=framings,
    wire=st.binary(max_size=600),
    splits=st.lists(st.integers(0, 600), max_size=6).map(lambda s: sorted(set(s))),
)
def test_garbage_same_outcome(
    content: Content, framing: Framing, wire: bytes, splits: list[int]
) -> None:
    """Arbitrary bytes never crash either implementation, and both end the same way."""
    assert outcome(True, content, framing, wire, splits) == outcome(
        False, content, framing, wire, splits
    )
