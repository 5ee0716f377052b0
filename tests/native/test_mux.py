"""Multiplexed stream frames (attach, exec, logs) in the C core and its twin, and ``Demuxer``."""

from __future__ import annotations

import pytest

from dockproto._decode import Content, Demuxer, Framing
from dockproto._errors import ProtocolError
from dockproto._events import StreamChunk, StreamKind
from dockproto._pieces import MAX_PIECE

from .native_helpers import IMPL_IDS, IMPLS, chunked, decoder, feed_all, feed_bytewise, frame

pytestmark = pytest.mark.parametrize("native", IMPLS, ids=IMPL_IDS)

OUT, ERR = StreamKind.STDOUT, StreamKind.STDERR
FRAMES = [
    (1, b"one\n"),
    (1, b"two\n"),
    (2, b"oops\n"),
    (0, b""),
    (1, b"three\n"),
    (0, b"in"),
    (3, b"Error grabbing logs: x\n"),
    (1, b"x" * 70000),
]
WIRE = b"".join(frame(s, p) for s, p in FRAMES)


def chunks(events: list[object]) -> list[tuple[StreamKind, bytes]]:
    assert all(isinstance(e, StreamChunk) for e in events)
    return [(e.stream, e.data) for e in events]  # type: ignore[attr-defined]


RUNS = [
    (OUT, b"one\ntwo\n"),
    (ERR, b"oops\n"),
    (OUT, b"three\n"),
    (StreamKind.STDIN, b"in"),
    (StreamKind.SYSTEMERR, b"Error grabbing logs: x\n"),
    (OUT, b"x" * 70000),
]
# What one feed gives: a run, copied out of the input, comes in pieces of at most
# MAX_PIECE (64 KiB) bytes.
COALESCED = [*RUNS[:-1], (OUT, b"x" * MAX_PIECE), (OUT, b"x" * (70000 - MAX_PIECE))]


def runs(events: list[object]) -> list[tuple[StreamKind, bytes]]:
    """Adjacent chunks of one stream joined, after checking each is at most MAX_PIECE."""
    out: list[tuple[StreamKind, bytes]] = []
    for s, d in chunks(events):
        assert 0 < len(d) <= MAX_PIECE
        if out and out[-1][0] == s:
            out[-1] = (s, out[-1][1] + d)
        else:
            out.append((s, d))
    return out


def test_whole_feed_coalesces_runs(native: bool) -> None:
    """Adjacent frames of one stream in one feed come out as one chunk; empty frames vanish."""
    dec = decoder(Framing.CLOSE, Content.MUX, native)
    events = dec.feed(WIRE) + dec.feed_eof()
    assert chunks(events) == COALESCED


def test_chunked_logs_body_one_chunk_per_frame(native: bool) -> None:
    """A logs body with one HTTP chunk per frame coalesces across chunks too."""
    body = b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in (frame(s, p) for s, p in FRAMES))
    wire = body + b"0\r\n\r\n"
    dec = decoder(Framing.CHUNKED, Content.MUX, native)
    assert chunks(dec.feed(wire + b"tail")) == COALESCED
    assert dec.done and dec.unused == b"tail"


def test_bytewise_gives_partial_payloads(native: bool) -> None:
    """Fed a byte at a time, payload bytes come out as they arrive, in order."""
    dec = decoder(Framing.CHUNKED, Content.MUX, native)
    events = feed_bytewise(dec, chunked(WIRE, [3, 11, 5]))
    joined: list[tuple[StreamKind, bytes]] = []
    for s, d in chunks(events):
        assert len(d) == 1
        if joined and joined[-1][0] == s:
            joined[-1] = (s, joined[-1][1] + d)
        else:
            joined.append((s, d))
    assert joined == RUNS


def test_frames_mode_keeps_boundaries(native: bool) -> None:
    """frames=True gives one chunk per non-empty frame, whole, however it was split."""
    want = [(StreamKind(s), p) for s, p in FRAMES if p]
    for splits in ([], list(range(0, len(WIRE), 7)), [5, 9, 70010]):
        dec = decoder(Framing.CLOSE, Content.MUX, native, frames=True)
        assert chunks(feed_all(dec, WIRE, splits, eof=True)) == want
    dec = decoder(Framing.CHUNKED, Content.MUX, native, frames=True)
    assert chunks(feed_bytewise(dec, chunked(WIRE, [1, 2, 3]))) == want


def test_frames_mode_with_tiny_span_array(native: bool) -> None:
    """frames=True with a one-span array and tiny calls still gives whole frames."""
    want = [(StreamKind(s), p) for s, p in FRAMES if p]
    dec = decoder(Framing.CHUNKED, Content.MUX, native, frames=True, _max_spans=1, _max_call=5)
    assert chunks(dec.feed(chunked(WIRE, [4] * 50))) == want


