"""More rows on both engines: published ports, auto-remove, detach keys, import from a
URL, search without a registry."""

from __future__ import annotations

import io
import socket
import tarfile
import uuid
from typing import Any

import pytest

import dockproto

from .support import Containers, Docker, Loop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(port: int) -> bytes:
    """``GET /`` from 127.0.0.1:port, read to the end (a reset ends it too); OSError
    when nothing listens yet."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        body = b""
        try:
            while data := s.recv(4096):
                body += data
        except ConnectionResetError:
            pass
    return body


async def test_published_port(docker: Docker, containers: Containers, loop: Loop) -> None:
    """A port published on 127.0.0.1 reaches a server inside the container."""
    port = free_port()
    cid = await containers.create(
        [
            "sh",
            "-c",
            "mkdir /www && echo hi-from-httpd > /www/index.html && httpd -f -p 8080 -h /www",
        ],
        networking=True,
        ports={"8080/tcp": ("127.0.0.1", port)},
    )
    await docker.containers.start(cid)
    summary = (await docker.containers.list(filters={"id": [cid]}))[0]
    assert any(p.priv == 8080 and p.pub == port for p in summary.ports)
    body = b""
    async with loop.fail_after(30):
        while b"hi-from-httpd" not in body:
            try:
                body = await loop.run_blocking(http_get, port)
            except OSError:
                await loop.sleep(0.05)
                continue
            if b"hi-from-httpd" not in body:
                await loop.sleep(0.05)


async def test_auto_remove(docker: Docker, containers: Containers, loop: Loop) -> None:
    """auto_remove: the container is gone once it has exited."""
    cid = await containers.create(["true"], auto_remove=True)

    async def removed() -> None:
        await docker.containers.wait(cid, condition="removed")

    async def start() -> None:
        await docker.containers.start(cid)

    # The wait is sent with the start, not after it (as the docker CLI does): dockerd
    # 20.10 can miss the removal of a wait that reaches it while it removes the
    # container, and never answer (seen on a busy machine).
    async with loop.fail_after(30):
        await loop.run_both(removed, start)
    async with loop.fail_after(30):
        while True:
            try:
                await docker.containers.inspect(cid)
            except dockproto.NoSuchContainer:
                break
            await loop.sleep(0.05)


@pytest.mark.uvloop
async def test_detach_keys(docker: Docker, containers: Containers, engine: str, loop: Loop) -> None:
    """The detach sequence on stdin detaches while the container keeps running.

    dockerd then closes the stream.  podman 4.3 writes "detached from container" into
    the stream and leaves the connection open, so the caller closes it.
    """
    cid = await containers.create(["sh", "-c", "cat"], stdin=True, open_stdin=True, tty=True)
    await docker.containers.start(cid)
    async with loop.fail_after(30):
        async with docker.containers.attach(cid, stdin=True, detach_keys="ctrl-x") as stream:
            await stream.send_all(b"echo me\r")
            echoed = b""
            while b"echo me" not in echoed:  # the terminal's echo: the attach is live
                chunk = await stream.receive()
                assert chunk is not None
                echoed += chunk.data
            await stream.send_all(b"\x18")
            if engine == "docker":
                await stream.read_all()
            else:
                seen = b""
                while b"detached from container" not in seen:
                    chunk = await stream.receive()
                    assert chunk is not None
                    seen += chunk.data
    assert (await docker.containers.inspect(cid))["State"]["Running"]


async def test_import_from_url(docker: Docker, rootfs_url: Any) -> None:
    """FromSrc(url): the daemon fetches the tarball itself (from a server on 127.0.0.1)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo("from-url")
        info.size = 3
        t.addfile(info, io.BytesIO(b"url"))
    ref = f"dockproto-test/url-{uuid.uuid4().hex[:8]}"
    source = dockproto.FromSrc(rootfs_url(buf.getvalue()))
    async for _ in docker.images.create(source, repo=f"{ref}:latest"):
        pass
    assert (await docker.images.inspect(f"{ref}:latest"))["Id"]
    await docker.images.rm(f"{ref}:latest", force=True)


async def test_search_without_registry(docker: Docker, loop: Loop) -> None:
    """search with no registry reachable raises a typed error with the daemon's text."""
    async with loop.fail_after(120):
        with pytest.raises(dockproto.DockerError) as info:
            await docker.images.search("127.0.0.1:9/busybox", limit=1)
    assert info.value.message


async def test_commit(docker: Docker, containers: Containers) -> None:
    """commit makes an image of a container's filesystem."""
    cid = await containers.create(["sh", "-c", "echo kept > /root/committed"])
    await docker.containers.start(cid)
    await docker.containers.wait(cid)
    ref = f"dockproto-test/commit-{uuid.uuid4().hex[:8]}"
    image_id = await docker.containers.commit(cid, repo=ref, tag="v1")
    assert image_id
    other = await containers.docker.containers.create(f"{ref}:v1", ["cat", "/root/committed"])
    containers.ids.append(other)
    async with docker.containers.attach(other) as stream:
        await docker.containers.start(other)
        out, _ = await stream.collect()
    assert out == b"kept\n"
    await docker.containers.rm(other, force=True)
    await docker.images.rm(f"{ref}:v1", force=True)
