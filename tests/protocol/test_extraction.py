"""dockproto._extraction.ExtractionPlan: the rules of safe extraction, without I/O.

Items are built by hand (``TarMember`` / ``TarData`` / ``EndOfArchive``), as a
``TarReader`` gives them; every refusal must name the member it refuses.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import dockproto._extraction as extraction
from dockproto import (
    EndOfArchive,
    ProtocolError,
    RawData,
    TarData,
    TarMember,
    UnsafeArchiveError,
)
from dockproto import TarType as T
from dockproto._extraction import (
    CloseFile,
    ExtractionPlan,
    HardLink,
    MakeDir,
    MakeNode,
    OpenFile,
    Skip,
    Symlink,
    WriteData,
)


def f(name: str, data: bytes = b"", mode: int = 0o644, mtime: float = 0.0) -> list[Any]:
    """A file member and its data (in one TarData)."""
    member = TarMember(name, len(data), mode, T.FILE, mtime=mtime)
    return [member, TarData(data)] if data else [member]


def d(name: str, mode: int = 0o755) -> TarMember:
    return TarMember(name, 0, mode, T.DIRECTORY)


def sym(name: str, target: str) -> TarMember:
    return TarMember(name, 0, 0o777, T.SYMLINK, linkname=target)


def hard(name: str, target: str) -> TarMember:
    return TarMember(name, 0, 0o644, T.HARDLINK, linkname=target)


def node(name: str, kind: T, mode: int = 0o600) -> TarMember:
    return TarMember(name, 0, mode, kind, devmajor=1, devminor=3)


def run(*items: Any, devices: bool = False) -> list[Any]:
    """Every action for ``items`` (lists are flattened), then ``close()``."""
    plan = ExtractionPlan(devices=devices)
    actions: list[Any] = []
    for item in flatten(items):
        actions.extend(plan.feed(item))
    plan.close()
    return actions


def flatten(items: Any) -> Iterator[Any]:
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from flatten(item)
        else:
            yield item


def refused(name: str, *items: Any, devices: bool = False) -> str:
    """The message of the UnsafeArchiveError ``items`` raise; it names ``name``."""
    with pytest.raises(UnsafeArchiveError) as info:
        run(*items, devices=devices)
    message = str(info.value)
    assert repr(name) in message, message
    return message


# What a plain archive becomes.


def test_a_plain_archive() -> None:
    """Folders, files (data in pieces, empty), links: one action each, in order."""
    plan = ExtractionPlan()
    assert plan.feed(d("etc/")) == (MakeDir("etc", 0o755),)
    assert plan.feed(TarMember("etc/hosts", 5, 0o644, T.FILE, mtime=7.5)) == (
        OpenFile("etc/hosts", 0o644),
    )
    assert plan.feed(TarData(b"12")) == (WriteData(b"12"),)
    assert plan.feed(TarData(b"345")) == (WriteData(b"345"), CloseFile("etc/hosts", 7.5))
    assert plan.feed(TarMember("etc/empty", 0, 0o600, T.FILE, mtime=3.0)) == (
        OpenFile("etc/empty", 0o600),
        CloseFile("etc/empty", 3.0),
    )
    assert plan.feed(sym("bin/sh", "/bin/busybox")) == (Symlink("bin/sh", "/bin/busybox"),)
    assert plan.feed(hard("etc/hosts2", "etc/hosts")) == (HardLink("etc/hosts2", "etc/hosts"),)
    assert plan.feed(EndOfArchive()) == ()
    plan.close()


def test_actions_are_frozen() -> None:
    with pytest.raises(AttributeError):
        MakeDir("a", 0o755).rel = "b"  # type: ignore[misc]


@pytest.mark.parametrize(
    "name,rel",
    [
        ("a", "a"),
        ("a/b/", "a/b"),
        ("./a", "a"),
        ("a//b/./c/", "a/b/c"),
        (".hidden", ".hidden"),
        ("a/.profile", "a/.profile"),
        ("..foo", "..foo"),
        ("a/..b/c", "a/..b/c"),
        ("a/b.", "a/b."),
    ],
)
def test_names_are_normalized(name: str, rel: str) -> None:
    """Names come out relative and clean; names that only look like '..' are fine."""
    assert run(f(name)) == [OpenFile(rel, 0o644), CloseFile(rel, 0.0)]


@pytest.mark.parametrize("name", [".", "./", "././", ""])
def test_the_destination_itself_is_skipped(name: str) -> None:
    """A member named '.' is skipped (its mode is not dest's), its data dropped."""
    assert run(d(name, 0o700), f("after")) == [
        Skip("", "the destination itself"),
        OpenFile("after", 0o644),
        CloseFile("after", 0.0),
    ]
    assert run(f(name, b"data"), EndOfArchive()) == [Skip("", "the destination itself")]


# Names.


@pytest.mark.parametrize("name", ["/etc/passwd", "/", "//x", "/a/../b"])
def test_absolute_names_are_refused(name: str) -> None:
    assert "is absolute" in refused(name, f(name, b"x"))


@pytest.mark.parametrize(
    "name", ["..", "../x", "a/../../x", "./../x", "a/..", "a/b/../../../x", "x/../..", "../"]
)
def test_dotdot_names_are_refused(name: str) -> None:
    """Any '..' component is refused, even one that would stay inside."""
    assert "climbs out of the destination" in refused(name, f(name, b"x"))
    assert "climbs out of the destination" in refused(name, d(name))


def test_nul_in_a_name_is_refused() -> None:
    name = "a\x00/../../x"
    assert "NUL" in refused(name, f(name, b"x"))
    assert "NUL" in refused("ok\x00", f("ok\x00", b"x"))


def test_nothing_is_acted_on_before_a_refusal() -> None:
    """The plan refuses a member before giving any action for it."""
    plan = ExtractionPlan()
    assert plan.feed(f("fine")[0]) == (OpenFile("fine", 0o644), CloseFile("fine", 0.0))
    with pytest.raises(UnsafeArchiveError, match=re.escape("'../x'")):
        plan.feed(f("../x", b"x")[0])


# Symlinks.


@pytest.mark.parametrize(
    "name,target",
    [
        ("bin/sh", "/bin/busybox"),
        ("root", "/"),
        ("bin/ls", "busybox"),
        ("a/b/up", "../c"),
        ("a/b/top", "../.."),
        ("here", "."),
        ("x", "..foo"),
        ("in-and-out", "a/../b/./c"),
    ],
)
def test_symlinks_inside_are_made_as_spelled(name: str, target: str) -> None:
    """Absolute targets are taken from dest; relative ones that stay inside are fine."""
    assert run(sym(name, target)) == [Symlink(name, target)]


@pytest.mark.parametrize(
    "name,target",
    [
        ("up", ".."),
        ("up", "../outside"),
        ("a/b/up", "../../../outside"),
        ("a/up", "b/../../.."),
        ("s", "../../outside/secret"),
        ("out-and-back", "a/../../dest/b"),  # out, even if back in
        ("abs", "/../../etc"),  # absolute, taken from dest: climbing from there is too
    ],
)
def test_symlinks_climbing_out_are_refused(name: str, target: str) -> None:
    message = refused(name, sym(name, target))
    assert repr(target) in message and "leaves the destination" in message


def test_symlink_target_with_nul_is_refused() -> None:
    assert "NUL" in refused("s", sym("s", "a\x00b"))


def test_a_climbing_symlink_replacing_a_good_one_is_refused() -> None:
    refused("s", sym("s", "ok"), sym("s", "../../outside"))


def test_symlink_chains_are_checked_link_by_link() -> None:
    refused("b", sym("a", "b"), sym("b", "../outside"))


def chain(n: int) -> list[Any]:
    """``l0 -> l1 -> ... -> ln -> x``: resolving l0 goes through n symlinks."""
    return [sym(f"l{i}", f"l{i + 1}" if i < n else "x") for i in range(n, -1, -1)]


# Each target alone stays inside; resolved through the symlinks made before, it leaves.
RESOLVED_ESCAPES: dict[str, tuple[list[Any], str]] = {
    "dot-then-up": ([sym("d", "."), sym("s", "d/..")], "s"),
    "dot-then-up-in-a-folder": ([d("a/"), sym("a/d", ".."), sym("a/s", "d/..")], "a/s"),
    "parent-of-a-link-to-a-link": ([sym("d", "."), sym("e", "d"), sym("s", "e/..")], "s"),
    "multi-hop": ([sym("sub/a", ".."), sym("b", "sub/a"), sym("c", "b/..")], "c"),
    "down-then-twice-up": ([sym("b", "."), sym("a", "b/c/../..")], "a"),
    "absolute-as-parent": ([sym("r", "/"), sym("sub/s", "../r/..")], "sub/s"),
    "absolute-deep-as-parent": ([sym("usr/r", "/"), sym("usr/s", "r/..")], "usr/s"),
    "absolute-to-a-link": ([sym("d", "."), sym("a", "/d"), sym("s", "a/..")], "s"),
}


@pytest.mark.parametrize("case", sorted(RESOLVED_ESCAPES))
def test_symlinks_leaving_once_resolved_are_refused(case: str) -> None:
    """Refused before any action for it; the message names it and its target."""
    items, name = RESOLVED_ESCAPES[case]
    *before, last = items
    plan = ExtractionPlan()
    for item in before:
        plan.feed(item)
    with pytest.raises(UnsafeArchiveError) as info:
        plan.feed(last)
    message = str(info.value)
    assert repr(name) in message and repr(last.linkname) in message
    assert "leaves the destination" in message


def test_a_symlink_sending_an_earlier_one_out_is_refused() -> None:
    """sub/a -> ../b/.. is inside while b is not a symlink; b -> . would send it out."""
    message = refused("b", sym("sub/a", "../b/.."), sym("b", "."))
    assert "'sub/a' -> '../b/..'" in message and "leaves the destination" in message
    # Two steps on: l -> x/.. went through x, then through y once x -> y was made.
    message = refused("y", sym("l", "x/.."), sym("x", "y"), sym("y", "."))
    assert "'l' -> 'x/..'" in message
    # A symlink replacing the one an earlier link went through.
    refused("b", d("deep/"), sym("b", "deep"), sym("a", "b/.."), sym("b", "."))


@pytest.mark.parametrize(
    "items,name",
    [
        ([sym("s", "s")], "s"),
        ([sym("s", "./s")], "s"),
        ([sym("a", "b"), sym("b", "a")], "b"),
        ([sym("a", "b/x"), sym("b", "a")], "b"),
        ([sym("a", "a/x")], "a"),
        ([d("sub/"), sym("sub/s", "../sub/s/..")], "sub/s"),
        (chain(41), "l0"),
    ],
    ids=["self", "self-dot", "pair", "pair-under", "under-itself", "in-a-folder", "41-hops"],
)
def test_symlink_loops_are_refused(items: list[Any], name: str) -> None:
    """A loop, or more than 40 symlinks on the way (as the kernel's ELOOP)."""
    assert "loops (goes through more than 40 symlinks)" in refused(name, items)


def test_forty_symlinks_on_the_way_are_fine() -> None:
    assert len(run(chain(40))) == 41


def test_a_target_is_at_most_4095_characters() -> None:
    fine = "a/" * 2047 + "a"
    assert run(sym("s", fine)) == [Symlink("s", fine)]
    assert "longer than 4095 characters" in refused("s", sym("s", fine + "a"))


def test_a_resolution_walks_at_most_4096_names() -> None:
    """a -> ./././... (2000 names): a/a walks 4002 names, a/a/a 6003."""
    long = "/".join(["."] * 2000)
    assert len(run(sym("a", long), sym("b", "a/a"))) == 2
    assert "walks more than 4096 names" in refused("c", sym("a", long), sym("c", "a/a/a"))


# Resolved through the archive's symlinks and inside: made as spelled.
RESOLVED_INSIDE: dict[str, list[Any]] = {
    "busybox": [
        d("bin/"),
        f("bin/busybox", b"\x7fELF"),
        sym("bin/sh", "/bin/busybox"),
        sym("bin/ls", "busybox"),
        sym("usr/bin/env", "/bin/busybox"),
        sym("sbin/init", "../bin/busybox"),
    ],
    "usrmerge": [
        d("usr/lib/"),
        sym("lib", "usr/lib"),
        sym("lib64", "usr/lib"),
        sym("usr/lib/ld.so", "/lib64/ld-2.so"),
        sym("sbin/x", "../lib/../lib64/y"),
    ],
    "chain": [sym("a", "b"), sym("b", "c"), f("c")],
    "chain-made-backwards": [f("c"), sym("b", "c"), sym("a", "b")],
    "forward-reference": [sym("a", "b/c"), sym("b", "d"), d("d/")],
    "up-from-a-folder": [d("sub/"), sym("sub/x", "../y"), sym("a/b/x", "../../y")],
    "x11": [d("usr/bin/"), sym("usr/bin/X11", "."), sym("vi", "usr/bin/X11/X11/X11/vim")],
    "run-absolute": [
        sym("var/run", "/run"),
        sym("var/lock", "/run/lock"),
        sym("etc/x", "/var/run/x"),
        sym("etc/y", "../var/run/../x"),
    ],
    "up-through-a-link": [d("a/b/"), sym("ab", "a/b"), sym("s", "ab/..")],
    "a-later-link-that-keeps-it-inside": [sym("x", "y/../z"), d("sub/"), sym("y", "sub")],
    "a-file-replaces-a-link": [sym("b", "."), sym("s", "b/x"), f("b"), sym("c", "b/..")],
}


@pytest.mark.parametrize("case", sorted(RESOLVED_INSIDE))
def test_symlinks_resolved_inside_are_made(case: str) -> None:
    items = RESOLVED_INSIDE[case]
    made = [a for a in run(items) if isinstance(a, Symlink)]
    links = [m for m in flatten(items) if isinstance(m, TarMember) and m.type is T.SYMLINK]
    assert made == [Symlink(m.name, m.linkname) for m in links]


def test_a_link_up_through_a_link_is_still_refused_as_written() -> None:
    """ab -> a/b, s -> ab/../.. resolves to dest, but climbs out as written: refused."""
    assert "leaves the destination" in refused(
        "s", d("a/b/"), sym("ab", "a/b"), sym("s", "ab/../..")
    )


@pytest.mark.parametrize(
    "items,name",
    [
        ([sym("link", "/outside/dir"), f("link/pwned", b"x")], "link/pwned"),
        ([sym("root", "/"), f("root/outside/pwned", b"x")], "root/outside/pwned"),
        ([d("sub/"), sym("ln", "sub"), f("ln/file", b"x")], "ln/file"),
        ([sym("ln", "/outside/dir"), d("ln/newdir")], "ln/newdir"),
        ([sym("ln", "sub"), sym("ln/x", "y")], "ln/x"),
        ([sym("a/ln", "sub"), hard("a/ln/h", "f")], "a/ln/h"),
        ([sym("ln", "."), node("ln/fifo", T.FIFO)], "ln/fifo"),
    ],
)
def test_nothing_is_written_through_a_symlink_the_archive_made(items: list[Any], name: str) -> None:
    assert "through the symlink" in refused(name, *items, devices=True)


def test_nothing_is_written_under_a_file_the_archive_made() -> None:
    assert "under the file 'f'" in refused("f/x", f("f", b"1"), f("f/x", b"2"))
    assert "under the file 'h'" in refused("h/x", f("f"), hard("h", "f"), d("h/x"))


def test_a_folder_whose_name_is_a_symlink_is_refused() -> None:
    message = refused("s/", sym("s", "/outside/dir"), d("s/"), f("s/pwned", b"x"))
    assert "is a symlink" in message


def test_a_folder_in_place_of_a_file_is_refused() -> None:
    assert "would replace a file" in refused("f/", f("f", b"1"), d("f/"))


@pytest.mark.parametrize(
    "last",
    [
        f("d", b"x"),
        sym("d", "/outside"),
        hard("d", "a"),
        node("d", T.FIFO),
    ],
)
@pytest.mark.parametrize("first", [[d("d/")], [f("d/f")], [d("d/e/")]])
def test_nothing_replaces_a_folder_the_archive_made_or_went_through(
    first: list[Any], last: Any
) -> None:
    """A folder stays one: later checks hold (a hard link into it, a file under it)."""
    name = last[0].name if isinstance(last, list) else last.name
    assert "would replace a folder" in refused(name, f("a"), first, last, devices=True)


def test_a_file_replaces_a_symlink_and_a_file() -> None:
    """Not a folder: the executor replaces it (never writing through it)."""
    assert run(sym("f", "/outside/secret"), f("f", b"evil"), f("f")) == [
        Symlink("f", "/outside/secret"),
        OpenFile("f", 0o644),
        WriteData(b"evil"),
        CloseFile("f", 0.0),
        OpenFile("f", 0o644),
        CloseFile("f", 0.0),
    ]


def test_a_folder_twice_is_fine() -> None:
    assert run(d("a/"), d("a"), f("a/b/c"), d("a/b/")) == [
        MakeDir("a", 0o755),
        MakeDir("a", 0o755),
        OpenFile("a/b/c", 0o644),
        CloseFile("a/b/c", 0.0),
        MakeDir("a/b", 0o755),
    ]


# Hard links.


def test_hard_links_to_files_extracted_before() -> None:
    """To a file, or to a hard link to one; the target as a clean relative path."""
    assert run(f("a/file", b"x"), hard("b", "./a//file"), hard("c", "b")) == [
        OpenFile("a/file", 0o644),
        WriteData(b"x"),
        CloseFile("a/file", 0.0),
        HardLink("b", "a/file"),
        HardLink("c", "b"),
    ]


@pytest.mark.parametrize(
    "items,link,why",
    [
        ([], "../outside/secret", "climbs out of the destination"),
        ([], "/outside/secret", "is absolute"),
        ([], "x\x00y", "NUL"),
        ([f("a/b")], "a/b/../../../outside/secret", "climbs out of the destination"),
        ([], "nothing", "not a regular file extracted before"),
        ([sym("s", "/outside/secret")], "s", "not a regular file extracted before"),
        ([sym("d", "/outside")], "d/secret", "not a regular file extracted before"),
        ([f("sub/x")], "sub", "not a regular file extracted before"),
        ([d("sub/")], "sub", "not a regular file extracted before"),
        ([], ".", "not a regular file extracted before"),
        ([f("t"), sym("t", "/outside/secret")], "t", "not a regular file extracted before"),
        ([node("n", T.FIFO)], "n", "not a regular file extracted before"),
        ([f("h")], "h", "is to itself"),
    ],
)
def test_unsafe_hard_links_are_refused(items: list[Any], link: str, why: str) -> None:
    message = refused("h", items, hard("h", link), devices=True)
    assert why in message and repr(link) in message


def test_a_hard_link_to_a_skipped_member_is_refused() -> None:
    """A FIFO skipped (devices=False) was not extracted: no link to it."""
    refused("h", node("n", T.FIFO), hard("h", "n"))


# Devices, FIFOs, other types.


@pytest.mark.parametrize("kind", [T.CHARDEV, T.BLOCKDEV, T.FIFO])
def test_devices_are_skipped_unless_asked_for(kind: T) -> None:
    assert run(node("dev/n", kind), f("after")) == [
        Skip("dev/n", f"{kind.value} (devices=False)"),
        OpenFile("after", 0o644),
        CloseFile("after", 0.0),
    ]
    assert run(node("dev/n", kind, 0o4660), devices=True) == [MakeNode("dev/n", kind, 0o660, 1, 3)]


def test_a_node_keeps_a_mode_of_zero() -> None:
    assert run(node("p", T.FIFO, 0), devices=True) == [MakeNode("p", T.FIFO, 0, 1, 3)]


def test_other_member_types_are_skipped_with_their_data() -> None:
    """A member type the plan does not make (GNU sparse, ...) is skipped, data too."""
    plan = ExtractionPlan()
    assert plan.feed(TarMember("sparse", 4, 0o644, T.OTHER)) == (
        Skip("sparse", "unsupported member type (other)"),
    )
    assert plan.feed(TarData(b"ab")) == ()
    assert plan.feed(TarData(b"cd")) == ()
    assert plan.feed(EndOfArchive()) == ()


# Modes.


def test_modes_keep_the_permission_bits_only() -> None:
    assert run(f("suid", b"x", mode=0o106755), d("tmp/", 0o41777), f("g", mode=0o2750)) == [
        OpenFile("suid", 0o755),
        WriteData(b"x"),
        CloseFile("suid", 0.0),
        MakeDir("tmp", 0o777),
        OpenFile("g", 0o750),
        CloseFile("g", 0.0),
    ]


def test_a_mode_of_zero_gets_a_default() -> None:
    assert run(d("d", 0), f("f", mode=0), f("s", mode=0o7000)) == [
        MakeDir("d", 0o755),
        OpenFile("f", 0o644),
        CloseFile("f", 0.0),
        OpenFile("s", 0o644),
        CloseFile("s", 0.0),
    ]


# The data against the headers.


def test_data_beyond_a_members_size_is_a_protocol_error() -> None:
    plan = ExtractionPlan()
    plan.feed(TarMember("f", 3, 0o644, T.FILE))
    plan.feed(TarData(b"ab"))
    with pytest.raises(ProtocolError, match="more data than the size of member 'f'"):
        plan.feed(TarData(b"cd"))


def test_data_with_no_member_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="before any member"):
        ExtractionPlan().feed(TarData(b"x"))
    with pytest.raises(ProtocolError, match="more data than the size of member 'd'"):
        run(d("d"), TarData(b"x"))


