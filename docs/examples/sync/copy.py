"""Copy a file into a container and back out (blocking)."""

import io
import tarfile
import tempfile
from pathlib import Path

import dockproto_sync


def tar_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def main() -> None:
    with dockproto_sync.open_docker() as docker:
        cid = docker.containers.create("busybox", ["true"])
        try:
            docker.containers.put_archive(cid, "/tmp", tar_of("hello.txt", b"hi there\n"))
            with tempfile.TemporaryDirectory() as dest:
                names = docker.containers.get_archive(cid, "/tmp/hello.txt").extract(dest)
                print(names, Path(dest, "hello.txt").read_text(), end="")
        finally:
            docker.containers.rm(cid, force=True)


main()
