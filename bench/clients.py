"""One measurement of one client on one case, in a process of its own.

    python bench/clients.py CLIENT CASE '{"host": ..., ...}'

CLIENT is ``raw`` (the socket read: the physical limit), ``dockproto`` (dockproto_trio),
``dockproto-asyncio`` (dockproto_asyncio on asyncio's own loop), ``dockproto-uvloop``
(the same on uvloop), ``dockproto-sync`` (the blocking dockproto_sync), all run with the
project's venv, or ``docker-py`` or ``aiodocker`` (run with bench/.venv).  The
Go CLI is run by ``bench.py`` itself.  Prints one JSON line: ``seconds`` (timed inside
the process, after a warm-up and the imports: from making the client to the last byte), and what was
consumed (``bytes``, ``items``) so that bench.py can check every client read it all.
Each client is used the way its documentation shows, streaming where it can, and with
stdout and stderr told apart where the library can (dockproto, docker-py ``demux``,
aiodocker ``Message.stream``).

Cases: logs, attach (attach, then start: the stream follows the start, as in the
recording), export (tar members and data), exportraw (the same archive as bytes, as the
CLI writes it), events, inspectmem (one recorded inspect answer, framed by
Content-Length, asked again and again on one connection: the cost of a small request)
on the replay daemon; and inspect, inspect200, list2000 (2,000 created containers
listed), lifecycle, exec, follow on the live engine.
"""

from __future__ import annotations

import io
import json
import resource
import socket
import sys
import time
from typing import Any
from urllib.parse import quote

EXEC_CMD = ["sh", "-c", "echo out; echo err >&2; exit 3"]
EXEC_CODE = 3
LABELS = {"dockproto-bench": "live"}
LIST_LABEL = "dockproto-bench=list"  # the 2,000 containers of the list case
WARM_UP = 0.2  # seconds of busy CPU before any client starts (see warm_up)


