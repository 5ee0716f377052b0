"""Write the seed corpora in ``fuzz/corpus/`` (run once; the files are committed).

Each seed is a small real-looking input for its target: daemon answers as dockerd 20.10
sends them (chunked logs, frames, an export tar with pax and GNU long names, progress
lines), with the control bytes each harness reads first.
"""

from __future__ import annotations

import io
import json
import os
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))


def frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


def chunked(body: bytes, size: int = 17, ext: bool = False) -> bytes:
    out = b""
    for i in range(0, len(body), size):
        piece = body[i : i + size]
        out += b"%x%s\r\n%s\r\n" % (len(piece), b";x=y" if ext else b"", piece)
    return out + b"0\r\nX-Trailer: 1\r\n\r\n"


def tar_archive(fmt: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:

        def add(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", **kw: object) -> None:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            for k, v in kw.items():
                setattr(info, k, v)
            tf.addfile(info, io.BytesIO(data) if data else None)

        add("etc/", tarfile.DIRTYPE, mode=0o755)
        add("etc/hosts", data=b"127.0.0.1 localhost\n")
        add("bin/sh", tarfile.SYMTYPE, linkname="/bin/busybox")
        add("bin/ls", tarfile.LNKTYPE, linkname="etc/hosts")
        add("d" * 120 + "/long-name", data=b"x" * 700)
        add("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3)
        add("fifo", tarfile.FIFOTYPE)
    # tarfile pads to a 10 KiB record: keep the two end blocks only.
    data = buf.getvalue().rstrip(b"\0")
    return data + bytes(-len(data) % 512 + 1024)


def lines() -> bytes:
    msgs = [
        {"status": "Pulling from library/busybox", "id": "latest"},
        {"status": "Downloading", "progressDetail": {"current": 1, "total": 2}, "id": "a"},
        {"errorDetail": {"message": "denied"}, "error": "denied"},
    ]
    return b"".join(json.dumps(m).encode() + b"\r\n" for m in msgs) + b"\n\n"


def head(extra: bytes, status: bytes = b"200 OK") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\nApi-Version: 1.41\r\nServer: Docker/20.10\r\n" + extra


def main() -> None:
    mux = frame(1, b"hello\n") + frame(2, b"oops\n") + frame(0, b"") + frame(3, b"sys")
    tars = [
        tar_archive(tarfile.USTAR_FORMAT),
        tar_archive(tarfile.GNU_FORMAT),
        tar_archive(tarfile.PAX_FORMAT),
    ]
    seeds: dict[str, list[bytes]] = {
        # c0 c1 c2 c3: framing/content, max_spans, out_cap, split seed
        "chunked": [
            bytes([1, 3, 0, 7]) + chunked(b"plain bytes " * 20),
            bytes([0, 200, 9, 1]) + chunked(mux, 5, ext=True),
            bytes([3, 2, 1, 3]) + chunked(lines(), 9),
            bytes([2, 0xC0, 40, 5]) + chunked(tars[0], 512),
            bytes([1, 1, 0, 0]) + b"fffffffffff\r\n",
        ],
        "mux": [
            bytes([0, 3, 0, 9]) + mux,
            bytes([4 | 1, 1, 0, 2]) + chunked(mux, 3),
            bytes([2 | 16 << 3, 5, 2, 11]) + mux * 3,
            bytes([0, 1, 0, 0]) + b"\x05\x00\x00\x00\x00\x00\x00\x01x",
        ],
        "tar": [bytes([0, 4, 1, 13]) + t for t in tars]
        + [bytes([1, 0xC0, 0, 3]) + chunked(tars[2], 700)],
        "lines": [
            bytes([0, 2, 0, 4]) + lines(),
            bytes([1, 7, 3, 6]) + chunked(lines(), 11),
            bytes([0, 1, 0, 0]) + b'{"a": [1, 2, {"b": null}]}\r',
        ],
        # request index, split seed, wire bytes
        "connection": [
            bytes([0, 1])
            + head(b"Content-Type: application/json\r\nContent-Length: 13\r\n\r\n")
            + b'{"Id": "c1"}\n',
            bytes([1, 2])
            + head(b"Transfer-Encoding: chunked\r\n\r\n")
            + chunked(
                b'[{"Id":"a","Names":["/x"],"Ports":[{"PrivatePort":80,"Type":"tcp"}],"SizeRw":3}]'
            ),
            bytes([2, 3])
            + head(b"Content-Length: 47\r\n\r\n")
            + b'{"ApiVersion":"1.41","Version":"20.10","Os":""}',
            bytes([3, 4]) + head(b"Content-Length: 2\r\n\r\nOK"),
            bytes([4, 5]) + head(b"Transfer-Encoding: chunked\r\n\r\n") + chunked(mux, 4),
            bytes([5, 6]) + head(b"Content-Length: %d\r\n\r\n" % len(mux)) + mux,
            bytes([6, 7]) + head(b"\r\n") + b"raw tty output\r\n",
            bytes([7, 8]) + head(b"Transfer-Encoding: chunked\r\n\r\n") + chunked(tars[2], 4096),
            bytes([8, 9]) + head(b"Transfer-Encoding: chunked\r\n\r\n") + chunked(lines()),
            bytes([10, 10])
            + b"HTTP/1.1 101 UPGRADED\r\n"
            + b"Content-Type: application/vnd.docker.multiplexed-stream\r\n"
            + b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
            + mux,
            bytes([12, 11])
            + head(b"Content-Length: 31\r\n\r\n")
            + b'{"StatusCode":0,"Error":null} '
            + head(b"Content-Length: 2\r\n\r\nOK"),
            bytes([13, 12]) + head(b"\r\n", b"304 Not Modified"),
            bytes([0, 13])
            + head(
                b"Content-Type: application/json\r\nContent-Length: 31\r\n\r\n", b"404 Not Found"
            )
            + b'{"message":"No such container"}',
            bytes([19, 14])
            + head(
                b"X-Docker-Container-Path-Stat: eyJuYW1lIjoiZXRjIn0=\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            + chunked(tars[0], 1000),
        ],
        # framing + 3 * content (+ 0x80 frames), split seed, body
        "decoders": [
            bytes([0 + 3 * 0, 1]) + chunked(mux, 3),
            bytes([2 + 3 * 0 + 0x80, 2]) + mux,
            bytes([1 + 3 * 2, 3]) + tars[1],
            bytes([0 + 3 * 3, 4]) + chunked(lines(), 5),
            bytes([2 + 3 * 1, 5]) + b"tty bytes",
        ],
    }
    for target, items in seeds.items():
        folder = os.path.join(HERE, "corpus", target)
        os.makedirs(folder, exist_ok=True)
        for i, data in enumerate(items):
            with open(os.path.join(folder, f"seed-{i:02d}"), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
