"""A replay daemon: answers Docker API requests with responses recorded from dockerd.

    python bench/replay.py --socket PATH --recordings DIR

Every recording (``record.py``) is loaded into memory once, and each request whose path
matches a recorded case gets those bytes back, exactly as dockerd sent them (head and
chunked body, or the ``101`` head and the raw attach stream), with one ``sendall`` of a
memoryview: the client under test, not this server, sets the pace.  After a response
the connection is kept for the next request, unless the recording was a hijack (the
daemon closed it) or the request said ``Connection: close``.  It runs as a process of
its own, so that a client and this server never share a GIL, on a Unix socket.

Routes (an optional ``/v1.NN`` prefix and the query are ignored):

    GET|HEAD /_ping                 the recorded ping
    GET  /version                   the recorded version
    GET  /containers/{id}/json      the recorded inspect of that container (Tty false);
                                    an id ``cl-<anything>`` gets the attach container's
                                    inspect with its body framed by Content-Length
                                    (the small-request case: the same bytes every time)
    POST /containers/{id}/wait      the recorded wait answer
    POST /containers/{id}/start     the recorded start answer (204)
    GET  /containers/{id}/logs      logs of ``seq 1 N``
    POST /containers/{id}/attach    the 101 at once; the attach stream once the client
                                    has started the container (as recorded: dockerd
                                    sent the stream after the start), then close
    GET  /containers/{id}/export    the export tar
    GET  /events                    the JSON messages

A container id ``x<K>-<anything>`` repeats the logs body or the attach stream K times
(framing kept valid): the 1 GiB streams of the memory check, from one recording.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import sys
import threading

_VERSIONED = re.compile(r"^/v\d+\.\d+(/.*)$")
_CONTAINER = re.compile(r"^/containers/([^/]+)/(json|wait|start|logs|attach|export)$")
# An attach whose container is never started gets its stream after this long.
START_WAIT = 5.0
_REPEAT = re.compile(r"^x(\d+)-")
NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
    b"Content-Length: 37\r\n\r\n"
    b'{"message":"page not found (replay)"}'
)


class Recordings:
    def __init__(self, folder: str) -> None:
        with open(os.path.join(folder, "manifest.json")) as f:
            self.manifest = json.load(f)
        self.raw: dict[str, memoryview] = {}
        self.head_len: dict[str, int] = {}
        for name, case in self.manifest["cases"].items():
            with open(os.path.join(folder, case["file"]), "rb") as f:
                self.raw[name] = memoryview(f.read())
            self.head_len[name] = case["head_len"]
        # Inspect answers by container id; any other id gets the attach one (Running).
        self.inspect: dict[str, str] = {}
        for case, name in (("logs", "inspect_logs"), ("attach", "inspect_attach"),
                           ("export", "inspect_export")):  # fmt: skip
            cid = self.manifest["cases"].get(case, {}).get("container")
            if cid and name in self.raw:
                self.inspect[cid] = name
        if "inspect_attach" in self.raw:
            self.raw["inspect_cl"] = memoryview(
                content_length(bytes(self.raw["inspect_attach"]), self.head_len["inspect_attach"])
            )
            self.head_len["inspect_cl"] = bytes(self.raw["inspect_cl"]).index(b"\r\n\r\n") + 4
        self._starts: dict[str, int] = {}
        self._cond = threading.Condition()

    def started(self, cid: str) -> None:
        with self._cond:
            self._starts[cid] = self._starts.get(cid, 0) + 1
            self._cond.notify_all()

    def wait_start(self, cid: str) -> None:
        """Wait for a start of ``cid`` (one made before the attach counts too)."""
        with self._cond:
            self._cond.wait_for(lambda: self._starts.get(cid, 0) > 0, timeout=START_WAIT)
            if self._starts.get(cid, 0) > 0:
                self._starts[cid] -= 1

    def pieces(self, name: str, repeat: int = 1) -> list[memoryview]:
        raw = self.raw[name]
        if repeat <= 1:
            return [raw]
        h = self.head_len[name]
        if name == "logs":  # the chunked body without its last chunk, K times, then it
            body = raw[h : len(raw) - 5]
            return [raw[:h], *([body] * repeat), raw[len(raw) - 5 :]]
        return [raw[:h], *([raw[h:]] * repeat)]  # a raw stream: frames simply follow


def content_length(raw: bytes, head_len: int) -> bytes:
    """A recorded chunked answer with its body whole, framed by ``Content-Length``."""
    from record import dechunk

    body = b"".join(dechunk(raw, head_len))
    lines = [
        line
        for line in raw[: head_len - 4].split(b"\r\n")
        if not line.lower().startswith((b"transfer-encoding:", b"content-length:"))
    ]
    lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def read_request(conn: socket.socket, buf: bytearray) -> tuple[str, str, dict[str, str]] | None:
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    end = buf.index(b"\r\n\r\n") + 4
    lines = buf[: end - 4].decode("latin-1").split("\r\n")
    del buf[:end]
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    # Request bodies (none are expected here) are read and dropped.
    length = int(headers.get("content-length", "0") or 0)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while not buf.endswith(b"0\r\n\r\n"):
            data = conn.recv(65536)
            if not data:
                return None
            buf += data
        buf.clear()
    else:
        while len(buf) < length:
            data = conn.recv(65536)
            if not data:
                return None
            buf += data
        del buf[:length]
    return method, target, headers


def route(rec: Recordings, method: str, target: str) -> tuple[str | None, int, str]:
    path = target.split("?", 1)[0]
    m = _VERSIONED.match(path)
    if m:
        path = m.group(1)
    if path == "/_ping":
        return "ping", 1, ""
    if path == "/version":
        return "version", 1, ""
    if path == "/events":
        return "events", 1, ""
    m = _CONTAINER.match(path)
    if not m:
        return None, 1, ""
    cid, what = m.groups()
    rm = _REPEAT.match(cid)
    repeat = int(rm.group(1)) if rm else 1
    if what == "json":
        if cid.startswith("cl-"):
            return "inspect_cl", 1, cid
        return rec.inspect.get(cid, "inspect_attach"), 1, cid
    return what, repeat, cid


def serve(conn: socket.socket, rec: Recordings) -> None:
    buf = bytearray()
    try:
        while True:
            req = read_request(conn, buf)
            if req is None:
                return
            method, target, headers = req
            name, repeat, cid = route(rec, method, target)
            if name is None or name not in rec.raw:
                conn.sendall(NOT_FOUND)
                continue
            if name == "start":
                rec.started(cid)
            if method == "HEAD":
                conn.sendall(rec.raw[name][: rec.head_len[name]])
            elif name == "attach":
                pieces = rec.pieces(name, repeat)
                head = pieces[0][: rec.head_len[name]]
                conn.sendall(head)
                rec.wait_start(cid)
                conn.sendall(pieces[0][len(head) :])
                for piece in pieces[1:]:
                    conn.sendall(piece)
            else:
                for piece in rec.pieces(name, repeat):
                    conn.sendall(piece)
            if name == "attach" or headers.get("connection", "").lower() == "close":
                conn.shutdown(socket.SHUT_WR)
                # Let the client read to the end before the socket goes away.
                while conn.recv(65536):
                    pass
                return
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--recordings", required=True)
    args = ap.parse_args()
    rec = Recordings(args.recordings)
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(args.socket)
    server.listen(512)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    try:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn, rec), daemon=True).start()
    finally:
        server.close()
        os.unlink(args.socket)


if __name__ == "__main__":
    main()