@pytest.mark.parametrize("after", [TarMember("g", 0, 0o644, T.FILE), EndOfArchive()])
def test_a_member_cut_short_is_a_protocol_error(after: Any) -> None:
    """The next member, or the end of the archive, before the data is complete."""
    plan = ExtractionPlan()
    plan.feed(TarMember("big", 10, 0o644, T.FILE))
    plan.feed(TarData(b"1234"))
    with pytest.raises(ProtocolError, match="6 bytes of member 'big' still to come"):
        plan.feed(after)


def test_close_in_the_middle_of_a_member_is_a_protocol_error() -> None:
    for left in (b"", b"12345"):
        plan = ExtractionPlan()
        plan.feed(TarMember("big", 10, 0o644, T.FILE))
        if left:
            plan.feed(TarData(left))
        with pytest.raises(ProtocolError, match=r"the items ended with \d+ bytes of member 'big'"):
            plan.close()
    # A skipped member's data counts too.
    plan = ExtractionPlan()
    plan.feed(TarMember("sparse", 4, 0o644, T.OTHER))
    with pytest.raises(ProtocolError, match="4 bytes of member 'sparse'"):
        plan.close()


def test_close_between_members_is_fine_without_the_end() -> None:
    plan = ExtractionPlan()
    plan.feed(f("a")[0])
    plan.close()