class Timer:
    """Wall and CPU time (this process's: what the client itself spent) of a timed loop."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def per(self, n: int) -> dict[str, float]:
        """Per item: ``seconds`` (wall), ``cpu``."""
        return {
            "seconds": (time.perf_counter() - self.wall) / n,
            "cpu": (time.process_time() - self.cpu) / n,
        }


def _path(host: str) -> str:
    return host.removeprefix("unix://")


# -- raw: the socket read, the physical limit ---------------------------------------------

RAW_REQUESTS = {
    "logs": "GET /v1.41/containers/{id}/logs?stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\n"
    "Connection: close\r\n\r\n",
    "attach": "POST /v1.41/containers/{id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n"
    "Host: docker\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
    "export": "GET /v1.41/containers/{id}/export HTTP/1.1\r\nHost: docker\r\n"
    "Connection: close\r\n\r\n",
    "exportraw": "GET /v1.41/containers/{id}/export HTTP/1.1\r\nHost: docker\r\n"
    "Connection: close\r\n\r\n",
    "events": "GET /v1.41/events HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n",
    "follow": "GET /v1.41/containers/{id}/logs?stdout=1&stderr=1&follow=1 HTTP/1.1\r\n"
    "Host: docker\r\nConnection: close\r\n\r\n",
}


def _read_to_eof(sock: socket.socket) -> tuple[int, int]:
    buf = bytearray(1 << 18)
    n = reads = 0
    while True:
        k = sock.recv_into(buf)
        if not k:
            return n, reads
        n += k
        reads += 1


def _start(host: str, cid: str) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(_path(host))
    start = f"POST /v1.41/containers/{cid}/start HTTP/1.1\r\nHost: docker\r\n"
    sock.sendall((start + "Content-Length: 0\r\nConnection: close\r\n\r\n").encode())
    _read_to_eof(sock)
    sock.close()


def raw_stream(a: dict[str, Any], case: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(_path(a["host"]))
    sock.sendall(RAW_REQUESTS[case].format(id=a.get("id", "")).encode())
    if case == "attach":  # attach, then start: the stream follows the start
        _start(a["host"], a["id"])
    n, reads = _read_to_eof(sock)
    t = time.perf_counter() - t0
    sock.close()
    return {"seconds": t, "bytes": n, "items": reads, "wire": True}


def raw_follow(a: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    _start(a["host"], a["id"])
    out = raw_stream(a, "follow")
    out["seconds"] = time.perf_counter() - t0
    return out


def raw_inspect(a: dict[str, Any]) -> dict[str, Any]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(_path(a["host"]))
    req = f"GET /v1.41/containers/{a['id']}/json HTTP/1.1\r\nHost: docker\r\n\r\n".encode()
    buf = bytearray(1 << 16)

    def once() -> None:
        sock.sendall(req)
        tail = b""
        while True:  # dockerd sends inspect chunked: its end is the last chunk
            k = sock.recv_into(buf)
            tail = (tail + bytes(buf[max(0, k - 7) : k]))[-7:]
            if tail.endswith(b"\r\n0\r\n\r\n"):
                return

    for _ in range(a["warm"]):
        once()
    t0 = Timer()
    for _ in range(a["n"]):
        once()
    return {**t0.per(a["n"]), "items": a["n"]}


def raw_inspectmem(a: dict[str, Any]) -> dict[str, Any]:
    """The small-request limit: one keep-alive connection, the same request bytes written
    each time, the whole answer read (its end found by Content-Length)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(_path(a["host"]))
    req = f"GET /v1.41/containers/{a['id']}/json HTTP/1.1\r\nHost: docker\r\n\r\n".encode()
    buf = bytearray(1 << 16)
    view = memoryview(buf)

    def once() -> int:
        sock.sendall(req)
        got = sock.recv_into(buf)
        while (end := buf.find(b"\r\n\r\n", 0, got)) < 0:
            got += sock.recv_into(view[got:])
        at = buf.find(b"\r\nContent-Length: ", 0, end) + 18
        want = end + 4 + int(buf[at : buf.find(b"\r\n", at)])
        while got < want:
            got += sock.recv_into(view[got:])
        return got

    for _ in range(a["warm"]):
        once()
    t0 = Timer()
    for _ in range(a["n"]):
        once()
    t = t0.per(a["n"])
    sock.close()
    return {**t, "items": a["n"]}


def raw_list(a: dict[str, Any]) -> dict[str, Any]:
    """The list's limit: the request, and its answer read to the end (no JSON decoded)."""
    filters = quote(json.dumps({"label": [LIST_LABEL]}))
    req = (f"GET /v1.41/containers/json?all=1&filters={filters} HTTP/1.1\r\n"
           "Host: docker\r\nConnection: close\r\n\r\n").encode()  # fmt: skip

    def once() -> int:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(_path(a["host"]))
        sock.sendall(req)
        n, _ = _read_to_eof(sock)
        sock.close()
        return n

    for _ in range(a["warm"]):
        once()
    t0 = Timer()
    for _ in range(a["n"]):
        n = once()
    return {**t0.per(a["n"]), "bytes": n, "items": a["n"]}


def run_raw(case: str, a: dict[str, Any]) -> dict[str, Any]:
    if case == "follow":
        return raw_follow(a)
    if case == "inspect":
        return raw_inspect(a)
    if case == "inspectmem":
        return raw_inspectmem(a)
    if case == "list2000":
        return raw_list(a)
    if case in RAW_REQUESTS:
        return raw_stream(a, case)
    raise NotImplementedError(case)


# -- dockproto: one body for its async clients (trio, asyncio, uvloop), one blocking ---------


