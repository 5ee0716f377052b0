"""``dockproto._tarevents``: tar events built in C give exactly what the Python sink gives.

The extension takes plain members and small files' data, and stops at the first span
the Python sink must take (a GNU long name or pax header, a piece of a large member,
the end of the archive); these tests drive it through the real decoders over archives
that mix all of those, and call it directly for its stops and its refusals.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import importlib
import io
import pickle
import tarfile
import tracemalloc
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockproto import _decode
from dockproto._decode import BodyDecoder, Content, Framing, TarReader
from dockproto._events import EndOfArchive, TarData, TarMember, TarType
from dockproto._pieces import MAX_PIECE
from dockproto._pydecode import K_TAR_DATA, K_TAR_EOA, K_TAR_HEADER, SPAN_END, SPAN_OUT

from .native_helpers import (
    NATIVE_PROFILE,
    exact,
    feed_all,
    python_tar_sink,
    tar_summary,
    tarfile_summary,
)

ext: Any = importlib.import_module("dockproto._tarevents")  # (test_build: it is built)


def decode(wire: bytes, splits: Sequence[int] = (), native: bool = True, **kw: Any) -> list[object]:
    dec = BodyDecoder(Framing.CLOSE, Content.TAR, _native=native, **kw)
    return feed_all(dec, wire, splits, eof=True)


def three_ways(wire: bytes, splits: Sequence[int] = (), **kw: Any) -> list[object]:
    """Events built in C; the same from the Python sink over the C core and the twin."""
    assert _decode._TAR_EVENTS is not None
    fast = decode(wire, splits, **kw)
    with python_tar_sink():
        slow = decode(wire, splits, **kw)
    twin = decode(wire, splits, native=False, **kw)
    assert exact(fast) == exact(slow) == exact(twin)
    return fast


# -- archives mixing everything the extension takes and leaves -------------------------

KINDS = ["small", "small", "empty", "big", "dir", "olddir", "symlink", "long", "prefix"]
members = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 3), st.binary(max_size=40)),
    min_size=1,  # (tarfile cannot read back a global pax header alone)
    max_size=10,
)


def build(spec: list[tuple[str, int, bytes]], fmt: int, global_pax: bool) -> bytes:
    buf = io.BytesIO()
    extra = {"pax_headers": {"comment": "all"}} if global_pax else {}
    with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding="utf-8", **extra) as tf:
        for i, (kind, owner, payload) in enumerate(spec):
            name = f"m{i}-ä"
            if kind == "long":
                name = "l" * 60 + "/" + "n" * 70 + f"{i}"  # GNU 'L' or pax path
            elif kind == "prefix":
                name = "p" * 90 + f"/{i}/" + "q" * 90  # ustar prefix (pax: a path record)
            ti = tarfile.TarInfo(name)
            ti.uname, ti.gname = [("root", "root"), ("root", "root"), ("u", "g"), ("", "")][owner]
            ti.mtime, ti.mode, ti.uid, ti.gid = 1_700_000_000 + i, 0o640, i, 7 * i
            data = b""
            if kind in ("small", "long", "prefix"):
                data = payload * 20
            elif kind == "big":
                data = bytes(range(256)) * (MAX_PIECE // 256 + 5) + payload
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
            elif kind == "olddir":  # an old regular file type, its name ending '/'
                ti.type, ti.name = tarfile.AREGTYPE, name + "/"
            elif kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, f"target-{i}"
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data) if data else None)
    return buf.getvalue()


@NATIVE_PROFILE
@given(
    spec=members,
    fmt=st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT]),
    global_pax=st.booleans(),
    data=st.data(),
)
def test_mixed_archives_same_events_three_ways(
    spec: list[tuple[str, int, bytes]], fmt: int, global_pax: bool, data: st.DataObject
) -> None:
    """Random mixes, splits and span limits: C-built events equal the Python sink's (same
    types, same values) and the twin's, and read as tarfile reads the archive."""
    wire = build(spec, fmt, global_pax and fmt == tarfile.PAX_FORMAT)
    splits = sorted(set(data.draw(st.lists(st.integers(1, len(wire) - 1), max_size=8))))
    kw = data.draw(st.sampled_from([{}, {"_max_spans": 1}, {"_max_spans": 4}]))
    events = three_ways(wire, splits, **kw)
    assert tar_summary(events) == tarfile_summary(wire)