@pytest.mark.parametrize(
    "late", [f("late")[0], EndOfArchive(), TarData(b"x")], ids=["member", "end", "data"]
)
def test_anything_after_the_end_is_a_protocol_error(late: Any) -> None:
    plan = ExtractionPlan()
    plan.feed(EndOfArchive())
    with pytest.raises(ProtocolError, match="after the end of the archive"):
        plan.feed(late)


def test_an_item_that_is_not_a_tar_item_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="unexpected RawData"):
        ExtractionPlan().feed(RawData(b"x"))


# No I/O.


def test_the_plan_imports_no_io() -> None:
    """Only pure modules: no os, no open, no socket."""
    tree = ast.parse(open(extraction.__file__, encoding="utf-8").read())
    imported = set()
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.Import):
            imported |= {a.name for a in stmt.names}
        elif isinstance(stmt, ast.ImportFrom):
            imported.add("." * stmt.level + (stmt.module or ""))
    assert imported == {
        "__future__",
        "posixpath",
        "collections.abc",
        "dataclasses",
        "._errors",
        "._events",
    }
    assert "open" not in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


_AUDITING = False
_AUDITED: list[str] = []
_HOOKED: list[Any] = []


def _audit(event: str, args: Any) -> None:
    if _AUDITING and event.startswith(("os.", "open", "shutil.", "socket.", "subprocess.")):
        _AUDITED.append(event)