async def _dockproto_async(
    case: str, a: dict[str, Any], open_docker: Any, concurrently: Any
) -> dict[str, Any]:
    """One case on an async dockproto client (``dockproto_trio`` or ``dockproto_asyncio``):
    the same calls, as their docs show; ``concurrently(fns)`` runs coroutine functions
    side by side (a trio nursery, ``asyncio.gather``)."""
    import dockproto

    host, cid = a["host"], a.get("id", "")

    async def logs() -> dict[str, Any]:
        n = k = 0
        async with open_docker(host) as docker:
            async for chunk in docker.containers.logs(cid, stdout=True, stderr=True):
                n += len(chunk.data)
                k += 1
        return {"bytes": n, "items": k}

    async def attach() -> dict[str, Any]:
        n = k = 0
        async with open_docker(host) as docker:
            async with docker.containers.attach(cid, stdout=True, stderr=True) as stream:
                await docker.containers.start(cid)
                async for chunk in stream:
                    n += len(chunk.data)
                    k += 1
        return {"bytes": n, "items": k}

    async def export() -> dict[str, Any]:
        n = members = 0
        async with open_docker(host) as docker:
            async with docker.containers.export(cid) as tar:
                async for item in tar:
                    if isinstance(item, dockproto.TarData):
                        n += len(item.data)
                    elif isinstance(item, dockproto.TarMember):
                        members += 1
        return {"bytes": n, "items": members}

    async def exportraw() -> dict[str, Any]:
        n = k = 0
        async with open_docker(host) as docker:
            async with docker.containers.export(cid) as tar:
                async for data in tar.raw():
                    n += len(data)
                    k += 1
        return {"bytes": n, "items": k}

    async def events() -> dict[str, Any]:
        k = 0
        async with open_docker(host) as docker:
            async for _ in docker.events(since=a["since"], until=a["until"]):
                k += 1
        return {"items": k}

    async def inspect() -> dict[str, Any]:  # (also the small-request case, inspectmem)
        async with open_docker(host) as docker:
            for _ in range(a["warm"]):
                await docker.containers.inspect(cid)
            t0 = Timer()
            for _ in range(a["n"]):
                await docker.containers.inspect(cid)
            return {**t0.per(a["n"]), "items": a["n"]}

    async def inspect200() -> dict[str, Any]:
        async with open_docker(host) as docker:
            fns = [lambda: docker.containers.inspect(cid)] * a["n"]
            await concurrently(fns)  # warm: connections opened, version negotiated
            t0 = time.perf_counter()
            await concurrently(fns)
            return {"seconds": time.perf_counter() - t0, "items": a["n"]}

    async def list2000() -> dict[str, Any]:
        async with open_docker(host) as docker:
            for _ in range(a["warm"]):
                await docker.containers.list(all=True, label=LIST_LABEL)
            t0 = Timer()
            for _ in range(a["n"]):
                got = await docker.containers.list(all=True, label=LIST_LABEL)
            t = t0.per(a["n"])
            assert isinstance(got[0], dockproto.ContainerSummary)
            return {**t, "items": len(got)}

    async def lifecycle() -> dict[str, Any]:
        async with open_docker(host) as docker:
            await docker.ping()
            t0 = time.perf_counter()
            for _ in range(a["n"]):
                c = await docker.containers.create(a["image"], ["true"], labels=LABELS)
                await docker.containers.start(c)
                code = await docker.containers.wait(c)
                assert code == 0, code
                await docker.containers.rm(c)
            return {"seconds": (time.perf_counter() - t0) / a["n"], "items": a["n"]}

    async def exec_() -> dict[str, Any]:
        bad = 0
        async with open_docker(host) as docker:
            await docker.ping()
            t0 = time.perf_counter()
            for _ in range(a["n"]):
                r = await docker.exec.run(cid, EXEC_CMD)
                bad += (r.exit_code, r.stdout, r.stderr) != (EXEC_CODE, b"out\n", b"err\n")
            t = (time.perf_counter() - t0) / a["n"]
        return {"seconds": t, "items": a["n"], "wrong": bad}

    async def follow() -> dict[str, Any]:
        n = k = 0
        async with open_docker(host) as docker:
            await docker.containers.start(cid)
            async for chunk in docker.containers.logs(cid, follow=True):
                n += len(chunk.data)
                k += 1
        return {"bytes": n, "items": k}

    fns = {"logs": logs, "attach": attach, "export": export, "exportraw": exportraw,
           "events": events, "inspect": inspect, "inspectmem": inspect,
           "inspect200": inspect200, "list2000": list2000, "lifecycle": lifecycle,
           "exec": exec_, "follow": follow}  # fmt: skip
    if case not in fns:
        raise NotImplementedError(case)
    return await fns[case]()