def test_coalescing_survives_call_boundaries(native: bool) -> None:
    """Runs that cross internal call boundaries still come out as one run per feed (in
    pieces of MAX_PIECE)."""
    dec = decoder(Framing.CHUNKED, Content.MUX, native, _max_spans=1, _max_call=9)
    events = dec.feed(chunked(WIRE, [4] * 50))
    assert runs(events) == RUNS
    assert chunks(events) == COALESCED


def test_big_frames_after_a_header_in_the_same_read(native: bool) -> None:
    """Big frames split across feeds at odd points decode to the same bytes."""
    payload = bytes(range(256)) * 200
    wire = frame(1, payload) + frame(2, payload) + frame(1, payload)
    dec = decoder(Framing.CLOSE, Content.MUX, native)
    events = feed_all(dec, wire, [3, 8, 9, 51208, 51211, 51300], eof=True)
    got = b"".join(d for s, d in chunks(events) if s == OUT)
    assert got == payload * 2


def test_trailing_bytes_after_length_body(native: bool) -> None:
    """With Content-Length framing, bytes past the body are unused, not frames."""
    dec = decoder(Framing.LENGTH, Content.MUX, native, length=len(WIRE))
    assert chunks(dec.feed(WIRE + b"\x07junk")) == COALESCED
    assert dec.done and dec.unused == b"\x07junk"


def test_copied_runs_come_in_pieces_of_at_most_max_piece(native: bool) -> None:
    """A long run is cut into MAX_PIECE pieces (each a fresh ``bytes`` under glibc's mmap
    threshold); only the last piece of a run in a feed is shorter, and nothing is lost."""
    payloads = [bytes([i]) * n for i, n in enumerate([10, 40000, 70000, 3, 200000, 5])]
    wire = b"".join(frame(1, p) for p in payloads) + frame(2, b"e" * 150000)
    for step in (len(wire), 100000, 4096):
        dec = decoder(Framing.CLOSE, Content.MUX, native)
        fed = [wire[i : i + step] for i in range(0, len(wire), step)]
        events = [ev for piece in fed for ev in dec.feed(piece)] + dec.feed_eof()
        got = chunks(events)
        # (a fed bytes object that is all payload is the chunk itself: no copy, any size)
        assert all(0 < len(d) <= MAX_PIECE or any(d is p for p in fed) for _, d in got)
        assert b"".join(d for s, d in got if s == OUT) == b"".join(payloads)
        assert b"".join(d for s, d in got if s == ERR) == b"e" * 150000
        if step == len(wire):  # one feed: full pieces, then the rest of each run
            assert [len(d) for _, d in got] == [MAX_PIECE] * 4 + [310018 - 4 * MAX_PIECE] + [
                MAX_PIECE,
                MAX_PIECE,
                150000 - 2 * MAX_PIECE,
            ]


def test_a_whole_bytes_input_is_handed_over_uncopied(native: bool) -> None:
    """A TTY read that is one ``bytes`` object becomes the chunk as it is, whatever its size."""
    data = bytes(range(256)) * 1000
    dec = decoder(Framing.CLOSE, Content.RAW, native)
    (event,) = dec.feed(data)
    assert event.data is data  # type: ignore[attr-defined]


def test_raw_tty_stream_is_stdout_untouched(native: bool) -> None:
    """Content.RAW passes TTY bytes through as stdout, even bytes that look like headers."""
    data = frame(2, b"not a frame") + b"\x00\x01\x02plain"
    dec = decoder(Framing.CLOSE, Content.RAW, native)
    assert chunks(feed_all(dec, data, [4], eof=True)) == [(OUT, data[:4]), (OUT, data[4:])]


def mux_error(native: bool, wire: bytes, splits: list[int] | None = None) -> ProtocolError:
    dec = decoder(Framing.CLOSE, Content.MUX, native)
    with pytest.raises(ProtocolError) as info:
        feed_all(dec, wire, splits or [], eof=True)
    with pytest.raises(ProtocolError):
        dec.feed(frame(1, b"ok"))
    return info.value


def test_unknown_stream_id(native: bool) -> None:
    """A stream id above 3 fails at the header's first byte."""
    err = mux_error(native, frame(1, b"abc") + frame(4, b"x"))
    assert err.offset == 11 and "stream id" in err.message
    assert mux_error(native, frame(1, b"abc") + frame(4, b"x"), [12]).offset == 11


def test_nonzero_header_padding(native: bool) -> None:
    """A non-zero byte 1-3 in a frame header fails at that byte, split or not."""
    for j in (1, 2, 3):
        bad = bytearray(frame(2, b"hi"))
        bad[j] = 9
        wire = frame(1, b"abc") + bytes(bad)
        assert mux_error(native, wire).offset == 11 + j
        assert mux_error(native, wire, [12, 13]).offset == 11 + j


