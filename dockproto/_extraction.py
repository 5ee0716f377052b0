"""Safe extraction of a streamed tar, decided without touching the disk.

``ExtractionPlan`` takes the items of a ``TarReader`` (``TarMember``, ``TarData``,
``EndOfArchive``) one at a time and answers each with the actions that extract it (a
tuple of the small frozen objects below), or refuses it with ``UnsafeArchiveError``.
The actions name paths relative to the destination folder, always clean: never
absolute, never holding ``.``, ``..`` or an empty component.  Carrying them out is the
client's work (``dockproto._drive.extract.Extractor`` does it with ``os`` calls, and
checks on disk what the plan cannot know: what the folder held before).

The rules, member by member:

* a name that is absolute, holds a ``..`` component or a NUL byte is refused; one that
  names the destination itself (``.``, ``./``) is skipped;
* nothing is written under a symlink (or anything else but a folder) that this archive
  made; what the destination held before, the executor checks on disk;
* symlinks are made as they are, never followed while extracting.  A target is taken
  from the link's folder, or from the destination if it is absolute (as in a
  container's root filesystem, where ``bin/sh -> /bin/busybox`` is normal), and
  refused if a ``..`` climbs above the destination: as written, and once resolved as
  the kernel would in a container whose root is the destination (``SymlinkGuard``),
  through the symlinks this archive made before it (``d -> .`` then ``s -> d/..``; an
  absolute one on the way starts again from the destination).  Refused too: more than
  40 symlinks on the way (a loop), more than 4096 names walked, a target longer than
  4095 characters, and a symlink that would send an earlier one out of the
  destination (``sub/a -> ../b/..`` then ``b -> .``);
* a hard link's target must be a regular file this plan extracted before it (a file,
  or a hard link to one), named under the same rules as a member, and not the link
  itself;
* what the archive made never changes between folder and non-folder: a folder member
  where it made a symlink (or a file...) is refused, and so is a file, link or node
  where it made a folder (or went through one), so every check holds to the end;
* device nodes and FIFOs are skipped unless ``devices=True``; other member types
  (GNU sparse files, volume labels...) are skipped, their data with them;
* modes keep the permission bits only (no setuid, setgid or sticky bit), and a mode of
  0 becomes 0o755 for a folder and 0o644 for a file.

Every refusal names the member as the archive spells it.

The data must match the headers: data beyond a member's size, a member or the end of
the archive before the previous member's data is complete, anything after the end of
the archive, or ``close()`` in the middle of a member's data raise ``ProtocolError``.

A file's data comes as ``OpenFile``, one ``WriteData`` per ``TarData``, then
``CloseFile`` with the last data (with the ``OpenFile`` itself for an empty file).
Nothing here imports ``os`` or does I/O; ``posixpath`` is string functions only.
"""

from __future__ import annotations

import posixpath  # string functions only: normpath, join
from collections.abc import Callable
from dataclasses import dataclass

from ._errors import ProtocolError, UnsafeArchiveError
from ._events import EndOfArchive, TarData, TarMember, TarType

DIR_MODE = 0o755
"""The mode of a folder whose header says 0."""
FILE_MODE = 0o644
"""The mode of a file (or a device node) whose header says 0."""
NODE_TYPES = frozenset((TarType.CHARDEV, TarType.BLOCKDEV, TarType.FIFO))
MAX_HOPS = 40
"""The symlinks one resolution may go through (Linux's MAXSYMLINKS): more is a loop."""
MAX_STEPS = 4096
"""The names (``.`` and ``..`` included) one resolution may walk, all targets together."""
MAX_TARGET = 4095
"""The longest symlink target, in characters (Linux's PATH_MAX, less the NUL)."""
MAX_RECHECKS = 10_000
"""How many times, in one archive, earlier symlinks may be resolved again."""


@dataclass(frozen=True, slots=True)
class MakeDir:
    """Make the folder ``rel`` (already there as a folder is fine: its mode stays)."""

    rel: str
    mode: int


@dataclass(frozen=True, slots=True)
class OpenFile:
    """Create the regular file ``rel`` (replacing a non-folder of that name, never
    writing through it); ``WriteData`` actions follow, then ``CloseFile``."""

    rel: str
    mode: int


@dataclass(frozen=True, slots=True)
class WriteData:
    """Append ``data`` to the file opened last."""

    data: bytes


@dataclass(frozen=True, slots=True)
class CloseFile:
    """The file ``rel`` is complete; ``mtime`` is its header's modification time."""

    rel: str
    mtime: float


