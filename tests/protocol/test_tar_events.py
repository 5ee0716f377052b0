"""The cheap constructors of the decoders' events (TarMember, TarData, StreamChunk,
RawData, JSONMessage) build genuine frozen instances."""

from __future__ import annotations

import copy
import dataclasses
import io
import pickle
import tarfile

import pytest

import dockproto
from dockproto import TarReader
from dockproto._events import (
    JSONMessage,
    RawData,
    StreamChunk,
    StreamKind,
    TarData,
    TarMember,
    TarType,
    _json_message,
    _JSONMessageInit,
    _raw_data,
    _RawDataInit,
    _stream_chunk,
    _StreamChunkInit,
    _tar_data,
    _tar_member,
    _TarDataInit,
    _TarMemberInit,
)

ARGS = ("d/f", 12, 0o644, TarType.FILE, "", 1_700_000_000, 1000, 1000, "u", "g", 0, 0)


def test_twins_have_the_public_fields() -> None:
    """The unfrozen twins mirror the fields (names, order) and slots of the public classes."""
    for public, twin in (
        (TarMember, _TarMemberInit),
        (TarData, _TarDataInit),
        (StreamChunk, _StreamChunkInit),
        (RawData, _RawDataInit),
        (JSONMessage, _JSONMessageInit),
    ):
        assert [f.name for f in dataclasses.fields(twin)] == [
            f.name for f in dataclasses.fields(public)
        ]
        assert twin.__slots__ == public.__slots__


def test_fast_tar_member_is_a_frozen_tar_member() -> None:
    fast = _tar_member(*ARGS, {"k": "v"})
    slow = TarMember(*ARGS, {"k": "v"})
    assert type(fast) is TarMember and isinstance(fast, TarMember)
    assert fast == slow and repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert not hasattr(fast, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del fast.size
    with pytest.raises(TypeError):  # the pax dict makes both unhashable, alike
        hash(slow)
    with pytest.raises(TypeError):
        hash(fast)
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert copy.deepcopy(fast) == slow
    assert dataclasses.replace(fast, name="x") == TarMember("x", *ARGS[1:], {"k": "v"})
    # hashable when its fields are (a frozen dataclass hashes its fields)
    a = _tar_member(*ARGS, {})
    object.__setattr__(a, "pax", ())
    b = TarMember(*ARGS, {})
    object.__setattr__(b, "pax", ())
    assert hash(a) == hash(b)


def test_fast_tar_data_is_a_frozen_tar_data() -> None:
    fast, slow = _tar_data(b"abc"), TarData(b"abc")
    assert type(fast) is TarData and fast == slow and repr(fast) == repr(slow)
    assert hash(fast) == hash(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.data = b""  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(fast)) == slow


@pytest.mark.parametrize(
    ("fast", "slow"),
    [
        (_stream_chunk(StreamKind.STDERR, b"err"), StreamChunk(StreamKind.STDERR, b"err")),
        (_raw_data(b"raw"), RawData(b"raw")),
        (_json_message({"status": "x"}), JSONMessage({"status": "x"})),
    ],
    ids=["StreamChunk", "RawData", "JSONMessage"],
)
def test_fast_stream_events_are_frozen(fast: object, slow: object) -> None:
    assert type(fast) is type(slow) and fast == slow and repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)  # type: ignore[call-overload]
    field = dataclasses.fields(fast)[-1].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(fast, field, None)
    assert pickle.loads(pickle.dumps(fast)) == slow
    if isinstance(fast, JSONMessage):  # its methods are the class's
        with pytest.raises(TypeError):
            hash(fast)
        error = _json_message({"errorDetail": {"message": "no such image"}})
        assert error.error == "no such image" and error.exception() is not None
    else:
        assert hash(fast) == hash(slow)


def test_decoders_give_the_frozen_classes() -> None:
    """Demuxed chunks, raw bytes and JSON lines come out as the real classes."""
    from dockproto._decode import BodyDecoder, Content, Framing

    chunks = dockproto.Demuxer().feed(b"\x02\0\0\0\0\0\0\x02ok")
    raw = BodyDecoder(Framing.CLOSE, Content.BYTES).feed(b"abc")
    lines = BodyDecoder(Framing.CLOSE, Content.JSONLINES).feed(b'{"a":1}\n')
    assert [type(e) for e in chunks + raw + lines] == [StreamChunk, RawData, JSONMessage]
    assert chunks[0] == StreamChunk(StreamKind.STDERR, b"ok") and lines[0].value == {"a": 1}


def test_tar_reader_events_are_frozen() -> None:
    """The reader's hot path builds its events the cheap way: they are the real classes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        ti = tarfile.TarInfo("f")
        ti.size = 3
        tf.addfile(ti, io.BytesIO(b"abc"))
    member, data, *_ = TarReader().feed(buf.getvalue())
    assert type(member) is TarMember and type(data) is TarData
    assert member == TarMember("f", 3, 0o644, TarType.FILE, uname="", gname="")
    with pytest.raises(dataclasses.FrozenInstanceError):
        member.size = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.data = b""  # type: ignore[misc]
