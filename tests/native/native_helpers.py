"""Wire builders and feeders shared by the tests of the stream core."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import tarfile
from collections.abc import Iterable, Iterator, Sequence

from hypothesis import HealthCheck, settings

from dockproto import _decode
from dockproto._decode import BodyDecoder, Content, Framing
from dockproto._events import StreamChunk, TarData, TarMember

IMPLS = [True, False]
IMPL_IDS = ["C", "twin"]


def frame(stream: int, payload: bytes) -> bytes:
    """One multiplexed frame."""
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def chunked(
    body: bytes, sizes: Iterable[int] = (), ext: bytes = b"", trailers: bytes = b""
) -> bytes:
    """``body`` in HTTP chunks of the given sizes (the rest in one), then the final chunk."""
    out, pos = [], 0
    for size in sizes:
        if pos >= len(body):
            break
        piece = body[pos : pos + max(size, 1)]
        out.append(b"%x%s\r\n%s\r\n" % (len(piece), ext, piece))
        pos += len(piece)
    if pos < len(body):
        out.append(b"%x%s\r\n%s\r\n" % (len(body) - pos, ext, body[pos:]))
    out.append(b"0\r\n" + trailers + b"\r\n")
    return b"".join(out)


def feed_all(
    dec: BodyDecoder, wire: bytes, splits: Sequence[int] = (), eof: bool = False
) -> list[object]:
    """Feed ``wire`` cut at ``splits`` (sorted offsets), then EOF if asked."""
    events: list[object] = []
    prev = 0
    for cut in [*splits, len(wire)]:
        if cut > prev:
            events += dec.feed(wire[prev:cut])
            prev = cut
    if eof:
        events += dec.feed_eof()
    return events


def feed_bytewise(dec: BodyDecoder, wire: bytes, eof: bool = False) -> list[object]:
    """Feed ``wire`` one byte at a time."""
    events: list[object] = []
    for i in range(len(wire)):
        events += dec.feed(wire[i : i + 1])
    if eof:
        events += dec.feed_eof()
    return events


def decoder(framing: Framing, content: Content, native: bool, **kw: object) -> BodyDecoder:
    return BodyDecoder(framing, content, _native=native, **kw)  # type: ignore[arg-type]


def streams(events: Iterable[object]) -> tuple[dict[int, bytes], list[int]]:
    """Per-stream concatenated bytes, and the order of stream switches."""
    data: dict[int, bytes] = {}
    order: list[int] = []
    for ev in events:
        assert isinstance(ev, StreamChunk)
        assert ev.data, "no empty chunks"
        data[ev.stream] = data.get(ev.stream, b"") + ev.data
        if not order or order[-1] != ev.stream:
            order.append(int(ev.stream))
    return data, order


def expected_streams(frames: Sequence[tuple[int, bytes]]) -> tuple[dict[int, bytes], list[int]]:
    data: dict[int, bytes] = {}
    order: list[int] = []
    for s, p in frames:
        if not p:
            continue
        data[s] = data.get(s, b"") + p
        if not order or order[-1] != s:
            order.append(s)
    return data, order


def tar_summary(events: Iterable[object]) -> list[tuple[object, ...]]:
    """Members with their data joined, then an end marker: comparable across splits."""
    out: list[tuple[object, ...]] = []
    for ev in events:
        if isinstance(ev, TarMember):
            out.append(
                (
                    ev.name.rstrip("/") if ev.type.value == "directory" else ev.name,
                    ev.type.value,
                    ev.size,
                    ev.mode,
                    ev.linkname,
                    int(ev.mtime),
                    ev.uid,
                    ev.gid,
                    ev.uname,
                    ev.gname,
                    ev.devmajor,
                    ev.devminor,
                    b"",
                )
            )
        elif isinstance(ev, TarData):
            assert out and out[-1][-1] is not None
            last = out[-1]
            out[-1] = (*last[:-1], last[-1] + ev.data)  # type: ignore[operator]
        else:
            out.append(("END",))
    return out


def make_tar(members: Sequence[tuple[str, str, bytes, str]], fmt: int) -> bytes:
    """A tar made by tarfile: (name, kind 'file'|'dir'|'symlink'|'hardlink', data, link)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for name, kind, data, link in members:
            ti = tarfile.TarInfo(name)
            ti.mtime = 1_700_000_000
            ti.uid, ti.gid, ti.uname, ti.gname = 1000, 1000, "user", "group"
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                tf.addfile(ti)
            elif kind in ("symlink", "hardlink"):
                ti.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                ti.linkname = link
                tf.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = 0o644
                tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def tarfile_summary(archive: bytes) -> list[tuple[object, ...]]:
    """What Python's tarfile reads from ``archive``, in the shape of tar_summary."""
    kinds = {
        tarfile.REGTYPE: "file",
        tarfile.AREGTYPE: "file",
        tarfile.DIRTYPE: "directory",
        tarfile.SYMTYPE: "symlink",
        tarfile.LNKTYPE: "hardlink",
    }
    out: list[tuple[object, ...]] = []
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tf:
        for ti in tf:
            data = b""
            if ti.isfile():
                f = tf.extractfile(ti)
                assert f is not None
                data = f.read()
            out.append(
                (
                    ti.name.rstrip("/") if ti.isdir() else ti.name,
                    kinds[ti.type],
                    ti.size if ti.isfile() else 0,
                    ti.mode,
                    ti.linkname,
                    int(ti.mtime),
                    ti.uid,
                    ti.gid,
                    ti.uname,
                    ti.gname,
                    ti.devmajor,
                    ti.devminor,
                    data,
                )
            )
    out.append(("END",))
    return out


# The hypothesis profile of these tests (used as a decorator, not loaded globally, so
# other test directories keep theirs).  DOCKPROTO_NATIVE_EXAMPLES raises the count for a
# long local run; the default keeps tests/native under ~30 s.
settings.register_profile(
    "dockproto-native",
    max_examples=int(os.environ.get("DOCKPROTO_NATIVE_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NATIVE_PROFILE = settings.get_profile("dockproto-native")


@contextlib.contextmanager
def python_tar_sink() -> Iterator[None]:
    """Decoders made inside build tar events in Python, not in dockproto._tarevents."""
    assert _decode._TAR_EVENTS is not None, "dockproto._tarevents is not in use"
    saved, _decode._TAR_EVENTS = _decode._TAR_EVENTS, None
    try:
        yield
    finally:
        _decode._TAR_EVENTS = saved


def exact(events: Iterable[object]) -> list[tuple[object, ...]]:
    """Each event's type and its fields' types and values (1 == 1.0 == True otherwise)."""
    out: list[tuple[object, ...]] = []
    for ev in events:
        assert dataclasses.is_dataclass(ev)
        values = tuple(getattr(ev, f.name) for f in dataclasses.fields(ev))
        out.append((type(ev), *((type(v), v) for v in values)))
    return out