def test_each_kind_whole_and_in_small_reads() -> None:
    """Every kind after every other, in one read and in reads of 97 bytes (C stops and
    restarts at each); the data is cut where the reads end, and is the same."""
    spec = [(k, i % 4, b"x%d" % i) for i, k in enumerate(KINDS * 2)]
    for fmt in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT):
        wire = build(spec, fmt, fmt == tarfile.PAX_FORMAT)
        whole = three_ways(wire)
        small_reads = three_ways(wire, list(range(97, len(wire), 97)))
        assert tar_summary(small_reads) == tar_summary(whole) == tarfile_summary(wire)
        kinds = {e.type for e in whole if isinstance(e, TarMember)}
        assert {TarType.FILE, TarType.DIRECTORY, TarType.SYMLINK} <= kinds
        olddir = [e for e in whole if isinstance(e, TarMember) and e.name == "m5-ä/"]
        assert [e.type for e in olddir] == [TarType.DIRECTORY]  # typeflag NUL, name '/'
        prefixed = "p" * 90 + "/8/" + "q" * 90
        assert [e.name for e in whole if isinstance(e, TarMember)].count(prefixed) == 1


# -- the objects it builds --------------------------------------------------------------


def simple_archive(n: int = 3) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for i in range(n):
            ti = tarfile.TarInfo(f"f{i}")
            ti.size, ti.uname, ti.gname, ti.mtime = 3, "root", "wheel", 1234
            tf.addfile(ti, io.BytesIO(b"abc"))
    return buf.getvalue()