def test_the_plan_touches_nothing() -> None:
    """An archive of every kind, with refusals, raises no file system audit event."""
    global _AUDITING
    if _audit not in _HOOKED:
        sys.addaudithook(_audit)  # (hooks stay for the process: gated by _AUDITING)
        _HOOKED.append(_audit)
    _AUDITED.clear()
    _AUDITING = True
    try:
        run(
            d("etc/"),
            f("etc/hosts", b"127.0.0.1\n", mtime=1.0),
            sym("bin/sh", "/bin/busybox"),
            hard("etc/h", "etc/hosts"),
            node("dev/null", T.CHARDEV),
            node("fifo", T.FIFO),
            EndOfArchive(),
            devices=True,
        )
        run(d("usr/lib/"), sym("lib", "usr/lib"), sym("x", "/lib/y"), sym("z", "x/.."))
        for bad in (
            [f("../x")],
            [sym("s", "../..")],
            [sym("d", "."), sym("s", "d/..")],
            [sym("a", "b"), sym("b", "a")],
            [sym("sub/a", "../b/.."), sym("b", ".")],
            [hard("h", "/etc/passwd")],
        ):
            with pytest.raises(UnsafeArchiveError):
                run(*bad)
    finally:
        _AUDITING = False
    assert _AUDITED == []
