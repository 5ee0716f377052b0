"""Record raw responses from a real dockerd, for the replay server (``replay.py``).

Every recording is the bytes dockerd wrote on the socket for one request: the response
head and the body exactly as sent (chunked framing included); for attach, the ``101``
head and then the raw multiplexed stream up to the daemon's close.  Recordings and a
``manifest.json`` go to ``OUT`` (``bench/.cache/<profile>/``); nothing is recorded again
while the manifest is there.

    python bench/record.py --host unix:///…/docker.sock --image IMAGE --out DIR [--quick]

Cases (full / --quick):
  logs    GET  /containers/{id}/logs of ``seq 1 N``          5,000,000 / 200,000 lines
  attach  POST /containers/{id}/attach, stdout of ``yes | dd bs=32k``: 256 MiB / 16 MiB
  export  GET  /containers/{id}/export, 20,000 small files + one 128 MiB file
          (--quick: 1,000 + 8 MiB)
  events  GET  /events?since&until around a few container lifecycles (real messages
          and dockerd's one-chunk-per-event framing), repeated to 100,000 / 10,000
  and the answers peers need to believe it is a daemon: /_ping, /version, the
  containers' inspect (Tty false), /wait.

Only the standard library: this runs before any venv has the peers.  Every container
made here carries the label ``dockproto-bench=record`` and is removed when done.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import sys
import time
from typing import Any

API = "/v1.41"
LABEL = {"dockproto-bench": "record"}

PROFILES = {
    "full": {
        "log_lines": 5_000_000,
        "attach_bytes": 256 << 20,
        "export_files": 20_000,
        "export_big": 128 << 20,
        "events": 100_000,
    },
    "quick": {
        "log_lines": 200_000,
        "attach_bytes": 16 << 20,
        "export_files": 1_000,
        "export_big": 8 << 20,
        "events": 10_000,
    },
}


def log(msg: str) -> None:
    print(f"[record] {msg}", file=sys.stderr, flush=True)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("docker", timeout=600)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self._path)


class Engine:
    """A few control calls over http.client (not recorded)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def call(self, method: str, target: str, body: Any = None, ok: tuple[int, ...] = ()) -> Any:
        conn = _UnixConnection(self.path)
        try:
            data = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json"} if data is not None else {}
            conn.request(method, API + target, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        if resp.status >= 400 and resp.status not in ok:
            raise RuntimeError(f"{method} {target}: {resp.status} {raw[:300]!r}")
        return json.loads(raw) if raw.strip() and raw.lstrip()[:1] in b"{[" else raw

    def create(self, image: str, cmd: list[str], *, log_driver: str = "json-file") -> str:
        body = {
            "Image": image,
            "Cmd": cmd,
            "Tty": False,
            "AttachStdout": True,
            "AttachStderr": True,
            "Labels": LABEL,
            "HostConfig": {"LogConfig": {"Type": log_driver, "Config": {}}},
        }
        return str(self.call("POST", "/containers/create", body)["Id"])

    def start(self, cid: str) -> None:
        self.call("POST", f"/containers/{cid}/start")

    def wait(self, cid: str) -> int:
        return int(self.call("POST", f"/containers/{cid}/wait")["StatusCode"])

    def rm(self, cid: str) -> None:
        self.call("DELETE", f"/containers/{cid}?force=1&v=1", ok=(404,))


def request_bytes(method: str, target: str, extra: str = "") -> bytes:
    """A request as the Go client writes it (Host ``docker``, no body)."""
    head = f"{method} {API}{target} HTTP/1.1\r\nHost: docker\r\nUser-Agent: Docker-Client/20.10\r\n"
    if method == "POST":
        head += "Content-Type: application/json\r\nContent-Length: 0\r\n"
    return (head + extra + "\r\n").encode()


def _head_info(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
    return status, headers


def record_raw(
    path: str, request: bytes, on_head: Any = None, pause: float = 0.0
) -> tuple[bytes, int]:
    """The bytes dockerd sends for ``request``, up to the end of its response.

    Returns (raw, head_length).  The end is found as the client would: Content-Length,
    the last chunk of a chunked body, or the close (hijacked and read-until-close).
    ``pause``: sleep between reads, so that the daemon's pipes stay full and it reads
    (and frames) the container's output in whole 32 KiB pieces, as under load.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    try:
        sock.sendall(request)
        buf = bytearray()
        while b"\r\n\r\n" not in buf:
            data = sock.recv(1 << 16)
            if not data:
                raise RuntimeError("the daemon closed before the head")
            buf += data
        head_len = buf.index(b"\r\n\r\n") + 4
        status, headers = _head_info(bytes(buf[:head_len]))
        if on_head is not None:
            on_head(status)
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length = headers.get("content-length")
        upgraded = status == 101
        if status in (204, 304):  # no body at all
            return bytes(buf), head_len
        while True:
            if not upgraded:
                if length is not None and len(buf) >= head_len + int(length):
                    break
                if chunked and (
                    buf.endswith(b"\r\n0\r\n\r\n")
                    or (len(buf) == head_len + 5 and buf.endswith(b"0\r\n\r\n"))
                ):
                    break
            data = sock.recv(1 << 20)
            if not data:
                break
            buf += data
            if pause:
                time.sleep(pause)
        return bytes(buf), head_len
    finally:
        sock.close()


def check_chunked(raw: bytes, head_len: int) -> tuple[int, int]:
    """Walk a chunked body (the recording must end exactly at its last chunk).

    Returns (chunks, payload bytes).
    """
    pos, n, chunks, payload = head_len, len(raw), 0, 0
    while True:
        eol = raw.index(b"\r\n", pos)
        size = int(raw[pos:eol].split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            if raw[pos : pos + 2] != b"\r\n" or pos + 2 != n:
                raise RuntimeError("the recording does not end at its last chunk")
            return chunks, payload
        if raw[pos + size : pos + size + 2] != b"\r\n":
            raise RuntimeError("bad chunk framing in the recording")
        chunks += 1
        payload += size
        pos += size + 2


def dechunk(raw: bytes, head_len: int) -> list[bytes]:
    out, pos = [], head_len
    while True:
        eol = raw.index(b"\r\n", pos)
        size = int(raw[pos:eol].split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            return out
        out.append(raw[pos : pos + size])
        pos += size + 2


def mux_stats(stream: bytes) -> dict[str, int]:
    """Frames and payload of a multiplexed stream (also checks it is whole)."""
    pos, n, frames, payload, biggest = 0, len(stream), 0, 0, 0
    while pos < n:
        size = int.from_bytes(stream[pos + 4 : pos + 8], "big")
        if stream[pos] not in (0, 1, 2) or pos + 8 + size > n:
            raise RuntimeError(f"bad frame at {pos}")
        frames += 1
        payload += size
        biggest = max(biggest, size)
        pos += 8 + size
    return {"frames": frames, "payload": payload, "largest_frame": biggest}


def save(out: str, name: str, raw: bytes) -> str:
    fname = f"{name}.raw"
    with open(os.path.join(out, fname), "wb") as f:
        f.write(raw)
    return fname


def top_up(eng: Engine, path: str, image: str, out: str) -> None:
    """Add answers that later versions of this script record (the manifest is kept)."""
    mpath = os.path.join(out, "manifest.json")
    with open(mpath) as f:
        manifest = json.load(f)
    cases = manifest["cases"]
    if "start" in cases:
        return
    cid = eng.create(image, ["true"])
    try:
        raw, head_len = record_raw(path, request_bytes("POST", f"/containers/{cid}/start"))
        cases["start"] = {"file": save(out, "start", raw), "head_len": head_len, "size": len(raw)}
        eng.wait(cid)
    finally:
        eng.rm(cid)
    with open(mpath, "w") as f:
        json.dump(manifest, f, indent=1)
    log("recorded the start answer")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    prof = PROFILES["quick" if args.quick else "full"]
    path = args.host.removeprefix("unix://")
    out = args.out
    os.makedirs(out, exist_ok=True)
    eng = Engine(path)
    if os.path.exists(os.path.join(out, "manifest.json")):
        top_up(eng, path, args.image, out)
        log(f"recordings already in {out}")
        return
    manifest: dict[str, Any] = {"profile": "quick" if args.quick else "full", "cases": {}}
    cases = manifest["cases"]
    made: list[str] = []
    t_all = time.monotonic()

    def rec(name: str, method: str, target: str, **kw: Any) -> tuple[bytes, int]:
        raw, head_len = record_raw(path, request_bytes(method, target), **kw)
        cases[name] = {"file": save(out, name, raw), "head_len": head_len, "size": len(raw)}
        return raw, head_len

    try:
        # -- the answers a client needs before it streams -------------------------------
        rec("ping", "GET", "/_ping")
        manifest["version"] = json.loads(
            rec("version", "GET", "/version")[0].split(b"\r\n\r\n", 1)[1]
        )

        # -- logs of seq 1 N ------------------------------------------------------------
        n_lines = prof["log_lines"]
        t = time.monotonic()
        cid = eng.create(args.image, ["seq", "1", str(n_lines)])
        made.append(cid)
        eng.start(cid)
        eng.wait(cid)
        log(f"logs: container printed {n_lines:,} lines in {time.monotonic() - t:.1f} s")
        rec("inspect_logs", "GET", f"/containers/{cid}/json")
        t = time.monotonic()
        raw, head_len = rec("logs", "GET", f"/containers/{cid}/logs?stdout=1&stderr=1")
        chunks, payload = check_chunked(raw, head_len)
        body = b"".join(dechunk(raw, head_len))
        st = mux_stats(body)
        expect = sum(len(str(i)) + 1 for i in range(1, n_lines + 1))
        if st["payload"] != expect or st["frames"] != n_lines:
            raise RuntimeError(f"logs: {st} for {n_lines} lines ({expect} bytes expected)")
        cases["logs"].update(container=cid, lines=n_lines, chunks=chunks, **st)
        del body
        log(
            f"logs: {len(raw) / 1e6:.1f} MB, {chunks:,} chunks, "
            f"read in {time.monotonic() - t:.1f} s"
        )
        del raw
        eng.rm(cid)

        # -- attach: N bytes in 32 KiB frames (raw bytes after the 101) ------------------
        n_bytes = prof["attach_bytes"]
        line = "dockproto attach benchmark 0123456789abcdefghijklmnopqrstuvwxyz"
        # dd writes whole 32 KiB blocks, so dockerd reads (and frames) 32 KiB at a time.
        blocks = n_bytes // 32768
        cmd = ["sh", "-c", f"yes {line} | dd bs=32768 count={blocks} iflag=fullblock 2>/dev/null"]
        cid = eng.create(args.image, cmd, log_driver="none")
        made.append(cid)
        t = time.monotonic()
        req = request_bytes(
            "POST",
            f"/containers/{cid}/attach?stream=1&stdout=1&stderr=1",
            "Connection: Upgrade\r\nUpgrade: tcp\r\n",
        )

        def started(status: int) -> None:
            if status != 101:
                raise RuntimeError(f"attach answered {status}")
            # The start answer is recorded too: the replay daemon holds the attach
            # stream back until the client starts the container, as dockerd does.
            rec("start", "POST", f"/containers/{cid}/start")
            # The output waits for us (the pipe is full), so the container is running now:
            # the CLI's ``docker attach`` checks State.Running in this inspect.
            rec("inspect_attach", "GET", f"/containers/{cid}/json")

        raw, head_len = record_raw(path, req, on_head=started, pause=0.002)
        cases["attach"] = {"file": save(out, "attach", raw), "head_len": head_len, "size": len(raw)}
        st = mux_stats(raw[head_len:])
        if st["payload"] != n_bytes:
            raise RuntimeError(f"attach: {st} for {n_bytes} bytes")
        cases["attach"].update(container=cid, **st)
        log(
            f"attach: {len(raw) / 1e6:.1f} MB, {st['frames']:,} frames "
            f"in {time.monotonic() - t:.1f} s"
        )
        eng.wait(cid)
        rec("wait", "POST", f"/containers/{cid}/wait")
        del raw
        eng.rm(cid)

        # -- export of a tree with many small files and one big one ---------------------
        files, big = prof["export_files"], prof["export_big"]
        script = (
            f"mkdir -p /data && cd /data && i=0 && while [ $i -lt {files} ]; do "
            f'echo "small file $i" > f$i; i=$((i+1)); done && '
            f"head -c {big} /dev/urandom > big"
        )
        cid = eng.create(args.image, ["sh", "-c", script])
        made.append(cid)
        t = time.monotonic()
        eng.start(cid)
        if eng.wait(cid) != 0:
            raise RuntimeError("export: the set-up script failed")
        log(f"export: tree made in {time.monotonic() - t:.1f} s")
        rec("inspect_export", "GET", f"/containers/{cid}/json")
        raw, head_len = rec("export", "GET", f"/containers/{cid}/export")
        chunks, payload = check_chunked(raw, head_len)
        cases["export"].update(container=cid, files=files, big=big, chunks=chunks, payload=payload)
        log(f"export: {len(raw) / 1e6:.1f} MB, {chunks:,} chunks")
        del raw
        eng.rm(cid)

        # -- events: real messages around a few lifecycles, repeated --------------------
        since = time.time() - 1
        for _ in range(3):
            c = eng.create(args.image, ["true"])
            made.append(c)
            eng.start(c)
            eng.wait(c)
            eng.rm(c)
        until = time.time() + 0.5
        time.sleep(1.0)
        raw, head_len = record_raw(
            path, request_bytes("GET", f"/events?since={since:.3f}&until={until:.3f}")
        )
        check_chunked(raw, head_len)
        msgs = dechunk(raw, head_len)
        if not msgs or not all(m.endswith(b"\n") and m.count(b"\n") == 1 for m in msgs):
            raise RuntimeError("events: expected one JSON message per chunk")
        n_events = prof["events"]
        framed = [b"%x\r\n%s\r\n" % (len(m), m) for m in msgs]
        body = b"".join(framed[i % len(framed)] for i in range(n_events))
        raw_events = raw[:head_len] + body + b"0\r\n\r\n"
        payload = sum(len(msgs[i % len(msgs)]) for i in range(n_events))
        cases["events"] = {
            "file": save(out, "events", raw_events),
            "head_len": head_len,
            "size": len(raw_events),
            "messages": n_events,
            "recorded_messages": len(msgs),
            "payload": payload,
            "since": since,
            "until": until,
        }
        log(
            f"events: {len(msgs)} real messages, repeated to {n_events:,} "
            f"({len(raw_events) / 1e6:.1f} MB)"
        )
        made.clear()
    finally:
        for c in made:
            try:
                eng.rm(c)
            except Exception as exc:
                log(f"could not remove {c}: {exc}")
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    log(f"done in {time.monotonic() - t_all:.1f} s -> {out}")


if __name__ == "__main__":
    main()
