"""The client's own CPU, from memory: no daemon, no socket, no scheduler.

    PYTHONPATH=. .venv/bin/python bench/cpu.py small|list [--count N] [--shape bench|rich]

``small``: the blocking client's ``containers.inspect`` answered with the recorded 5 KB
inspect answer (Content-Length framing, keep-alive), against ``json.loads`` of its body.
``list``: ``containers.list(all=True, label=...)`` answered with 2,000 generated
containers in one chunk as dockerd sends them (``--shape bench``: created, one label, no
ports, as ``bench.py``'s list2000; ``rich``: running services with ports and eight
labels), against ``json.loads`` of the body.  Prints the best CPU time of each.

``--count N`` runs N requests and nothing else, for an instruction count that the load
of the machine does not move (the difference of two runs, N and M)::

    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python \
        bench/cpu.py small --count 600
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
INSPECT = os.path.join(HERE, ".cache", "full", "inspect_attach.raw")
LABEL = "dockproto-bench=list"


def dechunk(raw: bytes) -> tuple[bytes, bytes]:
    """A recorded chunked answer as (head, body)."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    body = b""
    while True:
        size, _, rest = rest.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            return head, body
        body += rest[:n]
        rest = rest[n + 2 :]


def small_answer() -> tuple[bytes, bytes]:
    """The recorded inspect answer framed by Content-Length, and its body."""
    with open(INSPECT, "rb") as f:
        head, body = dechunk(f.read())
    lines = [x for x in head.split(b"\r\n") if not x.lower().startswith(b"transfer-encoding")]
    lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body, body


def list_answer(shape: str, n: int = 2000) -> tuple[bytes, bytes]:
    """A chunked answer listing ``n`` containers (one chunk, as dockerd writes it)."""
    rnd = random.Random(1)
    items = []
    for i in range(n):
        item: dict[str, Any] = {
            "Id": f"{rnd.getrandbits(256):064x}",
            "Names": [f"/bench_{i}"],
            "Image": "dockproto-test/busybox:latest",
            "ImageID": f"sha256:{rnd.getrandbits(256):064x}",
            "Command": "true",
            "Created": 1796304626 + i,
            "Ports": [],
            "Labels": {"dockproto-bench": "list"},
            "State": "created",
            "Status": "Created",
            "HostConfig": {"NetworkMode": "none"},
            "NetworkSettings": {"Networks": {}},
            "Mounts": [],
        }
        if shape == "rich":
            item["Ports"] = [
                {"PrivatePort": 80, "Type": "tcp"},
                {"IP": "0.0.0.0", "PrivatePort": 443, "PublicPort": 8000 + i, "Type": "tcp"},
            ]
            item["Labels"] = {
                **{f"com.docker.compose.{k}": f"{k}-{i}" for k in ("project", "service")},
                **{f"com.example.{k}": f"{rnd.getrandbits(128):032x}" for k in range(5)},
                "dockproto-bench": "list",
            }
            item["HostConfig"] = {"NetworkMode": "bench_default"}
        items.append(item)
    body = json.dumps(items, separators=(",", ":")).encode() + b"\n"
    head = (
        b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
        b"Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24 (linux)\r\n"
        b"Date: Thu, 03 Dec 2026 15:04:43 GMT\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    return head + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n", body


class Channel:
    """A connection that answers every request with the same bytes."""

    can_receive_into = True

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.at = len(answer)

    def send_all(self, data: bytes, timeout: float | None) -> None:
        self.at = 0

    def receive(self, size: int, timeout: float | None) -> bytes:
        at = self.at
        self.at = at + size
        return self.answer[at : at + size]

    def receive_into(self, buf: memoryview, timeout: float | None) -> int:
        data = self.receive(len(buf), timeout)
        buf[: len(data)] = data
        return len(data)

    def send_eof(self) -> None:
        pass

    def close(self) -> None:
        pass

    def stale(self) -> bool:
        return False


def client(answer: bytes) -> Any:
    from dockproto._drive.hosts import tls_context
    from dockproto._drive.sync import Docker
    from dockproto_sync._backend import Backend

    backend = Backend(*tls_context("unix:///nowhere.sock", None))
    backend.connect = lambda timeout: Channel(answer)  # type: ignore[method-assign]
    return Docker(backend, api_version="1.41")


def best(fn: Any, n: int, rounds: int = 5) -> float:
    """The best CPU time of ``fn`` over ``rounds`` rounds of ``n`` calls, per call."""
    out = float("inf")
    for _ in range(rounds):
        t = time.process_time()
        for _ in range(n):
            fn()
        out = min(out, (time.process_time() - t) / n)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["small", "list"])
    ap.add_argument("--shape", choices=["bench", "rich"], default="bench")
    ap.add_argument("--count", type=int, default=None)
    a = ap.parse_args()
    if a.case == "small":
        answer, body = small_answer()
        docker = client(answer)

        def call() -> Any:
            return docker.containers.inspect("c1")

        n, unit, k = 4000, "µs", 1e6
    else:
        answer, body = list_answer(a.shape)
        docker = client(answer)

        def call() -> Any:
            return docker.containers.list(all=True, label=LABEL)

        n, unit, k = 10, "ms", 1e3
        assert len(call()) == 2000
    for _ in range(n // 10 + 1):
        call()
    if a.count is not None:
        for _ in range(a.count):
            call()
        return
    ours, alone = best(call, n), best(lambda: json.loads(body), n)
    print(
        f"{a.case}: {ours * k:.1f} {unit} of CPU a call, json.loads alone {alone * k:.1f} {unit} "
        f"({ours / alone:.2f}x, +{(ours - alone) * k:.1f} {unit})"
    )


if __name__ == "__main__":
    main()
