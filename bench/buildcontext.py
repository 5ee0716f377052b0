"""The build context's tar writer against Python's ``tarfile``, on the same directory.

    PYTHONPATH=. .venv/bin/python bench/buildcontext.py [--dir D] [--mb 200] [--repeat 3]

Makes (once, kept in ``--dir``) a tree of about ``--mb`` MB: four fifths in 4 MiB files,
one fifth in 10 KiB files over 40 directories, plus a ``.dockerignore`` of five patterns
that leave nothing out (so that every path is matched against all five).  Then, with the
files in the page cache (a warm-up read first), the best of ``--repeat`` runs of:

* ``dockproto``: ``prepare_context(dir).tar()``, each piece dropped as it comes;
* ``tarfile``: ``tarfile.open(mode="w|")`` adding the same tree (owners set to 0:0, as
  the docker CLI sends them) to a sink that drops what it is given.

Prints MB/s for each, the archive's size, the largest piece dockproto gave, and each
one's peak of Python memory (``tracemalloc``) while it ran.

``--host unix:///path`` then builds from the tree with the blocking client (``FROM
--image``, a label: the daemon unpacks the whole context), and prints the time to the
image id and the process's peak RSS (``ru_maxrss``) before and after the build.  No
timing is asserted anywhere: this is a measure to read, not a test.
"""

from __future__ import annotations

import argparse
import os
import tarfile
import time
import tracemalloc
from collections.abc import Callable

from dockproto._buildcontext import prepare_context

IGNORE = "*.tmp\n**/__pycache__\nnode_modules\n!node_modules/keep\nbuild/**/*.o\n"


def make_tree(root: str, mb: int) -> None:
    if os.path.exists(os.path.join(root, "Dockerfile")):
        return
    os.makedirs(root, exist_ok=True)
    big = 4 << 20
    for i in range(mb * 4 // 5 * (1 << 20) // big):
        with open(os.path.join(root, f"big{i:03}.bin"), "wb") as f:
            f.write(os.urandom(big))
    small = 10 << 10
    count = mb // 5 * (1 << 20) // small
    for i in range(count):
        d = os.path.join(root, f"src{i % 40:02}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{i:05}.txt"), "wb") as f:
            f.write(os.urandom(small))
    with open(os.path.join(root, ".dockerignore"), "w") as f:
        f.write(IGNORE)
    with open(os.path.join(root, "Dockerfile"), "w") as f:
        f.write("FROM scratch\nCOPY . /\n")


def warm(root: str) -> None:
    for here, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(here, name), "rb") as f:
                while f.read(1 << 20):
                    pass


def with_dockproto(root: str) -> tuple[int, int]:
    ctx = prepare_context(root, token="00" * 10)
    largest = 0
    for piece in ctx.tar():
        largest = max(largest, len(piece))
    return ctx.written, largest


class Sink:
    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def with_tarfile(root: str) -> tuple[int, int]:
    def owners(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    sink = Sink()
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        for name in sorted(os.listdir(root)):
            tar.add(os.path.join(root, name), arcname=name, filter=owners)
    return sink.size, 0


def measure(
    fn: Callable[[str], tuple[int, int]], root: str, repeat: int
) -> tuple[float, int, int, int]:
    best = float("inf")
    size = largest = 0
    for _ in range(repeat):
        start = time.perf_counter()
        size, largest = fn(root)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    fn(root)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, size, largest, peak


def end_to_end(root: str, host: str, image: str) -> None:
    import resource
    import tempfile
    import uuid

    import dockproto_sync

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as outside:
        dockerfile = os.path.join(outside, "Dockerfile")
        with open(dockerfile, "w") as f:
            f.write(f"FROM {image}\nLABEL bench={uuid.uuid4().hex}\n")
        with dockproto_sync.open_docker(host) as docker:
            docker.ping()
            cpu = time.process_time()
            start = time.perf_counter()
            stream = docker.images.build(root, dockerfile)
            for _ in stream:
                pass
            took = time.perf_counter() - start
            cpu = time.process_time() - cpu
            image_id = stream.image_id
            assert image_id is not None and stream.context is not None
            sent = stream.context.written
            docker.images.rm(image_id, force=True)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"build      {sent / took / 1e6:7.0f} MB/s  ({sent / 1e6:.1f} MB to the image id in "
        f"{took:.2f} s, {cpu:.2f} s of the client's CPU), peak RSS {before / 1024:.0f} MB "
        f"before, {after / 1024:.0f} MB after"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="/tmp/dockproto-bench-context")
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--host")
    parser.add_argument("--image", default="dockproto-test/busybox:latest")
    args = parser.parse_args()
    make_tree(args.dir, args.mb)
    warm(args.dir)
    if args.host:
        end_to_end(args.dir, args.host, args.image)
    for name, fn in (("dockproto", with_dockproto), ("tarfile", with_tarfile)):
        took, size, largest, peak = measure(fn, args.dir, args.repeat)
        line = f"{name:10} {size / took / 1e6:7.0f} MB/s  ({size / 1e6:.1f} MB in {took:.3f} s)"
        if largest:
            line += f", largest piece {largest / 1024:.0f} KiB"
        print(f"{line}, Python memory peak {peak / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
