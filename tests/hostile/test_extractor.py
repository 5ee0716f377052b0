"""dockproto._drive.extract.Extractor on disk: what the plan cannot know.

The plan (tests/protocol/test_extraction.py) refuses what the archive itself does;
here the destination already holds symlinks leading outside, the executor is given
unsafe actions directly (its own checks, without the plan's), and no file descriptor
outlives an error.
"""

from __future__ import annotations

import os
import stat
from typing import Any

import pytest

import dockproto
from dockproto import ProtocolError, TarData, TarMember, TarType, UnsafeArchiveError
from dockproto._drive.extract import Extractor
from dockproto._extraction import HardLink, MakeDir, OpenFile, Symlink

from ..faults.wire import open_fds
from .archives import M, build, snapshot


class World:
    """``tmp/outside/secret``, ``tmp/outside/dir/`` and ``tmp/dest`` holding ``links``."""

    def __init__(self, tmp: str, links: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.out = os.path.join(tmp, "outside")
        self.dest = os.path.join(tmp, "dest")
        os.makedirs(os.path.join(self.out, "dir"))
        os.makedirs(self.dest)
        with open(os.path.join(self.out, "secret"), "wb") as f:
            f.write(b"secret")
        for name, target in (links or {}).items():
            path = os.path.join(self.dest, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink(target.format(out=self.out), path)
        self.before = snapshot(tmp, self.dest)

    def unchanged(self) -> bool:
        return snapshot(self.tmp, self.dest) == self.before

    def extract(self, members: list[M], **kw: Any) -> list[str]:
        reader = dockproto.TarReader()
        extractor = Extractor(self.dest, **kw)
        try:
            for item in reader.feed(build(members)) + reader.close():
                extractor.feed(item)
            return extractor.close()
        finally:
            extractor.abort()


# The destination holds symlinks already (lstat checks; hard links: the plan's rule).

PLANTED: dict[str, tuple[dict[str, str], list[M]]] = {
    "file-under-a-link": ({"link": "{out}/dir"}, [M("link/pwned", data=b"x")]),
    "file-deep-under-a-link": ({"a/b": "{out}"}, [M("a/b/dir/pwned", data=b"x")]),
    "folder-under-a-link": ({"link": "{out}/dir"}, [M("link/new/", kind="dir")]),
    "folder-named-as-a-link": ({"s": "{out}/dir"}, [M("s/", kind="dir")]),
    "symlink-under-a-link": ({"link": "{out}"}, [M("link/s", kind="symlink", link="x")]),
    "relative-link-up": ({"up": "../outside"}, [M("up/pwned", data=b"x")]),
    "hardlink-to-a-planted-file": ({"s": "{out}/secret"}, [M("h", kind="hardlink", link="s")]),
    "hardlink-through-a-planted-link": (
        {"d": "{out}"},
        [M("h", kind="hardlink", link="d/secret")],
    ),
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_links_already_in_dest_are_never_written_through(case: str, tmp_path: Any) -> None:
    links, members = PLANTED[case]
    world = World(str(tmp_path), links)
    with pytest.raises(UnsafeArchiveError):
        world.extract(members)
    assert world.unchanged()


def test_a_file_replaces_a_link_already_in_dest(tmp_path: Any) -> None:
    """A file whose name is a symlink (to a file, or to a folder) replaces the link."""
    world = World(str(tmp_path), {"f": "{out}/secret", "g": "{out}/dir"})
    assert world.extract([M("f", data=b"new"), M("g", data=b"new")]) == ["f", "g"]
    for name in ("f", "g"):
        path = os.path.join(world.dest, name)
        assert not os.path.islink(path)
        with open(path, "rb") as f:
            assert f.read() == b"new"
    assert world.unchanged()


def test_a_hard_link_to_a_file_extracted_before_is_made(tmp_path: Any) -> None:
    world = World(str(tmp_path))
    assert world.extract([M("a", data=b"1"), M("h", kind="hardlink", link="a")]) == ["a", "h"]
    assert os.path.samefile(os.path.join(world.dest, "a"), os.path.join(world.dest, "h"))


# Symlinks resolved through the links before them, on disk: what a later reader of the
# link would follow.  The plan refuses the archive's own; the executor also walks the
# links dest held before (readlink, absolute ones from dest as in the plan).


def sl(name: str, target: str) -> M:
    return M(name, kind="symlink", link=target)


# Each target alone stays inside; once resolved it leaves (or loops): refused.
RESOLVED_ESCAPES: dict[str, tuple[list[M], str]] = {
    "dot-then-up": ([sl("d", "."), sl("s", "d/..")], "s"),
    "multi-hop": ([sl("sub/a", ".."), sl("b", "sub/a"), sl("c", "b/..")], "c"),
    "absolute-as-parent": ([sl("r", "/"), sl("sub/s", "../r/..")], "sub/s"),
    "a-later-link-sends-an-earlier-one-out": ([sl("sub/a", "../b/.."), sl("b", ".")], "b"),
    "loop": ([sl("a", "b"), sl("b", "a")], "b"),
    "loop-under-itself": ([sl("a", "a/x")], "a"),
}


@pytest.mark.parametrize("case", sorted(RESOLVED_ESCAPES))
def test_symlinks_leaving_once_resolved_are_refused(case: str, tmp_path: Any) -> None:
    members, name = RESOLVED_ESCAPES[case]
    world = World(str(tmp_path))
    with pytest.raises(UnsafeArchiveError, match=repr(name)):
        world.extract(members)
    assert not os.path.lexists(os.path.join(world.dest, name))
    assert world.unchanged()


# Inside once resolved: made as spelled, and what the kernel resolves stays in dest.
RESOLVED_INSIDE: dict[str, list[M]] = {
    "busybox": [
        M("bin/busybox", data=b"\x7fELF", mode=0o755),
        sl("bin/sh", "/bin/busybox"),
        sl("bin/ls", "busybox"),
        sl("sbin/init", "../bin/busybox"),
    ],
    "usrmerge": [
        M("usr/lib/", kind="dir", mode=0o755),
        sl("lib", "usr/lib"),
        sl("lib64", "usr/lib"),
        sl("usr/lib/ld.so", "/lib64/ld-2.so"),
        sl("sbin/x", "../lib/../lib64/y"),
    ],
    "chain": [sl("a", "b"), sl("b", "c"), M("c", data=b"c")],
    "forward-reference": [sl("a", "b/c"), sl("b", "d"), M("d/c", data=b"c")],
    "up-from-a-folder": [M("sub/", kind="dir", mode=0o755), sl("sub/x", "../y"), M("y")],
    "x11": [M("usr/bin/vim"), sl("usr/bin/X11", "."), sl("vi", "usr/bin/X11/X11/vim")],
    "run-absolute": [
        sl("var/run", "/run"),
        sl("etc/x", "/var/run/x"),
        sl("etc/y", "../var/run/../x"),
    ],
    "a-later-link-keeps-it-inside": [sl("x", "y/../z"), M("sub/", kind="dir"), sl("y", "sub")],
}


@pytest.mark.parametrize("case", sorted(RESOLVED_INSIDE))
def test_symlinks_resolved_inside_are_made(case: str, tmp_path: Any) -> None:
    members = RESOLVED_INSIDE[case]
    world = World(str(tmp_path))
    assert world.extract(members) == [m.name.rstrip("/") for m in members]
    root = os.path.realpath(world.dest)
    links = [m for m in members if m.kind == "symlink"]
    chroot = any(m.link.startswith("/") for m in links)  # (the host would leave from there)
    for m in links:
        path = os.path.join(world.dest, m.name)
        assert os.readlink(path) == m.link
        if not chroot:
            assert os.path.realpath(path).startswith(root + os.sep)
    assert world.unchanged()


# Links dest held before, met on the way (the plan cannot know them): refused.
PLANTED_RESOLVED: dict[str, tuple[dict[str, str], list[M], str]] = {
    "dot-then-up": ({"d": "."}, [sl("s", "d/..")], "s"),
    "through-a-link-leaving": ({"up": "../outside"}, [sl("x", "up/secret")], "x"),
    "to-a-link-leaving": ({"up": "../outside"}, [sl("x", "/up")], "x"),
    "absolute-as-parent": ({"r": "/"}, [sl("sub/s", "../r/..")], "sub/s"),
    "a-later-link-sends-an-earlier-one-out": ({"p": "q"}, [sl("a", "p/.."), sl("q", ".")], "q"),
    "loop": ({"a": "b", "b": "a"}, [sl("x", "a")], "x"),
}


@pytest.mark.parametrize("case", sorted(PLANTED_RESOLVED))
def test_symlinks_leaving_through_links_already_in_dest_are_refused(
    case: str, tmp_path: Any
) -> None:
    links, members, name = PLANTED_RESOLVED[case]
    world = World(str(tmp_path), links)
    with pytest.raises(UnsafeArchiveError, match=repr(name)):
        world.extract(members)
    assert not os.path.lexists(os.path.join(world.dest, name))
    assert all(os.readlink(os.path.join(world.dest, k)) == v for k, v in links.items())
    assert world.unchanged()


def test_links_already_in_dest_that_stay_inside_are_followed(tmp_path: Any) -> None:
    """Not os.path.realpath: var/run -> /run is resolved from dest, not on the host."""
    links = {"lib": "usr/lib", "var/run": "/run", "bin": "usr/bin"}
    world = World(str(tmp_path), links)
    members = [
        sl("x", "/lib/libc.so"),
        sl("etc/x", "/var/run/x"),
        sl("etc/y", "../var/run/../x"),
        sl("sbin", "bin/../sbin.real"),
    ]
    assert world.extract(members) == ["x", "etc/x", "etc/y", "sbin"]
    assert world.unchanged()


# The executor's own checks, given unsafe actions directly (no plan in the way).


@pytest.mark.parametrize(
    "actions",
    [
        [Symlink("link", "{out}/dir"), OpenFile("link/pwned", 0o644)],
        [Symlink("link", "{out}/dir"), MakeDir("link", 0o755)],
        [Symlink("link", "{out}/dir"), MakeDir("link/sub", 0o755)],
        [Symlink("link", "{out}"), HardLink("h", "link/secret")],
        [Symlink("s", "{out}/secret"), HardLink("h", "s")],
        [MakeDir("sub", 0o755), HardLink("h", "sub")],
        [HardLink("h", "missing")],
        [Symlink("d", "."), Symlink("s", "d/..")],
        [Symlink("sub/a", ".."), Symlink("b", "sub/a"), Symlink("c", "b/..")],
        [Symlink("r", "/"), Symlink("sub/s", "../r/..")],
        [Symlink("sub/a", "../b/.."), Symlink("b", ".")],
        [Symlink("a", "b"), Symlink("b", "a")],
        [Symlink("up", "../outside")],
    ],
    ids=["open", "mkdir-on-link", "mkdir-under-link", "hardlink-via-link", "hardlink-to-link",
         "hardlink-to-dir", "hardlink-to-missing", "symlink-dot-then-up", "symlink-multi-hop",
         "symlink-absolute-as-parent", "symlink-sends-an-earlier-one-out", "symlink-loop",
         "symlink-up"],
)  # fmt: skip
def test_the_executor_checks_on_its_own(actions: list[Any], tmp_path: Any) -> None:
    world = World(str(tmp_path))
    extractor = Extractor(world.dest)
    *first, last = actions
    for action in first:
        if isinstance(action, Symlink):
            action = Symlink(action.rel, action.target.format(out=world.out))
        extractor._apply(action)
    with pytest.raises(UnsafeArchiveError):
        extractor._apply(last)
    extractor.abort()
    assert world.unchanged()
    if isinstance(last, Symlink):
        assert not os.path.lexists(os.path.join(world.dest, last.rel))


# Data, files and descriptors.


def test_every_byte_is_written(tmp_path: Any) -> None:
    """A large file in many pieces, and empty ones, come out whole."""
    world = World(str(tmp_path))
    big = bytes(range(256)) * 4099
    written = world.extract([M("big", data=big), M("empty"), M("d/empty")])
    assert written == ["big", "empty", "d/empty"]
    with open(os.path.join(world.dest, "big"), "rb") as f:
        assert f.read() == big
    assert os.path.getsize(os.path.join(world.dest, "d/empty")) == 0


def test_a_fifo_with_devices(tmp_path: Any) -> None:
    world = World(str(tmp_path))
    assert world.extract([M("p/fifo", kind="fifo", mode=0o4640)], devices=True) == ["p/fifo"]
    st = os.lstat(os.path.join(world.dest, "p/fifo"))
    assert stat.S_ISFIFO(st.st_mode) and not st.st_mode & stat.S_ISUID


def test_close_in_the_middle_of_a_member(tmp_path: Any) -> None:
    """ProtocolError naming the member; the file is closed, what was written stays."""
    world = World(str(tmp_path))
    before = open_fds()
    extractor = Extractor(world.dest)
    extractor.feed(TarMember("big", 10, 0o644, TarType.FILE))
    extractor.feed(TarData(b"1234"))
    assert len(open_fds()) == len(before) + 1
    with pytest.raises(ProtocolError, match="6 bytes of member 'big'"):
        extractor.close()
    assert open_fds() == before
    with open(os.path.join(world.dest, "big"), "rb") as f:
        assert f.read() == b"1234"


def test_an_error_in_feed_closes_the_file_and_the_extractor(tmp_path: Any) -> None:
    world = World(str(tmp_path))
    before = open_fds()
    extractor = Extractor(world.dest)
    extractor.feed(TarMember("big", 10, 0o644, TarType.FILE))
    extractor.feed(TarData(b"1234"))
    with pytest.raises(ProtocolError, match="member 'big'"):
        extractor.feed(TarMember("next", 0, 0o644, TarType.FILE))
    assert open_fds() == before
    with pytest.raises(ValueError, match="closed"):
        extractor.feed(TarData(b"5678"))


def test_abort_and_the_garbage_collector_close_the_file(tmp_path: Any) -> None:
    world = World(str(tmp_path))
    before = open_fds()
    extractor = Extractor(world.dest)
    extractor.feed(TarMember("a", 10, 0o644, TarType.FILE))
    extractor.abort()
    extractor.abort()
    assert open_fds() == before
    extractor = Extractor(world.dest)
    extractor.feed(TarMember("b", 10, 0o644, TarType.FILE))
    del extractor
    assert open_fds() == before
    # (after a symlink too: what checks symlinks holds no cycle back to the extractor)
    extractor = Extractor(world.dest)
    extractor.feed(TarMember("s", 0, 0o777, TarType.SYMLINK, linkname="b"))
    extractor.feed(TarMember("c", 10, 0o644, TarType.FILE))
    del extractor
    assert open_fds() == before


def test_dest_is_made_and_resolved(tmp_path: Any) -> None:
    """A missing dest is made; a dest reached through a symlink is used as its target."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "via").symlink_to(real)
    extractor = Extractor(str(tmp_path / "via" / "new" / "dest"))
    extractor.feed(TarMember("f", 0, 0o644, TarType.FILE))
    assert extractor.close() == ["f"]
    assert (real / "new" / "dest" / "f").exists()