def test_events_before_the_fault_ride_on_the_error(native: bool) -> None:
    """The chunks decoded from a feed before a bad header come with the ProtocolError."""
    dec = decoder(Framing.CLOSE, Content.MUX, native)
    with pytest.raises(ProtocolError) as info:
        dec.feed(frame(1, b"good") + frame(2, b"also") + b"\x09bad")
    assert chunks(info.value.events) == [(OUT, b"good"), (ERR, b"also")]
    with pytest.raises(ProtocolError) as info:
        dec.feed(b"")
    assert info.value.events == [] and info.value.offset == 24


def test_header_errors_inside_chunked_body(native: bool) -> None:
    """Offsets of frame errors count the chunk framing bytes fed before them."""
    dec = decoder(Framing.CHUNKED, Content.MUX, native)
    with pytest.raises(ProtocolError) as info:
        dec.feed(b"3\r\nabc\r\n")  # 'a' = 0x61 is no stream id
    assert info.value.offset == 3


def test_cut_off_mid_frame(native: bool) -> None:
    """EOF inside a frame header or payload fails at the end of the input."""
    err = mux_error(native, WIRE[:-5])
    assert err.offset == len(WIRE) - 5 and "mid-frame" in err.message
    assert mux_error(native, WIRE + b"\x01\x00").offset == len(WIRE) + 2


def test_final_chunk_mid_frame(native: bool) -> None:
    """A chunked body whose final chunk comes mid-frame fails when the body ends."""
    wire = chunked(WIRE[:-3], [100])
    dec = decoder(Framing.CHUNKED, Content.MUX, native)
    with pytest.raises(ProtocolError) as info:
        dec.feed(wire)
    assert info.value.offset == len(wire) and "mid-frame" in info.value.message


def test_demuxer(native: bool) -> None:
    """Demuxer splits raw multiplexed bytes, and checks the end on close()."""
    dm = Demuxer(_native=native)
    events = dm.feed(WIRE[:100]) + dm.feed(WIRE[100:]) + dm.close()
    got: dict[StreamKind, bytes] = {}
    for ev in events:
        got[ev.stream] = got.get(ev.stream, b"") + ev.data
    assert got[OUT] == b"one\ntwo\nthree\n" + b"x" * 70000
    with pytest.raises(ValueError):
        dm.feed(b"")
    dm = Demuxer(frames=True, _native=native)
    assert [e.data for e in dm.feed(frame(1, b"a") + frame(1, b"b"))] == [b"a", b"b"]
    dm.feed(b"\x01\x00")
    with pytest.raises(ProtocolError):
        dm.close()


def test_demuxer_tty(native: bool) -> None:
    """Demuxer(tty=True) passes the stream through as stdout."""
    dm = Demuxer(tty=True, _native=native)
    assert dm.feed(b"\x01\x00\x00\x00raw") == [StreamChunk(OUT, b"\x01\x00\x00\x00raw")]
    assert dm.close() == []


def test_one_frame_per_chunk_at_every_split(native: bool) -> None:
    """dockerd's one-chunk-per-frame logs decode the same wherever the reads split them.

    The C core steps over a chunk that holds exactly one whole frame in one go; a chunk
    cut by a read, a chunk of two frames, or of a frame and a half, takes the general
    path.  Both must give the same chunks, in whole feeds, frame by frame, and split
    anywhere.
    """
    lines = [(1, b"a\n"), (2, b"bb\n"), (0, b""), (1, b"c" * 20), (3, b"sys\n"), (1, b"d\n")]
    frames = [frame(s, p) for s, p in lines]
    mixed = [*frames[:3], frames[3] + frames[4][:5], frames[4][5:] + frames[5]]
    for pieces in (frames, mixed):
        wire = b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in pieces) + b"0\r\n\r\n"
        for frames_mode in (False, True):
            want = decoder(Framing.CLOSE, Content.MUX, False, frames=frames_mode).feed(
                b"".join(frames)
            )
            want_bytes = [(e.stream, e.data) for e in want]  # type: ignore[attr-defined]
            for cut in range(len(wire) + 1):
                dec = decoder(Framing.CHUNKED, Content.MUX, native, frames=frames_mode)
                got = dec.feed(wire[:cut]) + dec.feed(wire[cut:])
                assert dec.done
                merged: list[tuple[StreamKind, bytes]] = []
                for s, d in chunks(got):
                    if merged and merged[-1][0] == s and not frames_mode:
                        merged[-1] = (s, merged[-1][1] + d)
                    else:
                        merged.append((s, d))
                expect = want_bytes
                if not frames_mode:
                    expect = []
                    for s, d in want_bytes:
                        if expect and expect[-1][0] == s:
                            expect[-1] = (s, expect[-1][1] + d)
                        else:
                            expect.append((s, d))
                assert merged == expect, (cut, frames_mode)


def test_chunk_whose_frame_length_disagrees(native: bool) -> None:
    """A chunk whose frame claims more than the chunk holds continues into the next chunk."""
    f = frame(1, b"hello world")
    wire = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, f[:10], len(f) - 10, f[10:])
    dec = decoder(Framing.CHUNKED, Content.MUX, native)
    assert chunks(dec.feed(wire)) == [(OUT, b"hello world")]
