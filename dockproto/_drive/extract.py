"""Safe extraction of a streamed tar into a folder: ``dockproto._extraction``'s plan,
carried out with ``os`` calls.

Every client's ``TarStream.extract`` is this loop (no I/O here but the folder's)::

    extractor = Extractor(dest, devices=devices)
    try:
        for item in stream:            # (async for, in the async clients)
            extractor.feed(item)
        return extractor.close()       # the names written, in order
    finally:
        extractor.abort()              # (does nothing after close)

``ExtractionPlan`` decides what to make from the archive alone (the rules are in its
module).  What it cannot know is what the folder held before, so here, on disk:

* nothing is ever written through a symlink: every folder on the way to a member is
  checked with ``lstat`` (a missing one is made, 0o755), files are opened with
  ``O_NOFOLLOW | O_CREAT | O_EXCL``, and a file, symlink or hard link replaces a
  non-folder of its name (unlinked, never followed) instead of writing into it;
* a folder member whose name is a symlink on disk is refused;
* a symlink's target is resolved again on disk, by the plan's own rule
  (``SymlinkGuard``, looking paths up with ``readlink``), so that symlinks the folder
  held before count too: refused if it (or an earlier symlink of this extraction,
  because of it) would leave the folder, before it is made.  Not ``os.path.realpath``:
  that would follow an absolute link (``var/run -> /run``) on the host instead of from
  the folder, refusing sound root filesystems, or judging them by the host's files.
  (A symlink the folder held before that a new one sends elsewhere is not resolved
  again: only a scan of the whole folder would find them.)
* a hard link's target must be a regular file (``lstat``) whose real path is inside
  the folder;
* modes are given to ``open``, ``mkdir`` and ``mknod`` (the umask applies); files are
  not ``chmod``-ed nor their times set (the plan's ``CloseFile.mtime`` is left unused).

A folder seen as a real folder once is remembered and not checked again: nothing here
ever removes or replaces a folder (``unlink`` refuses one, and the plan refuses any
member in place of a folder it made or went through), so it stays one.  For a tar of
many small files in a few folders this leaves one ``open``, ``write`` and ``close`` per
file.

A refused member raises ``UnsafeArchiveError``; what was written before it stays, all of
it inside ``dest``.  Any error in ``feed`` closes the open file, and the extractor with
it; ``abort()`` does the same for an error met elsewhere (the stream's), and so does
the garbage collector as a last resort.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable

from dockproto._errors import UnsafeArchiveError
from dockproto._events import TarType
from dockproto._extraction import (
    Action,
    CloseFile,
    ExtractionPlan,
    HardLink,
    MakeDir,
    OpenFile,
    Skip,
    Symlink,
    SymlinkGuard,
    WriteData,
)

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_NO_LINK = frozenset((errno.EINVAL, errno.ENOENT, errno.ENOTDIR))  # readlink: not a symlink
_NODE_KINDS = {
    TarType.CHARDEV: stat.S_IFCHR,
    TarType.BLOCKDEV: stat.S_IFBLK,
    TarType.FIFO: stat.S_IFIFO,
}


class Extractor:
    """Write a tar's items under ``dest`` (made if missing), refusing any member that
    would land outside it.

    ``feed(item)`` carries out one ``TarMember``, ``TarData`` or ``EndOfArchive``;
    ``close()`` returns the names written (relative to ``dest``, in order; a name
    written twice is listed twice) and raises ``ProtocolError`` if the items ended in
    the middle of a member's data.  Device nodes and FIFOs are made only with
    ``devices=True`` (device nodes need root).
    """

    __slots__ = ("_closed", "_dirs", "_fd", "_links", "_plan", "_prefix", "_written")

    def __init__(self, dest: str, *, devices: bool = False) -> None:
        root = os.path.realpath(dest)
        os.makedirs(root, exist_ok=True)
        self._prefix = root.rstrip(os.sep) + os.sep
        self._plan = ExtractionPlan(devices=devices)
        self._dirs: set[str] = {""}  # relative paths seen (or made) as real folders
        self._links: SymlinkGuard | None = None  # (made at the first symlink)
        self._fd = -1  # the file being written
        self._written: list[str] = []
        self._closed = False

    def feed(self, item: object) -> None:
        """Carry out ``item``: ``UnsafeArchiveError`` if it is refused (nothing of it is
        written, but missing folders on its way), ``ProtocolError`` if it does not fit
        the items before it."""
        if self._closed:
            raise ValueError("feed() on a closed Extractor")
        try:
            for action in self._plan.feed(item):
                # The data of small files first: most items are their TarData.
                if isinstance(action, WriteData):
                    data = action.data
                    written = os.write(self._fd, data)
                    if written < len(data):
                        self._write_rest(data, written)
                elif isinstance(action, CloseFile):
                    fd, self._fd = self._fd, -1
                    os.close(fd)
                else:
                    self._apply(action)
        except BaseException:
            self.abort()
            raise

    def close(self) -> list[str]:
        """The names written; ``ProtocolError`` if a member's data was cut short (the
        open file is closed all the same, and what was written of it stays)."""
        self.abort()
        self._plan.close()
        return self._written

    def abort(self) -> None:
        """Close the open file, if any, and the extractor (what was written stays)."""
        self._closed = True
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __del__(self) -> None:
        # (a client that neither closed nor aborted: the file descriptor is not leaked)
        if getattr(self, "_fd", -1) >= 0:
            self.abort()

    def _write_rest(self, data: bytes, done: int) -> None:
        view = memoryview(data)
        while done < len(view):
            done += os.write(self._fd, view[done:])

    def _apply(self, action: Action) -> None:
        """Carry out one action of the plan (``feed`` does the data's itself)."""
        if isinstance(action, WriteData):
            written = os.write(self._fd, action.data)
            if written < len(action.data):
                self._write_rest(action.data, written)
            return
        if isinstance(action, CloseFile):
            fd, self._fd = self._fd, -1
            os.close(fd)
            return
        if isinstance(action, Skip):
            return
        rel = action.rel
        if rel.rpartition("/")[0] not in self._dirs:
            self._check_parents(rel)
        path = self._prefix + rel
        if isinstance(action, OpenFile):
            try:
                fd = os.open(path, _OPEN_FLAGS, action.mode)
            except FileExistsError:
                if stat.S_ISDIR(os.lstat(path).st_mode):
                    raise
                os.unlink(path)  # (a link to elsewhere: replaced, not written through)
                fd = os.open(path, _OPEN_FLAGS, action.mode)
            self._fd = fd
        elif isinstance(action, MakeDir):
            try:
                os.mkdir(path, action.mode)
            except FileExistsError:
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode):
                    raise UnsafeArchiveError(f"folder {rel!r} is a symlink") from None
                if not stat.S_ISDIR(mode):
                    raise
            self._dirs.add(rel)
        elif isinstance(action, Symlink):
            links = self._links
            if links is None:
                links = self._links = SymlinkGuard(self._dirs, _readlink_under(self._prefix))
            links.check(rel, rel, action.target)
            try:
                os.symlink(action.target, path)
            except FileExistsError:
                os.unlink(path)  # (a folder: IsADirectoryError)
                os.symlink(action.target, path)
        elif isinstance(action, HardLink):
            source = self._prefix + action.target
            try:
                regular = stat.S_ISREG(os.lstat(source).st_mode)
            except FileNotFoundError:
                regular = False
            # realpath: a folder on the way to the source may be a symlink.
            real = os.path.realpath(source)
            if not regular or not real.startswith(self._prefix):
                raise UnsafeArchiveError(f"hard link {rel!r} -> {action.target!r} is unsafe")
            try:
                os.link(source, path, follow_symlinks=False)
            except FileExistsError:
                os.unlink(path)
                os.link(source, path, follow_symlinks=False)
        else:
            device = os.makedev(action.devmajor, action.devminor)
            os.mknod(path, _NODE_KINDS[action.type] | action.mode, device)
        self._written.append(rel)

    def _check_parents(self, rel: str) -> None:
        """Every folder between the root and ``rel`` is a real folder, never a symlink;
        a missing one is made."""
        path = ""
        for part in rel.split("/")[:-1]:
            path = f"{path}/{part}" if path else part
            if path in self._dirs:
                continue
            full = self._prefix + path
            try:
                mode = os.lstat(full).st_mode
            except FileNotFoundError:
                os.mkdir(full, 0o755)
            else:
                if not stat.S_ISDIR(mode):  # (lstat: a symlink to a folder is not one)
                    raise UnsafeArchiveError(f"{rel!r} would be written through {full!r}")
            self._dirs.add(path)


def _readlink_under(prefix: str) -> Callable[[str], str | None]:
    """The target of the symlink at a path under ``prefix`` (None: not a symlink), for
    ``SymlinkGuard`` (a function of the prefix alone: no cycle through the extractor,
    whose ``__del__`` must run as soon as it is dropped)."""

    def readlink(rel: str) -> str | None:
        try:
            return os.readlink(prefix + rel)
        except OSError as e:
            if e.errno in _NO_LINK:
                return None
            raise

    return readlink
