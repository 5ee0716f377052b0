"""Safe extraction: crafted archives of every kind fed to an ``Extractor``.

Each archive is decoded by ``dockproto.TarReader`` and extracted into ``dest`` next to
a folder ``outside`` holding a secret file.  An escaping archive must raise
``UnsafeArchiveError`` (a ``ValueError``) and leave everything outside ``dest`` exactly
as it was; a benign one must extract as ``tar`` would.
"""

from __future__ import annotations

import os
import stat
import tarfile
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import dockproto
from dockproto import UnsafeArchiveError
from dockproto._drive.extract import Extractor

from .archives import M, build, snapshot

LONG = "d" * 120


async def extract_items(
    items: AsyncIterator[Any], dest: str, *, devices: bool = False
) -> list[str]:
    """What every client's ``TarStream.extract`` does with the items."""
    extractor = Extractor(dest, devices=devices)
    try:
        async for item in items:
            extractor.feed(item)
        return extractor.close()
    finally:
        extractor.abort()


async def items_of(data: bytes) -> AsyncIterator[Any]:
    reader = dockproto.TarReader()
    for item in reader.feed(data) + reader.close():
        yield item


class World:
    """``tmp/outside/secret``, ``tmp/outside/dir/`` and the destination ``tmp/dest``."""

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp
        self.out = os.path.join(tmp, "outside")
        self.dest = os.path.join(tmp, "dest")
        os.makedirs(os.path.join(self.out, "dir"))
        with open(os.path.join(self.out, "secret"), "wb") as f:
            f.write(b"secret")
        os.chmod(os.path.join(self.out, "secret"), 0o600)
        self.before = snapshot(tmp, self.dest)

    def unchanged(self) -> bool:
        return snapshot(self.tmp, self.dest) == self.before


Case = Callable[[str], list[M]]

# Archives that try to write outside dest, or through a link: all refused.
ESCAPES: dict[str, Case] = {
    "absolute-name": lambda out: [M(f"{out}/pwned", data=b"x")],
    "dotdot": lambda out: [M("../outside/pwned", data=b"x")],
    "dotdot-inside-path": lambda out: [M("a/b/../../../outside/pwned", data=b"x")],
    "dot-slash-dotdot": lambda out: [M("./../outside/pwned", data=b"x")],
    "dotdot-directory": lambda out: [M("../outside/newdir", kind="dir", mode=0o755)],
    "symlink-abs-then-file-under-it": lambda out: [
        M("link", kind="symlink", link=f"{out}/dir"),
        M("link/pwned", data=b"x"),
    ],
    "symlink-to-root-then-file-under-it": lambda out: [
        M("root", kind="symlink", link="/"),
        M(f"root{out}/pwned", data=b"x"),
    ],
    "symlink-relative-climbing": lambda out: [M("up", kind="symlink", link="../outside")],
    "symlink-deep-climbing": lambda out: [M("a/b/up", kind="symlink", link="../../../outside")],
    "symlink-chain-climbing": lambda out: [
        M("a", kind="symlink", link="b"),
        M("b", kind="symlink", link="../outside"),
    ],
    "symlink-up-through-a-dot-link": lambda out: [
        M("d", kind="symlink", link="."),
        M("s", kind="symlink", link="d/.."),
    ],
    "symlink-loop": lambda out: [
        M("a", kind="symlink", link="b"),
        M("b", kind="symlink", link="a"),
    ],
    "symlink-to-inside-dir-then-file": lambda out: [
        M("sub/", kind="dir", mode=0o755),
        M("ln", kind="symlink", link="sub"),
        M("ln/file", data=b"x"),
    ],
    "symlink-to-dir-then-dir-under-it": lambda out: [
        M("ln", kind="symlink", link=f"{out}/dir"),
        M("ln/newdir", kind="dir", mode=0o755),
    ],
    "symlink-then-dir-of-same-name": lambda out: [
        M("s", kind="symlink", link=f"{out}/dir"),
        M("s", kind="dir", mode=0o755),
        M("s/pwned", data=b"x"),
    ],
    "symlink-replaced-by-climbing-symlink": lambda out: [
        M("s", kind="symlink", link="ok"),
        M("s", kind="symlink", link="../../outside"),
    ],
    "hardlink-dotdot": lambda out: [M("h", kind="hardlink", link="../outside/secret")],
    "hardlink-absolute": lambda out: [M("h", kind="hardlink", link=f"{out}/secret")],
    "hardlink-to-symlink": lambda out: [
        M("s", kind="symlink", link=f"{out}/secret"),
        M("h", kind="hardlink", link="s"),
    ],
    "hardlink-through-symlinked-dir": lambda out: [
        M("d", kind="symlink", link=out),
        M("h", kind="hardlink", link="d/secret"),
    ],
    "hardlink-to-directory": lambda out: [
        M("sub/", kind="dir", mode=0o755),
        M("h", kind="hardlink", link="sub"),
    ],
    "hardlink-to-missing": lambda out: [M("h", kind="hardlink", link="nothing")],
    "gnu-long-name-dotdot": lambda out: [M(f"{LONG}/../../outside/pwned", data=b"x")],
    "gnu-long-link-dotdot": lambda out: [
        M("h", kind="hardlink", link=f"{LONG}/../../outside/secret"),
    ],
    "gnu-long-absolute-name": lambda out: [M(f"{out}/{LONG}/pwned", data=b"x")],
    "pax-path-dotdot": lambda out: [M("innocent", data=b"x", pax={"path": "../outside/pwned"})],
    "pax-path-absolute": lambda out: [M("innocent", data=b"x", pax={"path": f"{out}/pwned"})],
    "pax-linkpath-climbing": lambda out: [
        M("s", kind="symlink", link="ok", pax={"linkpath": "../../outside/secret"}),
    ],
    "file-after-escape-attempt": lambda out: [
        M("fine", data=b"ok"),
        M("../outside/pwned", data=b"x"),
        M("never", data=b"x"),
    ],
}


