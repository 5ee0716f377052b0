"""Safe extraction of a streamed tar into a folder.

Rules, checked member by member before anything is written:

* a name that is absolute, or holds a ``..`` component, is refused;
* nothing is ever written through a symlink: every parent folder of a member is checked
  with ``lstat`` (so a symlink the archive itself created cannot be used to escape), and
  files are opened with ``O_NOFOLLOW``;
* symlinks are made as they are and never followed while extracting; an absolute target
  is taken as relative to ``dest`` (as in a container's root filesystem, where
  ``bin/sh -> /bin/busybox`` is normal), and a relative target that climbs out of
  ``dest`` with ``..`` is refused;
* a hard link whose target is not a regular file already extracted inside ``dest`` is
  refused;
* device nodes and FIFOs are skipped unless ``devices=True`` (and then made only as root);
* modes keep the permission bits only (no setuid, setgid or sticky bits).

A refused member raises ``UnsafeArchiveError``; what was written before it stays, all of
it inside ``dest``.
"""

from __future__ import annotations

import os
import posixpath
import stat
from typing import Any

from dockproto import EndOfArchive, TarData, TarMember, TarType, UnsafeArchiveError


def _clean_name(name: str) -> str:
    if name.startswith("/"):
        raise UnsafeArchiveError(f"absolute member name {name!r}")
    norm = posixpath.normpath(name)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts or norm.startswith(".."):
        raise UnsafeArchiveError(f"member name escapes the destination: {name!r}")
    return "" if norm == "." else norm


def _check_parents(root: str, rel: str) -> None:
    """Every folder between ``root`` and ``rel`` is a real folder, never a symlink."""
    path = root
    for part in rel.split("/")[:-1]:
        path = os.path.join(path, part)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            os.mkdir(path, 0o755)
            continue
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            raise UnsafeArchiveError(f"{rel!r} would be written through {path!r}")


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def extract_items(items: Any, dest: str, *, devices: bool = False) -> list[str]:
    """Write the tar items of ``items`` (an async iterator) under ``dest``."""
    root = os.path.realpath(dest)
    os.makedirs(root, exist_ok=True)
    written: list[str] = []
    fd = -1
    try:
        for item in items:
            if isinstance(item, TarData):
                if fd >= 0:
                    os.write(fd, item.data)
                continue
            if fd >= 0:
                os.close(fd)
                fd = -1
            if isinstance(item, EndOfArchive):
                break
            assert isinstance(item, TarMember)
            rel = _clean_name(item.name)
            if not rel:
                continue
            _check_parents(root, rel)
            target = os.path.join(root, rel)
            mode = item.mode & 0o777
            if item.type is TarType.DIRECTORY:
                if os.path.islink(target):
                    raise UnsafeArchiveError(f"folder {rel!r} is a symlink")
                os.makedirs(target, mode or 0o755, exist_ok=True)
            elif item.type is TarType.FILE:
                if os.path.lexists(target) and not os.path.isdir(target):
                    os.unlink(target)
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                fd = os.open(target, flags | getattr(os, "O_CLOEXEC", 0), mode or 0o644)
            elif item.type is TarType.SYMLINK:
                link = item.linkname
                base = "" if link.startswith("/") else posixpath.dirname(rel)
                resolved = posixpath.normpath(posixpath.join(base, link.lstrip("/")))
                if resolved.startswith(".."):
                    raise UnsafeArchiveError(f"symlink {rel!r} -> {link!r} leaves the destination")
                if os.path.lexists(target):
                    os.unlink(target)
                os.symlink(link, target)
            elif item.type is TarType.HARDLINK:
                src_rel = _clean_name(item.linkname)
                src = os.path.join(root, src_rel)
                st = os.lstat(src) if os.path.lexists(src) else None
                # realpath: a parent of the source may be a symlink the archive made.
                inside = _inside(root, os.path.realpath(src))
                if st is None or not stat.S_ISREG(st.st_mode) or not inside:
                    raise UnsafeArchiveError(f"hard link {rel!r} -> {item.linkname!r} is unsafe")
                if os.path.lexists(target):
                    os.unlink(target)
                os.link(src, target, follow_symlinks=False)
            elif item.type in (TarType.CHARDEV, TarType.BLOCKDEV, TarType.FIFO):
                if not devices:
                    continue
                kind = {
                    TarType.CHARDEV: stat.S_IFCHR,
                    TarType.BLOCKDEV: stat.S_IFBLK,
                    TarType.FIFO: stat.S_IFIFO,
                }[item.type]
                os.mknod(target, kind | mode, os.makedev(item.devmajor, item.devminor))
            else:
                continue
            written.append(rel)
    finally:
        if fd >= 0:
            os.close(fd)
    return written


class Extractor:  # temporary shim until the extraction plan lands
    def __init__(self, dest: str, *, devices: bool = False) -> None:
        self.dest, self.devices, self.items = dest, devices, []

    def feed(self, item: Any) -> None:
        self.items.append(item)

    def close(self) -> list[str]:
        return extract_items(self.items, self.dest, devices=self.devices)