def _preload_dockproto() -> None:
    """Load what dockproto loads on a program's first stream (the C core and the
    decoders, the tar events, the containers area and its models) before the clock
    starts, as the other clients (and dockproto_trio did before the client was written once) load
    all of themselves at import: a case times its calls; a one-shot program's start-up
    is the CLI case's."""
    import importlib

    import dockproto

    assert dockproto.NATIVE is not None  # (asking loads the decoders and the C core)
    for name in ("_streamevents", "_models.containers", "api.containers", "api.images"):
        try:
            importlib.import_module(f"dockproto.{name}")
        except ModuleNotFoundError:  # (an older checkout, in bench/ab.py)
            pass


def run_dockproto(case: str, a: dict[str, Any]) -> dict[str, Any]:
    """dockproto_trio."""
    import trio

    from dockproto_trio import open_docker

    _preload_dockproto()

    async def concurrently(fns: list[Any]) -> None:
        async with trio.open_nursery() as nursery:
            for fn in fns:
                nursery.start_soon(fn)

    t0 = time.perf_counter()
    out = trio.run(_dockproto_async, case, a, open_docker, concurrently)
    out.setdefault("seconds", time.perf_counter() - t0)
    return out


def _run_dockproto_asyncio(case: str, a: dict[str, Any], uvloop: bool) -> dict[str, Any]:
    import asyncio

    from dockproto_asyncio import open_docker

    _preload_dockproto()

    async def concurrently(fns: list[Any]) -> None:
        await asyncio.gather(*(fn() for fn in fns))

    t0 = time.perf_counter()
    main = _dockproto_async(case, a, open_docker, concurrently)
    if uvloop:
        import uvloop as uv

        out = uv.run(main)
    else:
        out = asyncio.run(main)
    out.setdefault("seconds", time.perf_counter() - t0)
    return out


def run_dockproto_asyncio(case: str, a: dict[str, Any]) -> dict[str, Any]:
    """dockproto_asyncio on asyncio's default loop."""
    return _run_dockproto_asyncio(case, a, uvloop=False)


def run_dockproto_uvloop(case: str, a: dict[str, Any]) -> dict[str, Any]:
    """dockproto_asyncio on uvloop."""
    return _run_dockproto_asyncio(case, a, uvloop=True)


