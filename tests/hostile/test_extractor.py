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
    ],
    ids=["open", "mkdir-on-link", "mkdir-under-link", "hardlink-via-link", "hardlink-to-link",
         "hardlink-to-dir", "hardlink-to-missing"],
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


def test_dest_is_made_and_resolved(tmp_path: Any) -> None:
    """A missing dest is made; a dest reached through a symlink is used as its target."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "via").symlink_to(real)
    extractor = Extractor(str(tmp_path / "via" / "new" / "dest"))
    extractor.feed(TarMember("f", 0, 0o644, TarType.FILE))
    assert extractor.close() == ["f"]
    assert (real / "new" / "dest" / "f").exists()
