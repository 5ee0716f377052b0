"""Copy a file into a container and back out (trio)."""

import io
import tarfile
import tempfile
from pathlib import Path

import trio

import dockproto_trio


def tar_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


async def main() -> None:
    async with dockproto_trio.open_docker() as docker:
        cid = await docker.containers.create("busybox", ["true"])
        try:
            await docker.containers.put_archive(cid, "/tmp", tar_of("hello.txt", b"hi there\n"))
            with tempfile.TemporaryDirectory() as dest:
                names = await docker.containers.get_archive(cid, "/tmp/hello.txt").extract(dest)
                print(names, Path(dest, "hello.txt").read_text(), end="")
        finally:
            await docker.containers.rm(cid, force=True)


trio.run(main)