def test_built_events_are_genuine_frozen_instances() -> None:
    """What C builds is a real TarMember / TarData: frozen, equal, copyable, picklable,
    with every field set (a slot left empty would raise AttributeError)."""
    events = decode(simple_archive())
    with python_tar_sink():
        expected = decode(simple_archive())
    member, data = events[0], events[1]
    assert type(member) is TarMember and type(data) is TarData
    assert member == expected[0] and data == expected[1] and data.data == b"abc"
    assert dataclasses.asdict(member) == dataclasses.asdict(expected[0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        member.name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.data = b""  # type: ignore[misc]
    assert dataclasses.replace(member, name="g").name == "g"
    assert pickle.loads(pickle.dumps(member)) == member
    assert copy.deepcopy(data) == data
    assert repr(member) == repr(expected[0])
    assert hash(data) == hash(expected[1])
    assert member.uname in gc.get_referents(member)
    assert member.pax == {} and member.pax is not events[2].pax  # type: ignore[attr-defined]
    assert isinstance(events[-1], EndOfArchive)


def test_no_reference_is_leaked() -> None:
    """Decoding the same archive again and again keeps no memory: every object C makes
    (names, numbers, dicts, bytes, owner pairs) is freed with its event."""
    wire = simple_archive(200)
    for _ in range(3):
        decode(wire)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(30):
            decode(wire)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert grown < 64 * 1024, grown  # a leak of one object per member would be > 200 KiB


# -- its stops and refusals, called directly -------------------------------------------


class Buffers:
    """An input and an output buffer with known addresses (through cffi)."""

    def __init__(self, inp: bytes, out: bytes) -> None:
        from dockproto._native import ffi

        self.inp = ffi.from_buffer(inp)
        self.out = ffi.from_buffer(out)
        self.in_addr = int(ffi.cast("uintptr_t", self.inp))
        self.out_addr = int(ffi.cast("uintptr_t", self.out))


def header_record(spans_out: bytearray, typeflag: bytes, name: bytes) -> int:
    """A header record appended to ``spans_out`` (the core's layout); its offset."""
    from dockproto._pydecode import TAR_RECORD_FIELDS

    at = len(spans_out)
    spans_out += TAR_RECORD_FIELDS.pack(
        5, 0o644, 1, 2, 3, 0, 0, typeflag[0], len(name), 0, 1, 1, 0, 0
    )
    spans_out += name + b"ug"
    return at


def test_take_stops_at_what_python_must_take() -> None:
    """A plain header and a small ending data span are taken; a long-name header, a
    piece that does not end its member, a piece over MAX_PIECE and the end of the
    archive each stop it, at that span's index."""
    out = bytearray()
    plain = header_record(out, b"0", b"plain")
    meta = header_record(out, b"L", b"")
    data = b"D" * (MAX_PIECE + 1)
    bufs = Buffers(data, bytes(out))
    end = SPAN_END
    took = [K_TAR_HEADER | SPAN_OUT, plain, 0, K_TAR_DATA | end, 0, 5]
    for stop in (
        [K_TAR_HEADER | SPAN_OUT, meta, 0],
        [K_TAR_DATA, 0, 10],  # not the end of its member
        [K_TAR_DATA | end, 0, MAX_PIECE + 1],
        [K_TAR_EOA | end, 0, 0],
    ):
        events: list[object] = []
        spans = took + stop + took
        at, owners = ext.take(spans, 0, bufs.in_addr, bufs.out_addr, events, ("", ""))
        assert at == len(took)
        assert [type(e) for e in events] == [TarMember, TarData]
        assert events[0].name == "plain" and events[1].data == b"DDDDD"  # type: ignore[attr-defined]
        assert owners == ("u", "g")
        # From a later start, the same: it begins where it is told.
        events = []
        at, _ = ext.take(spans, len(took) + 3, bufs.in_addr, bufs.out_addr, events, owners)
        assert at == len(spans) and len(events) == 2
    # A data span in the input at the limit is taken, and holds exactly its bytes.
    events = []
    spans = [K_TAR_DATA | end, 1, MAX_PIECE]
    assert ext.take(spans, 0, bufs.in_addr, bufs.out_addr, events, ("", ""))[0] == 3
    assert events[0].data == data[1 : MAX_PIECE + 1]  # type: ignore[attr-defined]


def test_take_rejects_bad_arguments() -> None:
    """Wrong types or an owners tuple that is not a pair: a clear error, nothing read."""
    with pytest.raises(TypeError):
        ext.take((1, 2, 3), 0, 0, 0, [], ("", ""))
    with pytest.raises(ValueError, match="owners"):
        ext.take([], 0, 0, 0, [], ("",))
    with pytest.raises(ValueError, match="start"):
        ext.take([], -3, 0, 0, [], ("", ""))


def test_configure_refuses_layouts_it_cannot_fill_and_keeps_the_last() -> None:
    """Values that are not found once each in the sample's slots, a type with a
    __dict__, a subclass, or a short type table are refused (TypeError, ValueError);
    the configuration before stays in force."""
    from dockproto._tarmembers import _MEMBER_FIELDS, _TYPE_BY_FLAG, configure_tar_events

    values = tuple(object() for _ in _MEMBER_FIELDS)
    sample = TarMember(**dict(zip(_MEMBER_FIELDS, values, strict=True)))
    dv = object()
    data = TarData(dv)  # type: ignore[arg-type]
    types = _TYPE_BY_FLAG
    args = (TarMember, sample, values, TarData, data, (dv,), types, MAX_PIECE)
    ext.configure(*args)  # as dockproto does

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        data: object

    class Sub(TarData):  # (with a __dict__ and a __weakref__)
        pass

    twice = (values[0],) * len(values)  # a slot that cannot be told from another
    same = TarMember(**dict(zip(_MEMBER_FIELDS, twice, strict=True)))
    refused = [
        (TarMember, same, twice, *args[3:]),
        (TarMember, sample, (*values[:-1], object()), *args[3:]),  # a value not there
        (*args[:3], NoSlots, NoSlots(dv), (dv,), types, MAX_PIECE),
        (*args[:3], Sub, Sub(dv), (dv,), types, MAX_PIECE),  # type: ignore[arg-type]
        (*args[:3], TarData, data, (dv,), types[:-1], MAX_PIECE),
    ]
    for bad in refused:
        with pytest.raises((TypeError, ValueError)):
            ext.configure(*bad)
    assert three_ways(simple_archive())  # still configured for the real types

    class Refusing:
        @staticmethod
        def configure(*args: object) -> None:
            raise TypeError("no")

    assert configure_tar_events(Refusing) is None


def test_readers_use_it_only_with_the_c_core() -> None:
    """TarReader with the C core builds events in C; the twin core has no addresses."""
    assert TarReader()._dec._sink._fast is _decode._TAR_EVENTS  # type: ignore[attr-defined]
    assert TarReader(_native=False)._dec._sink._fast is None  # type: ignore[attr-defined]
    with python_tar_sink():
        assert TarReader()._dec._sink._fast is None  # type: ignore[attr-defined]