# pax records exist in pax archives only: the pax- cases go with that format alone.
ESCAPE_RUNS = [
    pytest.param(case, fmt, id=f"{case}-{name}")
    for case in sorted(ESCAPES)
    for fmt, name in ((tarfile.GNU_FORMAT, "gnu"), (tarfile.PAX_FORMAT, "pax"))
    if not (case.startswith("pax-") and fmt != tarfile.PAX_FORMAT)
]


@pytest.mark.parametrize("case,fmt", ESCAPE_RUNS)
async def test_escaping_archive_is_refused(case: str, fmt: int, tmp_path: Any) -> None:
    """A member that would land outside dest (or go through a link) is refused, and
    nothing outside dest changes."""
    world = World(str(tmp_path))
    data = build(ESCAPES[case](world.out), fmt)
    with pytest.raises(UnsafeArchiveError):
        await extract_items(items_of(data), world.dest)
    assert world.unchanged()
    assert not os.path.lexists(os.path.join(world.dest, "never"))


async def test_nul_in_a_pax_name_is_refused(tmp_path: Any) -> None:
    """A pax path holding a NUL byte is refused (ValueError), nothing written."""
    world = World(str(tmp_path))
    data = build([M("x", data=b"x", pax={"path": "a\x00/../../outside/pwned"})], tarfile.PAX_FORMAT)
    with pytest.raises(ValueError):
        await extract_items(items_of(data), world.dest)
    assert world.unchanged()


async def test_file_replaces_a_symlink_instead_of_writing_through_it(tmp_path: Any) -> None:
    """A file member whose name is a symlink the archive made replaces the link; the
    link's target outside is untouched."""
    world = World(str(tmp_path))
    data = build([M("f", kind="symlink", link=f"{world.out}/secret"), M("f", data=b"evil")])
    written = await extract_items(items_of(data), world.dest)
    assert written == ["f", "f"]
    path = os.path.join(world.dest, "f")
    assert not os.path.islink(path)
    with open(path, "rb") as f:
        assert f.read() == b"evil"
    assert world.unchanged()