def run_dockproto_sync(case: str, a: dict[str, Any]) -> dict[str, Any]:
    """dockproto_sync: the blocking client (``with``, streams read with ``for``)."""
    import dockproto
    from dockproto_sync import open_docker

    _preload_dockproto()
    host, cid = a["host"], a.get("id", "")
    t0 = time.perf_counter()
    out: dict[str, Any]
    with open_docker(host) as docker:
        if case in ("logs", "follow"):
            if case == "follow":
                docker.containers.start(cid)
            n = k = 0
            follow = case == "follow"
            for chunk in docker.containers.logs(cid, stdout=True, stderr=True, follow=follow):
                n += len(chunk.data)
                k += 1
            out = {"bytes": n, "items": k}
        elif case == "attach":
            n = k = 0
            with docker.containers.attach(cid, stdout=True, stderr=True) as stream:
                docker.containers.start(cid)
                for chunk in stream:
                    n += len(chunk.data)
                    k += 1
            out = {"bytes": n, "items": k}
        elif case == "export":
            n = members = 0
            with docker.containers.export(cid) as tar:
                for item in tar:
                    if isinstance(item, dockproto.TarData):
                        n += len(item.data)
                    elif isinstance(item, dockproto.TarMember):
                        members += 1
            out = {"bytes": n, "items": members}
        elif case == "exportraw":
            n = k = 0
            with docker.containers.export(cid) as tar:
                for data in tar.raw():
                    n += len(data)
                    k += 1
            out = {"bytes": n, "items": k}
        elif case == "events":
            k = 0
            for _ in docker.events(since=a["since"], until=a["until"]):
                k += 1
            out = {"items": k}
        elif case in ("inspect", "inspectmem"):
            for _ in range(a["warm"]):
                docker.containers.inspect(cid)
            t1 = Timer()
            for _ in range(a["n"]):
                docker.containers.inspect(cid)
            out = {**t1.per(a["n"]), "items": a["n"]}
        elif case == "list2000":
            for _ in range(a["warm"]):
                docker.containers.list(all=True, label=LIST_LABEL)
            t1 = Timer()
            for _ in range(a["n"]):
                got = docker.containers.list(all=True, label=LIST_LABEL)
            out = {**t1.per(a["n"]), "items": len(got)}
            assert isinstance(got[0], dockproto.ContainerSummary)
        elif case == "lifecycle":
            docker.ping()
            t1 = time.perf_counter()
            for _ in range(a["n"]):
                c = docker.containers.create(a["image"], ["true"], labels=LABELS)
                docker.containers.start(c)
                code = docker.containers.wait(c)
                assert code == 0, code
                docker.containers.rm(c)
            out = {"seconds": (time.perf_counter() - t1) / a["n"], "items": a["n"]}
        elif case == "exec":
            docker.ping()
            bad = 0
            t1 = time.perf_counter()
            for _ in range(a["n"]):
                r = docker.exec.run(cid, EXEC_CMD)
                bad += (r.exit_code, r.stdout, r.stderr) != (EXEC_CODE, b"out\n", b"err\n")
            t = (time.perf_counter() - t1) / a["n"]
            out = {"seconds": t, "items": a["n"], "wrong": bad}
        else:  # inspect200: the async clients' case
            raise NotImplementedError(f"{case}: for the async clients")
    out.setdefault("seconds", time.perf_counter() - t0)
    return out


# -- docker-py 7 (sync) --------------------------------------------------------------------


class _ChunkReader(io.RawIOBase):
    """A file over an iterator of byte chunks, for ``tarfile`` in stream mode."""

    def __init__(self, chunks: Any) -> None:
        self._chunks = iter(chunks)
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        k = min(len(b), len(self._buf))
        b[:k] = self._buf[:k]
        self._buf = self._buf[k:]
        return k


