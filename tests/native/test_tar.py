"""Tar archives (export, copy, save) in the C core and its twin, and ``TarReader``."""

from __future__ import annotations

import io
import tarfile

import pytest

from dockproto import _decode
from dockproto._decode import Content, Framing, TarReader
from dockproto._errors import ProtocolError
from dockproto._events import EndOfArchive, TarData, TarMember, TarType

from .native_helpers import (
    chunked,
    decoder,
    feed_all,
    feed_bytewise,
    make_tar,
    tar_summary,
    tarfile_summary,
)


@pytest.fixture(autouse=True)
def tar_sink(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Who builds the events: "C" (dockproto._tarevents, with the C core) or "Python"."""
    if request.param == "Python":
        monkeypatch.setattr(_decode, "_TAR_EVENTS", None)
    else:
        assert _decode._TAR_EVENTS is not None
    return str(request.param)


# Each test with the C core and C-built events, the C core and the Python sink, and the
# twin (which always has the Python sink).
pytestmark = pytest.mark.parametrize(
    ("native", "tar_sink"),
    [(True, "C"), (True, "Python"), (False, "Python")],
    ids=["C", "C-python-sink", "twin"],
    indirect=["tar_sink"],
)

LONG = "deep/" * 30 + "name.txt"  # 158 bytes: needs a ustar prefix, GNU 'L' or pax 'x'
LONGER = "d" * 120 + "/" + "e" * 200  # no ustar prefix split possible
MEMBERS = [
    ("etc", "dir", b"", ""),
    ("etc/hostname", "file", b"box\n", ""),
    ("empty", "file", b"", ""),
    ("block", "file", bytes(range(256)) * 2, ""),  # exactly one block
    ("odd", "file", b"x" * 1000, ""),
    (LONG, "file", b"long\n", ""),
    (LONGER, "file", b"longer\n", ""),
    ("link", "symlink", b"", "etc/hostname"),
    ("longlink", "symlink", b"", LONGER),
    ("hard", "hardlink", b"", "etc/hostname"),
    ("ünïcode", "file", b"u", ""),
]
FORMATS = {"gnu": tarfile.GNU_FORMAT, "pax": tarfile.PAX_FORMAT}


def fix_checksum(block: bytearray) -> None:
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)


def read(native: bool, wire: bytes, splits: list[int] | None = None) -> list[object]:
    dec = decoder(Framing.CLOSE, Content.TAR, native)
    return feed_all(dec, wire, splits or [], eof=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_whole_matches_tarfile(native: bool, fmt: str) -> None:
    """Members, long names (GNU and pax), links and data read as Python's tarfile reads them."""
    archive = make_tar(MEMBERS, FORMATS[fmt])
    assert tar_summary(read(native, archive)) == tarfile_summary(archive)


@pytest.mark.parametrize("fmt", FORMATS)
def test_bytewise_chunked(native: bool, fmt: str) -> None:
    """An archive in odd HTTP chunks, fed a byte at a time, reads the same."""
    archive = make_tar(MEMBERS, FORMATS[fmt])
    dec = decoder(Framing.CHUNKED, Content.TAR, native)
    events = feed_bytewise(dec, chunked(archive, [1, 511, 3, 700, 5]))
    assert dec.done and tar_summary(events) == tarfile_summary(archive)


def test_trailing_bytes_unused(native: bool) -> None:
    """Bytes after a Content-Length archive stay unused; record padding is accepted."""
    archive = make_tar(MEMBERS[:3], tarfile.GNU_FORMAT)
    assert len(archive) == 10240  # tarfile pads to a record with zero blocks
    dec = decoder(Framing.LENGTH, Content.TAR, native, length=len(archive))
    events = feed_all(dec, archive + b"NEXT", [700, 5000])
    assert isinstance(events[-1], EndOfArchive)
    assert dec.done and dec.unused == b"NEXT"


def test_events_shape(native: bool) -> None:
    """A file is TarMember then TarData with its bytes; the archive ends with EndOfArchive."""
    archive = make_tar(
        [("a/b.txt", "file", b"hello", ""), ("a", "dir", b"", "")], tarfile.GNU_FORMAT
    )
    events = read(native, archive)
    member, data, d, end = events
    assert isinstance(member, TarMember) and member.name == "a/b.txt" and member.size == 5
    assert member.type is TarType.FILE and member.mode == 0o644 and member.uname == "user"
    assert member.mtime == 1_700_000_000 and member.uid == 1000
    assert data == TarData(b"hello")
    assert isinstance(d, TarMember) and d.type is TarType.DIRECTORY and d.name == "a/"
    assert isinstance(end, EndOfArchive)


def test_pax_records_are_kept(native: bool) -> None:
    """Per-member and global pax records show in TarMember.pax and override header fields."""
    buf = io.BytesIO()
    with tarfile.open(
        fileobj=buf, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": "global"}
    ) as tf:
        ti = tarfile.TarInfo("f")
        ti.size = 3
        ti.pax_headers = {"mtime": "1700000000.5", "uname": "pax-user", "SCHILY.x": "y"}
        tf.addfile(ti, io.BytesIO(b"abc"))
    member = read(native, buf.getvalue())[0]
    assert isinstance(member, TarMember)
    assert member.mtime == 1700000000.5 and member.uname == "pax-user"
    assert member.pax["comment"] == "global" and member.pax["SCHILY.x"] == "y"


def pax_size_archive() -> bytes:
    """A pax archive whose member's size lives only in its pax 'size' record."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        ti = tarfile.TarInfo("sized")
        ti.size = 700
        ti.pax_headers = {"size": "700"}
        tf.addfile(ti, io.BytesIO(b"s" * 700))
        ti = tarfile.TarInfo("after")
        ti.size = 2
        tf.addfile(ti, io.BytesIO(b"ok"))
    raw = bytearray(buf.getvalue())
    hdr = raw[1024:1536]  # after the pax header block and its one-block body
    assert hdr[:5] == b"sized"
    hdr[124:136] = b"00000000000\0"
    fix_checksum(hdr)
    raw[1024:1536] = hdr
    return bytes(raw)


def test_pax_size_overrides_header_size(native: bool) -> None:
    """A pax "size" record decides how much data follows, whatever the header says."""
    archive = pax_size_archive()
    assert tar_summary(read(native, archive)) == tarfile_summary(archive)
    dec = decoder(Framing.CHUNKED, Content.TAR, native, _max_spans=1, _max_call=100)
    assert tar_summary(dec.feed(chunked(archive, [1000, 3]))) == tarfile_summary(archive)


def test_base256_size(native: bool) -> None:
    """A GNU base-256 size field is read like an octal one."""
    archive = bytearray(make_tar([("b256", "file", b"12345", "")], tarfile.GNU_FORMAT))
    hdr = archive[:512]
    hdr[124:136] = b"\x80" + (5).to_bytes(11, "big")
    fix_checksum(hdr)
    archive[:512] = hdr
    assert tar_summary(read(native, bytes(archive))) == tarfile_summary(bytes(archive))


def test_chardev_numbers(native: bool) -> None:
    """A device member carries its major and minor numbers and no data."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        ti = tarfile.TarInfo("dev/null")
        ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
        tf.addfile(ti)
    member = read(native, buf.getvalue())[0]
    assert isinstance(member, TarMember) and member.type is TarType.CHARDEV
    assert (member.devmajor, member.devminor, member.size) == (1, 3, 0)


def tar_error(native: bool, wire: bytes, splits: list[int] | None = None) -> ProtocolError:
    dec = decoder(Framing.CLOSE, Content.TAR, native)
    with pytest.raises(ProtocolError) as info:
        feed_all(dec, wire, splits or [], eof=True)
    with pytest.raises(ProtocolError):
        dec.feed(bytes(1024))
    return info.value


SIMPLE = make_tar([("a", "file", b"A" * 600, ""), ("b", "file", b"B", "")], tarfile.GNU_FORMAT)


def test_bad_checksum(native: bool) -> None:
    """A header whose checksum does not match fails at the header's first byte."""
    raw = bytearray(SIMPLE)
    raw[1536 + 1] = ord("x")  # in the name of "b"
    err = tar_error(native, bytes(raw))
    assert err.offset == 1536 and "checksum" in err.message
    assert tar_error(native, bytes(raw), [1600, 1700]).offset == 1536


def test_signed_checksum_accepted(native: bool) -> None:
    """A checksum computed with signed chars (old writers) is accepted."""
    archive = bytearray(make_tar([("\xe9t\xe9", "file", b"x", "")], tarfile.GNU_FORMAT))
    hdr = archive[:512]
    hdr[148:156] = b" " * 8
    signed = sum(b - 256 if b > 127 else b for b in hdr)
    hdr[148:156] = b"%06o\0 " % signed
    archive[:512] = hdr
    assert tar_summary(read(native, bytes(archive)))[0][0] == "\xe9t\xe9"


def test_non_octal_size(native: bool) -> None:
    """A size field that is not octal fails at its header."""
    raw = bytearray(SIMPLE)
    hdr = raw[1536:2048]
    hdr[124:136] = b"0000000009a\0"
    fix_checksum(hdr)
    raw[1536:2048] = hdr
    err = tar_error(native, bytes(raw))
    assert err.offset == 1536 and "size" in err.message


def test_negative_base256_size(native: bool) -> None:
    """A negative base-256 size fails at its header."""
    raw = bytearray(SIMPLE)
    hdr = raw[:512]
    hdr[124:136] = b"\xff" * 12
    fix_checksum(hdr)
    raw[:512] = hdr
    assert tar_error(native, bytes(raw)).offset == 0


def test_cut_off_mid_member(native: bool) -> None:
    """EOF inside a member's data, padding or header fails at the end of the input."""
    for cut in (700, 1100, 1600, 2048):
        err = tar_error(native, SIMPLE[:cut])
        assert err.offset == cut and "mid-member" in err.message


def test_no_end_of_archive(native: bool) -> None:
    """EOF between members (or after one zero block) fails: the end blocks are missing."""
    for cut in (1536, 2560, 3072):
        err = tar_error(native, SIMPLE[:cut])
        assert err.offset == cut and "end-of-archive" in err.message


def test_chunked_final_chunk_mid_archive(native: bool) -> None:
    """A chunked body that ends before the archive does fails when the body ends."""
    dec = decoder(Framing.CHUNKED, Content.TAR, native)
    wire = chunked(SIMPLE[:2048], [1000])
    with pytest.raises(ProtocolError) as info:
        dec.feed(wire)
    assert info.value.offset == len(wire)


def test_header_after_single_zero_block(native: bool) -> None:
    """A zero block followed by a header is not an archive end: it fails at that header."""
    wire = SIMPLE[:1536] + bytes(512) + SIMPLE[1536:]
    assert tar_error(native, wire).offset == 2048


def test_junk_after_end(native: bool) -> None:
    """Non-zero bytes after the end-of-archive blocks fail at the first such byte."""
    end = 2560 + 1024
    assert tar_error(native, SIMPLE[:end] + b"\0\0{").offset == end + 2


def test_bad_pax_record(native: bool) -> None:
    """A malformed pax record fails (at the end of the pax body)."""
    raw = bytearray(make_tar([(LONGER, "file", b"x", "")], tarfile.PAX_FORMAT))
    assert raw[512 : 512 + 3].isdigit()
    raw[512:514] = b"zz"
    err = tar_error(native, bytes(raw))
    assert "pax" in err.message and err.offset is not None


def test_tarreader(native: bool) -> None:
    """TarReader reads an archive you hold and checks its end on close()."""
    tr = TarReader(_native=native)
    events = tr.feed(SIMPLE[:1000]) + tr.feed(SIMPLE[1000:]) + tr.close()
    assert [type(e).__name__ for e in events] == [
        "TarMember",
        "TarData",
        "TarData",
        "TarMember",
        "TarData",
        "EndOfArchive",
    ]
    with pytest.raises(ValueError):
        tr.feed(b"")
    tr = TarReader(_native=native)
    tr.feed(SIMPLE[:600])
    with pytest.raises(ProtocolError):
        tr.close()


def test_bad_numeric_field(native: bool) -> None:
    """A mode, uid, gid or mtime field that is not a number fails at the end of its header."""
    for a in (100, 108, 116, 136):
        raw = bytearray(SIMPLE)
        hdr = raw[:512]
        hdr[a : a + 3] = b"9x9"
        fix_checksum(hdr)
        raw[:512] = hdr
        err = tar_error(native, bytes(raw))
        assert err.offset == 512 and "header field" in err.message


def with_field(archive: bytes, at: int, offset: int, value: bytes) -> bytes:
    """``archive`` with the header block at ``at`` given ``value`` at ``offset``."""
    raw = bytearray(archive)
    hdr = raw[at : at + 512]
    hdr[offset : offset + len(value)] = value
    fix_checksum(hdr)
    raw[at : at + 512] = hdr
    return bytes(raw)


NUMERIC = {"mode": (100, 8), "uid": (108, 8), "gid": (116, 8), "mtime": (136, 12)}
FIELD_MSG = "bad tar header field (mode, uid, gid or mtime)"
DEVICE_MSG = "bad tar header field devmajor/devminor"


@pytest.mark.parametrize("field", NUMERIC)
@pytest.mark.parametrize(
    "value",
    [b"9", b"12x4", b"1 2", b"-1", b"\xc0\x00\x00\x01", b"0o7"],
    ids=["digit9", "letter", "inner-space", "minus", "neg-base256", "prefix"],
)
def test_each_bad_numeric_field(native: bool, field: str, value: bytes) -> None:
    """Each of mode, uid, gid, mtime: not a number fails at the end of its header block,
    with the events before it kept; whole, split and byte by byte alike."""
    offset, width = NUMERIC[field]
    raw = with_field(SIMPLE, 1536, offset, value.ljust(width, b"\0"))
    for splits in ([], [1600], list(range(1, len(raw)))):
        dec = decoder(Framing.CLOSE, Content.TAR, native)
        with pytest.raises(ProtocolError) as info:
            feed_all(dec, raw, splits, eof=True)
        err = info.value
        assert (err.message, err.offset) == (FIELD_MSG, 2048)
        if not splits:
            member, data = err.events
            assert isinstance(member, TarMember) and member.name == "a"
            assert data == TarData(b"A" * 600)


def test_base256_overflow_is_bad(native: bool) -> None:
    """A 12-byte base-256 mtime of 2**63 or more is not a number (as tar_number reads it)."""
    raw = with_field(SIMPLE, 0, 136, b"\x80" + b"\x00\x00\x00" + (1 << 63).to_bytes(8, "big"))
    assert tar_error(native, raw).message == FIELD_MSG
    raw = with_field(SIMPLE, 0, 136, b"\x80" + b"\x00\x00\x00" + (1 << 63 - 1).to_bytes(8, "big"))
    member = read(native, raw)[0]
    assert isinstance(member, TarMember) and member.mtime == 1 << 62


def test_base256_and_padded_numbers(native: bool) -> None:
    """GNU base-256 mode/uid/gid/mtime, and octal with spaces and NULs around it."""
    raw = with_field(SIMPLE, 0, 100, b"\x80" + (0o4755).to_bytes(7, "big"))
    raw = with_field(raw, 0, 108, b"\x80" + (1 << 40).to_bytes(7, "big"))
    raw = with_field(raw, 0, 116, b"\xbf" + b"\xff" * 7)  # the largest 8-byte value
    raw = with_field(raw, 0, 136, b"\x80" + (4_000_000_000_000).to_bytes(11, "big"))
    raw = with_field(raw, 1536, 100, b"  644 \0 ")
    raw = with_field(raw, 1536, 108, b"\0\0\0\0\0\0\0\0")  # empty: 0
    raw = with_field(raw, 1536, 116, b" 0000017")
    raw = with_field(raw, 1536, 136, b"\0 12345670 \0")
    a, _, b, _, _ = read(native, raw)
    assert isinstance(a, TarMember) and isinstance(b, TarMember)
    assert (a.mode, a.uid, a.gid, a.mtime) == (0o4755, 1 << 40, (1 << 62) - 1, 4_000_000_000_000)
    assert (b.mode, b.uid, b.gid, b.mtime) == (0o644, 0, 0o17, 0o12345670)
    assert type(b.mtime) is int  # as the header has it (a pax mtime is a float)


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE])
@pytest.mark.parametrize("offset", [329, 337])
def test_bad_device_numbers(native: bool, kind: bytes, offset: int) -> None:
    """devmajor/devminor not a number: a device member fails at the end of its header."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        tf.addfile(tarfile.TarInfo("first"), io.BytesIO())
        ti = tarfile.TarInfo("dev/x")
        ti.type, ti.devmajor, ti.devminor = kind, 8, 1
        tf.addfile(ti)
    raw = with_field(buf.getvalue(), 512, offset, b"8x\0")
    err = tar_error(native, raw)
    assert (err.message, err.offset) == (DEVICE_MSG, 1024)
    raw = with_field(buf.getvalue(), 512, offset, b"\x80" + (1 << 33).to_bytes(7, "big"))
    dev = read(native, raw)[1]
    assert isinstance(dev, TarMember)
    assert (dev.devmajor, dev.devminor) == ((1 << 33, 1) if offset == 329 else (8, 1 << 33))


def test_device_numbers_ignored_for_other_types(native: bool) -> None:
    """Only a device member's devmajor/devminor are read (or checked)."""
    raw = with_field(SIMPLE, 0, 329, b"junk\0\0\0\0" * 2)
    member = read(native, raw)[0]
    assert isinstance(member, TarMember) and (member.devmajor, member.devminor) == (0, 0)