@dataclass(frozen=True, slots=True)
class Symlink:
    """Make the symlink ``rel`` -> ``target`` (as the archive spells it; replacing a
    non-folder of that name)."""

    rel: str
    target: str


@dataclass(frozen=True, slots=True)
class HardLink:
    """Make ``rel`` a hard link to ``target``, a regular file extracted before (both
    relative to the destination; replacing a non-folder named ``rel``)."""

    rel: str
    target: str


@dataclass(frozen=True, slots=True)
class MakeNode:
    """Make the device node or FIFO ``rel`` (``type`` is CHARDEV, BLOCKDEV or FIFO)."""

    rel: str
    type: TarType
    mode: int
    devmajor: int
    devminor: int


@dataclass(frozen=True, slots=True)
class Skip:
    """Nothing to do for the member ``rel`` (``""`` for the destination itself)."""

    rel: str
    why: str


Action = MakeDir | OpenFile | WriteData | CloseFile | Symlink | HardLink | MakeNode | Skip
NO_ACTIONS: tuple[Action, ...] = ()


def clean_name(name: str) -> str | None:
    """``name`` relative to the destination, normalized (``""`` for the destination
    itself), or None if it is absolute, climbs out with ``..`` or holds a NUL byte
    (``name_fault`` says which)."""
    if name and name[0] not in "/." and "/." not in name and "//" not in name:
        # The common case: nothing for normpath to do but a trailing slash.
        return None if "\0" in name else name.rstrip("/")
    if name_fault(name):
        return None
    norm = posixpath.normpath(name)
    return "" if norm == "." else norm


def name_fault(name: str) -> str:
    """Why ``name`` may not be extracted (``""`` if it may)."""
    if "\0" in name:
        return "holds a NUL byte"
    if name.startswith("/"):
        return "is absolute"
    if ".." in name.split("/"):
        return "climbs out of the destination"
    return ""


_LEAVES = "leaves the destination"
_LOOPS = f"loops (goes through more than {MAX_HOPS} symlinks)"
_TOO_LONG = f"walks more than {MAX_STEPS} names"


class SymlinkGuard:
    """Whether the symlinks of one extraction stay inside the destination, resolved as
    the kernel would in a container whose root is the destination (an absolute target
    starts from it), except that ``..`` above the destination leaves it.

    ``lookup(path)`` says what a path (relative to the destination, through no symlink)
    holds: a symlink's target, or None for anything else (missing, file, folder).  The
    plan's lookup knows the symlinks the archive made; the executor's reads the disk.
    ``dirs`` holds paths known to be real folders for good (never looked up, never
    changed): the caller's own set, kept up to date by the caller.

    ``check(name, rel, target)`` is called for each symlink ``rel -> target`` about to be
    made (``name`` as the archive spells it, for the error) and raises
    ``UnsafeArchiveError`` if it leaves the destination, loops or walks too far.  It
    also resolves again every earlier symlink whose resolution went through ``rel``
    before a ``..`` (only those can be taken out by a new link at ``rel``: what follows
    a name without climbing stays under wherever that name leads) and refuses the new
    one if any of them would now leave.  Only symlinks cost anything here.
    """

    __slots__ = ("_dirs", "_lookup", "_new", "_new_target", "_rechecks", "_watchers")

    def __init__(self, dirs: set[str], lookup: Callable[[str], str | None]) -> None:
        self._dirs = dirs
        self._lookup = lookup
        # path -> the symlinks whose resolution went through it, then through a '..'.
        self._watchers: dict[str, set[str]] = {}
        self._new = ""  # the symlink being checked (not necessarily made yet) ...
        self._new_target = ""  # ... and its target
        self._rechecks = MAX_RECHECKS

    def check(self, name: str, rel: str, target: str) -> None:
        """Refuse the symlink ``rel -> target`` if it, or an earlier one because of it,
        would leave the destination (or loop, or walk too far)."""
        if len(target) > MAX_TARGET:
            raise UnsafeArchiveError(
                f"symlink {name!r}: its target is longer than {MAX_TARGET} characters"
            )
        self._new, self._new_target = rel, target
        try:
            fault, through = self._resolve(rel, target)
            if fault:
                raise UnsafeArchiveError(f"symlink {name!r} -> {target!r} {fault}")
            for other in sorted(self._watchers.get(rel, ())):
                if other == rel:
                    continue  # (its new target: just resolved)
                other_target = self._lookup(other)
                if other_target is None:
                    continue  # (not a symlink any more)
                self._rechecks -= 1
                if self._rechecks < 0:
                    raise UnsafeArchiveError(
                        f"symlink {name!r} -> {target!r}: more than {MAX_RECHECKS}"
                        " symlinks to resolve again"
                    )
                fault, other_through = self._resolve(other, other_target)
                if fault:
                    raise UnsafeArchiveError(
                        f"symlink {name!r} -> {target!r} would change the symlink"
                        f" {other!r} -> {other_target!r}, which then {fault}"
                    )
                self._watch(other, other_through)
            self._watch(rel, through)
        finally:
            self._new = self._new_target = ""

    def _watch(self, rel: str, through: list[str]) -> None:
        watchers = self._watchers
        for path in through:
            seen = watchers.get(path)
            if seen is None:
                watchers[path] = {rel}
            else:
                seen.add(rel)

    def _resolve(self, rel: str, target: str) -> tuple[str, list[str]]:
        """Resolve the symlink ``rel -> target``: ``("", through)`` if it stays inside,
        where ``through`` are the paths (not known folders) met before the last ``..``;
        else ``(why, [])``."""
        dirs, lookup, new, new_target = self._dirs, self._lookup, self._new, self._new_target
        cur = "" if target.startswith("/") else rel.rpartition("/")[0]
        todo = target.split("/")
        todo.reverse()
        seen: list[str] = []
        kept = hops = steps = 0
        while todo:
            part = todo.pop()
            steps += 1
            if steps > MAX_STEPS:
                return _TOO_LONG, []
            if not part or part == ".":
                continue
            if part == "..":
                if not cur:
                    return _LEAVES, []
                cur = cur.rpartition("/")[0]
                kept = len(seen)
                continue
            path = f"{cur}/{part}" if cur else part
            if path in dirs:
                cur = path
                continue
            seen.append(path)
            link = new_target if path == new else lookup(path)
            if link is None:
                cur = path  # (a name that is no symlink: taken as a folder)
                continue
            hops += 1
            if hops > MAX_HOPS:
                return _LOOPS, []
            if link.startswith("/"):
                cur = ""
            more = link.split("/")
            more.reverse()
            todo += more
        del seen[kept:]
        return "", seen