def run_docker_py(case: str, a: dict[str, Any]) -> dict[str, Any]:
    import tarfile

    import docker

    host, cid = a["host"], a.get("id", "")
    t0 = time.perf_counter()
    pool = a.get("n", 10) if case == "inspect200" else 10
    api = docker.APIClient(base_url=host, version="auto", max_pool_size=pool)
    out: dict[str, Any]
    if case == "logs":
        n = k = 0
        for data in api.logs(cid, stdout=True, stderr=True, stream=True):
            n += len(data)
            k += 1
        out = {"bytes": n, "items": k}
    elif case == "attach":
        n = k = 0
        frames = api.attach(cid, stdout=True, stderr=True, stream=True, demux=True)
        api.start(cid)
        for o, e in frames:
            n += len(o or b"") + len(e or b"")
            k += 1
        out = {"bytes": n, "items": k}
    elif case == "export":
        n = members = 0
        raw = io.BufferedReader(_ChunkReader(api.export(cid)), 1 << 16)
        with tarfile.open(fileobj=raw, mode="r|") as tar:
            for m in tar:
                members += 1
                if m.isfile():
                    f = tar.extractfile(m)
                    assert f is not None
                    while piece := f.read(1 << 16):
                        n += len(piece)
        out = {"bytes": n, "items": members}
    elif case == "exportraw":
        n = k = 0
        for data in api.export(cid):
            n += len(data)
            k += 1
        out = {"bytes": n, "items": k}
    elif case == "events":
        k = 0
        for _ in api.events(since=int(a["since"]), until=int(a["until"]) + 1, decode=True):
            k += 1
        out = {"items": k}
    elif case in ("inspect", "inspectmem"):
        for _ in range(a["warm"]):
            api.inspect_container(cid)
        t1 = Timer()
        for _ in range(a["n"]):
            api.inspect_container(cid)
        out = {**t1.per(a["n"]), "items": a["n"]}
    elif case == "inspect200":
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=a["n"]) as ex:
            list(ex.map(lambda _: api.inspect_container(cid), range(a["n"])))  # warm
            t1 = time.perf_counter()
            list(ex.map(lambda _: api.inspect_container(cid), range(a["n"])))
            out = {"seconds": time.perf_counter() - t1, "items": a["n"]}
    elif case == "list2000":
        for _ in range(a["warm"]):
            api.containers(all=True, filters={"label": LIST_LABEL})
        t1 = Timer()
        for _ in range(a["n"]):
            got = api.containers(all=True, filters={"label": LIST_LABEL})
        out = {**t1.per(a["n"]), "items": len(got)}
    elif case == "lifecycle":
        t1 = time.perf_counter()
        for _ in range(a["n"]):
            c = api.create_container(a["image"], ["true"], labels=LABELS)["Id"]
            api.start(c)
            assert api.wait(c)["StatusCode"] == 0
            api.remove_container(c)
        out = {"seconds": (time.perf_counter() - t1) / a["n"], "items": a["n"]}
    elif case == "exec":
        bad = 0
        t1 = time.perf_counter()
        for _ in range(a["n"]):
            eid = api.exec_create(cid, EXEC_CMD)["Id"]
            o, e = api.exec_start(eid, demux=True)
            code = api.exec_inspect(eid)["ExitCode"]
            bad += (code, o, e) != (EXEC_CODE, b"out\n", b"err\n")
        out = {"seconds": (time.perf_counter() - t1) / a["n"], "items": a["n"], "wrong": bad}
    elif case == "follow":
        n = k = 0
        api.start(cid)
        for data in api.logs(cid, stdout=True, stderr=True, stream=True, follow=True):
            n += len(data)
            k += 1
        out = {"bytes": n, "items": k}
    else:
        raise NotImplementedError(case)
    out.setdefault("seconds", time.perf_counter() - t0)
    api.close()
    return out


# -- aiodocker 0.27 (asyncio) --------------------------------------------------------------