async def test_duplicate_file_keeps_the_last(tmp_path: Any) -> None:
    """The same file twice: the second one wins, whole (no mix of the two)."""
    world = World(str(tmp_path))
    data = build([M("dup", data=b"first, longer"), M("dup", data=b"second")])
    await extract_items(items_of(data), world.dest)
    with open(os.path.join(world.dest, "dup"), "rb") as f:
        assert f.read() == b"second"
    assert world.unchanged()


async def test_hardlink_to_an_extracted_file_is_made(tmp_path: Any) -> None:
    """A hard link to a regular file extracted just before is made as a link."""
    world = World(str(tmp_path))
    data = build([M("a/file", data=b"shared"), M("b", kind="hardlink", link="a/file")])
    await extract_items(items_of(data), world.dest)
    a, b = os.path.join(world.dest, "a/file"), os.path.join(world.dest, "b")
    assert os.stat(a).st_ino == os.stat(b).st_ino
    assert world.unchanged()


async def test_symlinks_inside_are_kept_as_links(tmp_path: Any) -> None:
    """Symlinks are made as they are (absolute ones too, as in a root filesystem)."""
    world = World(str(tmp_path))
    data = build([
        M("bin/busybox", data=b"\x7fELF", mode=0o755),
        M("bin/sh", kind="symlink", link="/bin/busybox"),
        M("bin/ls", kind="symlink", link="busybox"),
    ])  # fmt: skip
    await extract_items(items_of(data), world.dest)
    assert os.readlink(os.path.join(world.dest, "bin/sh")) == "/bin/busybox"
    assert os.readlink(os.path.join(world.dest, "bin/ls")) == "busybox"
    assert world.unchanged()


async def test_setuid_and_sticky_bits_are_dropped(tmp_path: Any) -> None:
    """Modes keep the permission bits only: no setuid, setgid or sticky bit."""
    world = World(str(tmp_path))
    data = build([M("suid", data=b"x", mode=0o6755), M("tmp/", kind="dir", mode=0o1777)])
    await extract_items(items_of(data), world.dest)
    assert stat.S_IMODE(os.stat(os.path.join(world.dest, "suid")).st_mode) == 0o755
    assert not os.stat(os.path.join(world.dest, "tmp")).st_mode & stat.S_ISVTX


@pytest.mark.parametrize("kind", ["chr", "blk", "fifo"])
async def test_device_nodes_are_skipped_by_default(kind: str, tmp_path: Any) -> None:
    """Device nodes and FIFOs are not made unless asked for."""
    world = World(str(tmp_path))
    data = build([M("dev/node", kind=kind), M("after", data=b"x")])
    written = await extract_items(items_of(data), world.dest)
    assert written == ["after"]
    assert not os.path.lexists(os.path.join(world.dest, "dev/node"))


async def test_device_nodes_are_made_when_asked(tmp_path: Any) -> None:
    """With devices=True a FIFO is made (and a device node too, where allowed)."""
    world = World(str(tmp_path))
    data = build([M("fifo", kind="fifo")])
    assert await extract_items(items_of(data), world.dest, devices=True) == ["fifo"]
    assert stat.S_ISFIFO(os.lstat(os.path.join(world.dest, "fifo")).st_mode)


@pytest.mark.parametrize("name", [".", "./", "././"])
async def test_empty_and_dot_names_are_skipped(name: str, tmp_path: Any) -> None:
    """A member named '.' is skipped, not taken as dest itself."""
    world = World(str(tmp_path))
    data = build([M(name, kind="dir", mode=0o700), M("after", data=b"x")])
    assert await extract_items(items_of(data), world.dest) == ["after"]
    assert stat.S_IMODE(os.stat(world.dest).st_mode) != 0o700
    assert world.unchanged()