def _made_links(links: dict[str, str], made: dict[str, TarType]) -> Callable[[str], str | None]:
    """The plan's lookup for ``SymlinkGuard``: the target of the symlink it made at a
    path, if that path is still one (a closure: no cycle through the plan)."""
    symlink = TarType.SYMLINK

    def lookup(path: str) -> str | None:
        link = links.get(path)
        if link is None or made.get(path) is not symlink:
            return None
        return link

    return lookup


class ExtractionPlan:
    """The actions that extract a tar safely, item by item; no I/O.

    ``feed(item)`` gives a tuple of actions for each ``TarMember``, ``TarData`` and
    ``EndOfArchive`` (see the module's docstring for the rules), or raises
    ``UnsafeArchiveError`` (naming the member) or ``ProtocolError``.  ``close()`` says
    the items have ended.  After a refusal the plan is of no further use.
    """

    __slots__ = (
        "_current",
        "_dirs",
        "_ended",
        "_file",
        "_guard",
        "_left",
        "_links",
        "_made",
        "_mtime",
        "devices",
    )

    def __init__(self, *, devices: bool = False) -> None:
        self.devices = devices
        # What the plan made, by relative path: the folders (with those on the way to a
        # member, which are folders or the member is refused) and everything else.  A
        # path never goes from one to the other, so each member is checked against what
        # it would really go through, and a folder named in ``_dirs`` is one all the way.
        self._dirs: set[str] = {""}
        self._made: dict[str, TarType] = {}
        # The targets of the symlinks it made (a stale one, replaced by a file, is
        # ignored: _made says what the path is now), and the guard resolving them.
        self._links: dict[str, str] = {}
        self._guard: SymlinkGuard | None = None
        self._current = ""  # the name of the member whose data comes next
        self._left = 0  # bytes of its data still to come
        self._file: str | None = None  # rel of the file they go to (None: dropped)
        self._mtime = 0.0
        self._ended = False

    def feed(self, item: object) -> tuple[Action, ...]:
        """The actions for ``item``, in order."""
        if isinstance(item, TarData):
            data = item.data
            left = self._left - len(data)
            if left < 0:
                raise ProtocolError(self._overrun())
            self._left = left
            rel = self._file
            if rel is None:
                return NO_ACTIONS
            if left:
                return (WriteData(data),)
            self._file = None
            return (WriteData(data), CloseFile(rel, self._mtime))
        if self._left:
            raise ProtocolError(self._cut(item))
        if self._ended:
            raise ProtocolError(f"{type(item).__name__} after the end of the archive")
        if isinstance(item, TarMember):
            return self._member(item)
        if isinstance(item, EndOfArchive):
            self._ended = True
            return NO_ACTIONS
        raise ProtocolError(f"unexpected {type(item).__name__} in a tar archive")

    def close(self) -> None:
        """The items have ended: ``ProtocolError`` if a member's data is incomplete."""
        if self._left:
            raise ProtocolError(self._cut(None))

    def _member(self, m: TarMember) -> tuple[Action, ...]:
        name = m.name
        rel = clean_name(name)
        if rel is None:
            raise UnsafeArchiveError(f"member {name!r} {name_fault(name)}")
        self._current = name
        self._left = m.size if m.size > 0 else 0
        if not rel:
            return (Skip(rel, "the destination itself"),)
        parent = rel.rpartition("/")[0]
        if parent not in self._dirs:
            self._check_parents(name, rel)
        kind = m.type
        mode = m.mode & 0o777
        if kind is TarType.FILE:
            self._make(name, rel, TarType.FILE)
            opened = OpenFile(rel, mode or FILE_MODE)
            if self._left:
                self._file = rel
                self._mtime = m.mtime
                return (opened,)
            return (opened, CloseFile(rel, m.mtime))
        if kind is TarType.DIRECTORY:
            made = self._made.get(rel)
            if made is TarType.SYMLINK:
                raise UnsafeArchiveError(f"folder {name!r} is a symlink")
            if made is not None:
                raise UnsafeArchiveError(f"folder {name!r} would replace a {made.value}")
            self._dirs.add(rel)
            return (MakeDir(rel, mode or DIR_MODE),)
        if kind is TarType.SYMLINK:
            link = m.linkname
            if "\0" in link:
                raise UnsafeArchiveError(f"symlink {name!r} -> {link!r} holds a NUL byte")
            # As written first (a '..' above the destination, even one that resolving
            # would undo), then resolved through the symlinks made before it.
            base = "" if link.startswith("/") else parent
            written = posixpath.normpath(posixpath.join(base, link.lstrip("/")))
            if written == ".." or written.startswith("../"):
                raise UnsafeArchiveError(f"symlink {name!r} -> {link!r} leaves the destination")
            self._make(name, rel, TarType.SYMLINK)
            self._links[rel] = link
            guard = self._guard
            if guard is None:
                guard = self._guard = SymlinkGuard(self._dirs, _made_links(self._links, self._made))
            guard.check(name, rel, link)
            return (Symlink(rel, link),)
        if kind is TarType.HARDLINK:
            link = m.linkname
            target = clean_name(link)
            if target is None:
                raise UnsafeArchiveError(
                    f"hard link {name!r} -> {link!r}: the target {name_fault(link)}"
                )
            if target == rel:
                raise UnsafeArchiveError(f"hard link {name!r} -> {link!r} is to itself")
            if self._made.get(target) is not TarType.FILE:
                raise UnsafeArchiveError(
                    f"hard link {name!r} -> {link!r}: the target is not a regular file"
                    " extracted before it"
                )
            self._make(name, rel, TarType.FILE)
            return (HardLink(rel, target),)
        if kind in NODE_TYPES:
            if not self.devices:
                return (Skip(rel, f"{kind.value} (devices=False)"),)
            self._make(name, rel, kind)
            return (MakeNode(rel, kind, mode, m.devmajor, m.devminor),)
        return (Skip(rel, f"unsupported member type ({kind.value})"),)

    def _check_parents(self, name: str, rel: str) -> None:
        """Every folder on the way to ``rel`` is one (or will be made as one)."""
        path = ""
        for part in rel.split("/")[:-1]:
            path = f"{path}/{part}" if path else part
            if path in self._dirs:
                continue
            made = self._made.get(path)
            if made is TarType.SYMLINK:
                raise UnsafeArchiveError(
                    f"member {name!r} would be written through the symlink {path!r}"
                )
            if made is not None:
                raise UnsafeArchiveError(
                    f"member {name!r} would be written under the {made.value} {path!r}"
                )
            self._dirs.add(path)

    def _make(self, name: str, rel: str, kind: TarType) -> None:
        """``rel`` is now a ``kind`` (a non-folder): never in place of a folder."""
        if rel in self._dirs:
            raise UnsafeArchiveError(f"member {name!r} would replace a folder")
        self._made[rel] = kind

    def _overrun(self) -> str:
        if self._ended:
            return "TarData after the end of the archive"
        if not self._current:
            return "TarData before any member"
        return f"more data than the size of member {self._current!r}"

    def _cut(self, item: object) -> str:
        where = "the items ended" if item is None else f"{type(item).__name__} came"
        return f"{where} with {self._left} bytes of member {self._current!r} still to come"