def run_aiodocker(case: str, a: dict[str, Any]) -> dict[str, Any]:
    import asyncio

    import aiodocker

    host, cid = a["host"], a.get("id", "")

    async def main() -> dict[str, Any]:
        t0 = time.perf_counter()
        docker = aiodocker.Docker(url=host)
        try:
            out = await body(docker)
        finally:
            await docker.close()
        out.setdefault("seconds", time.perf_counter() - t0)
        return out

    async def body(docker: Any) -> dict[str, Any]:
        container = docker.containers.container(cid)
        if case in ("logs", "follow"):
            if case == "follow":
                await container.start()
            n = k = 0
            # follow=True is the streaming form (follow=False returns one list); the
            # replay daemon ends the stream as dockerd does for a stopped container.
            async for line in container.log(stdout=True, stderr=True, follow=True):
                n += len(line.encode("utf-8", "surrogateescape"))
                k += 1
            return {"bytes": n, "items": k}
        if case == "attach":
            n = k = 0
            async with container.attach(stdout=True, stderr=True) as stream:
                await container.start()
                while (msg := await stream.read_out()) is not None:
                    n += len(msg.data)
                    k += 1
            return {"bytes": n, "items": k}
        if case in ("export", "exportraw"):
            raise NotImplementedError("aiodocker 0.27 has no container export")
        if case == "events":
            k = 0
            sub = docker.events.subscribe(since=int(a["since"]), until=int(a["until"]) + 1)
            while (await sub.get()) is not None:
                k += 1
            return {"items": k}
        if case in ("inspect", "inspectmem"):
            for _ in range(a["warm"]):
                await container.show()
            t1 = Timer()
            for _ in range(a["n"]):
                await container.show()
            return {**t1.per(a["n"]), "items": a["n"]}
        if case == "inspect200":
            await asyncio.gather(*(container.show() for _ in range(a["n"])))
            t1 = time.perf_counter()
            await asyncio.gather(*(container.show() for _ in range(a["n"])))
            return {"seconds": time.perf_counter() - t1, "items": a["n"]}
        if case == "list2000":
            params = {"all": "1", "filters": json.dumps({"label": [LIST_LABEL]})}
            for _ in range(a["warm"]):
                await docker.containers.list(**params)
            t1 = Timer()
            for _ in range(a["n"]):
                got = await docker.containers.list(**params)
            return {**t1.per(a["n"]), "items": len(got)}
        if case == "lifecycle":
            await docker.version()
            t1 = time.perf_counter()
            for _ in range(a["n"]):
                c = await docker.containers.create(
                    {"Image": a["image"], "Cmd": ["true"], "Labels": LABELS}
                )
                await c.start()
                assert (await c.wait())["StatusCode"] == 0
                await c.delete()
            return {"seconds": (time.perf_counter() - t1) / a["n"], "items": a["n"]}
        if case == "exec":
            await docker.version()
            bad = 0
            t1 = time.perf_counter()
            for _ in range(a["n"]):
                ex = await container.exec(EXEC_CMD)
                parts: dict[int, bytes] = {1: b"", 2: b""}
                async with ex.start(detach=False) as stream:
                    while (msg := await stream.read_out()) is not None:
                        parts[msg.stream] += msg.data
                code = (await ex.inspect())["ExitCode"]
                bad += (code, parts[1], parts[2]) != (EXEC_CODE, b"out\n", b"err\n")
            t = (time.perf_counter() - t1) / a["n"]
            return {"seconds": t, "items": a["n"], "wrong": bad}
        raise NotImplementedError(case)

    return asyncio.run(main())


RUNNERS = {
    "raw": run_raw,
    "dockproto": run_dockproto,
    "dockproto-asyncio": run_dockproto_asyncio,
    "dockproto-uvloop": run_dockproto_uvloop,
    "dockproto-sync": run_dockproto_sync,
    "docker-py": run_docker_py,
    "aiodocker": run_aiodocker,
}


def warm_up(seconds: float = WARM_UP) -> None:
    """Keep the CPU busy for a moment before a timed run.

    A process that starts timing at once reads slower than one that has been running:
    on the benchmark machine (a VM), a raw read of the export took 0.031 s right after
    start and 0.026 s after 0.1 s of work, which the other clients had done by
    importing their libraries.  Every client gets the same warm-up, so the raw read,
    the baseline of every ratio, is not flattered by a cold start.
    """
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def main() -> None:
    client, case, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    warm_up()
    try:
        out = RUNNERS[client](case.removesuffix("1g"), args)  # logs1g: logs, repeated
    except NotImplementedError as exc:
        print(json.dumps({"unsupported": str(exc) or f"no {case}"}))
        return
    out["rss"] = peak_rss_kib()
    print(json.dumps(out))


def peak_rss_kib() -> int:
    """This process's peak RSS (VmHWM).  Not ``ru_maxrss``: Linux carries the forking
    parent's RSS over to it through fork and exec, so it would show bench.py's size."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    main()
