"""Throughput of the stream core on synthetic bodies (not a test; run by hand).

    .venv/bin/python -m tests.native.bench_native [logs|attach|export|all] [--both|--pure]

logs:   a chunked logs body, one HTTP chunk per 8-byte-header frame per ~15-byte line
        (as dockerd 20.10 sends it), ~100 MB, fed in 64 KiB pieces.
attach: 256 MiB of 32 KiB stdout frames, read-until-close, 64 KiB pieces.
export: a tar of 20,000 small files and one 128 MiB file, 32 KiB HTTP chunks.

Each is compared with two baselines: iterating the 64 KiB pieces (no work at all) and
reading the same bytes from a socketpair with recv(65536) (the raw socket read).
"""

from __future__ import annotations

import io
import socket
import sys
import tarfile
import threading
import time

from dockproto._decode import BodyDecoder, Content, Framing

PIECE = 65536


def frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def logs_body(target: int = 100_000_000) -> bytes:
    parts = []
    size = 0
    i = 0
    while size < target:
        line = b"%014d\n" % i  # 15 bytes
        f = frame(1, line)
        c = b"%x\r\n" % len(f) + f + b"\r\n"
        parts.append(c)
        size += len(c)
        i += 1
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


def attach_body() -> bytes:
    payload = bytes(range(256)) * 128  # 32 KiB
    return frame(1, payload) * (256 * 32)


def export_body() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for i in range(20_000):
            data = b"x" * (100 + i % 900)
            ti = tarfile.TarInfo(f"dir{i % 50}/file{i}.txt")
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        ti = tarfile.TarInfo("big.bin")
        ti.size = 128 << 20
        tf.addfile(ti, io.BytesIO(bytes(ti.size)))
    raw = buf.getvalue()
    out = [
        b"%x\r\n" % len(raw[i : i + 32768]) + raw[i : i + 32768] + b"\r\n"
        for i in range(0, len(raw), 32768)
    ]
    return b"".join(out) + b"0\r\n\r\n"


def socket_read(body: bytes) -> float:
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)

    def send() -> None:
        a.sendall(body)
        a.close()

    t = threading.Thread(target=send)
    t0 = time.perf_counter()
    t.start()
    while b.recv(PIECE):
        pass
    dt = time.perf_counter() - t0
    t.join()
    b.close()
    return dt


def run(name: str, body: bytes, framing: Framing, content: Content, native: bool) -> None:
    pieces = [body[i : i + PIECE] for i in range(0, len(body), PIECE)]
    t0 = time.perf_counter()
    for _p in pieces:
        pass
    t_iter = time.perf_counter() - t0
    t_sock = min(socket_read(body) for _ in range(3))
    best = 1e9
    for _ in range(2 if native else 1):
        dec = BodyDecoder(framing, content, length=len(body), _native=native)
        n = 0
        t0 = time.perf_counter()
        for p in pieces:
            n += len(dec.feed(p))
        if not dec.done:
            dec.feed_eof()
        best = min(best, time.perf_counter() - t0)
    mb = len(body) / 1e6
    print(
        f"{name:7} {'C   ' if native else 'twin'} {mb:7.1f} MB  decode {best:7.3f} s "
        f"({mb / best:7.0f} MB/s, {n} events)  iterate {t_iter:.4f} s  "
        f"socket {t_sock:.3f} s  decode/socket {best / t_sock:5.1f}x"
    )


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    impls = [False] if "--pure" in sys.argv else [True]
    if "--both" in sys.argv:
        impls = [True, False]
    if which in ("logs", "all"):
        body = logs_body()
        for nat in impls:
            run("logs", body, Framing.CHUNKED, Content.MUX, nat)
    if which in ("attach", "all"):
        body = attach_body()
        for nat in impls:
            run("attach", body, Framing.CLOSE, Content.MUX, nat)
    if which in ("export", "all"):
        body = export_body()
        for nat in impls:
            run("export", body, Framing.CHUNKED, Content.TAR, nat)


if __name__ == "__main__":
    main()