def test_ustar_prefix_only_with_ustar_magic(native: bool) -> None:
    """The 155-byte prefix joins the name in a ustar header; a GNU header's is ignored."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        ti = tarfile.TarInfo(LONG)
        ti.uname, ti.gname, ti.linkname = "üser", "grp", "target"
        ti.type = tarfile.SYMTYPE
        tf.addfile(ti)
    ustar = buf.getvalue()
    assert ustar[257:263] == b"ustar\0" and ustar[345] != 0  # tarfile split the name
    member = read(native, ustar)[0]
    assert isinstance(member, TarMember)
    assert (member.name, member.linkname) == (LONG, "target")
    assert (member.uname, member.gname) == ("üser", "grp")
    assert tar_summary([member]) == tarfile_summary(ustar)[:1]
    gnu = with_field(SIMPLE, 0, 345, b"junk\0")
    assert gnu[257:265] == b"ustar  \0"
    member = read(native, gnu)[0]
    assert isinstance(member, TarMember) and member.name == "a"


def test_owner_names_repeat_and_change(native: bool) -> None:
    """A member's owner names that repeat the last member's come as a flag in its record
    (their bytes left out); names that change, or join to the same bytes split
    differently, come whole.  A long-name member between them changes nothing, and a
    split anywhere (the walker keeps the last names across feeds) gives the same."""
    from dockproto._pydecode import K_TAR_HEADER, KIND_MASK, OWNERS_AS_BEFORE, TAR_RECORD_FIELDS

    owners = [("ab", "c"), ("ab", "c"), ("a", "bc"), ("a", "bc"), ("", ""), ("", "")]
    owners += [("abc", ""), ("abc", ""), ("root", "root")]
    members = []
    for i, (uname, gname) in enumerate(owners):
        ti = tarfile.TarInfo(f"{i}-{uname}-{gname}" + ("/long" * 30 if i == 7 else ""))
        ti.uname, ti.gname = uname, gname
        members.append(ti)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for ti in members:
            tf.addfile(ti, io.BytesIO())
    wire = buf.getvalue()
    expected = [(t.name, t.uname, t.gname) for t in members]
    for events in (read(native, wire), read(native, wire, list(range(1, len(wire))))):
        got = [(e.name, e.uname, e.gname) for e in events if isinstance(e, TarMember)]
        assert got == expected
    core = decoder(Framing.CLOSE, Content.TAR, native)._core
    _, _, spans, out = core.feed(memoryview(wire))
    flags = []
    for i in range(0, len(spans), 3):
        if spans[i] & KIND_MASK == K_TAR_HEADER:
            fields = TAR_RECORD_FIELDS.unpack_from(out, spans[i + 1])
            if fields[7] != ord("L"):  # (the long name's own header)
                flags.append((fields[13] & OWNERS_AS_BEFORE, fields[10] + fields[11]))
    assert flags == [
        (0, 3), (1, 0), (0, 3), (1, 0), (0, 0), (1, 0), (0, 3), (1, 0), (0, 8)
    ]  # fmt: skip


def test_member_data_comes_in_pieces_of_at_most_max_piece(native: bool) -> None:
    """Data copied out of the input comes in pieces of at most MAX_PIECE (fresh memory
    above it costs a page fault per 4 KiB); a fed ``bytes`` that is all data is handed
    over whole; nothing is lost either way."""
    from dockproto._pieces import MAX_PIECE

    small = bytes(range(256)) * 300  # 76,800 bytes: over MAX_PIECE, in one read
    big = bytes(range(251)) * 1200  # 301,200 bytes
    wire = make_tar([("small", "file", small, ""), ("big", "file", big, "")], tarfile.GNU_FORMAT)
    for step in (len(wire), 200_000, 65_536, 4096):
        dec = decoder(Framing.CLOSE, Content.TAR, native)
        fed = [wire[i : i + step] for i in range(0, len(wire), step)]
        buf = bytearray(step)  # fed through one reused buffer as well: always copies
        events = []
        for piece in fed:
            buf[: len(piece)] = piece
            events += dec.feed(memoryview(buf)[: len(piece)])
        events += dec.feed_eof()
        datas = [e.data for e in events if isinstance(e, TarData)]
        assert all(0 < len(d) <= MAX_PIECE for d in datas)
        assert b"".join(datas) == small + big
        assert [e.name for e in events if isinstance(e, TarMember)] == ["small", "big"]
    # A read that lies inside the big member's data, fed as bytes: that object, uncopied.
    start = wire.index(big[:4096], 1024 + len(small))
    dec = decoder(Framing.CLOSE, Content.TAR, native)
    head, inside = wire[: start + 1000], wire[start + 1000 : start + 200_000]
    dec.feed(head)
    (event,) = dec.feed(inside)
    assert isinstance(event, TarData) and event.data is inside
