"""Crafted tar archives for the extraction tests, and a snapshot of the world outside.

``build(members)`` writes members with ``tarfile`` (which writes names as given: absolute,
with ``..``, long ones as GNU 'L'/'K' or pax records) so that every escape an archive
can try is one list of ``M``s.
"""

from __future__ import annotations

import io
import os
import tarfile
from dataclasses import dataclass, field


@dataclass
class M:
    """One member: name, kind ('file', 'dir', 'symlink', 'hardlink', 'chr', 'blk', 'fifo')."""

    name: str
    kind: str = "file"
    data: bytes = b""
    link: str = ""
    mode: int = 0o644
    pax: dict[str, str] = field(default_factory=dict)


_TYPES = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "chr": tarfile.CHRTYPE,
    "blk": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
}


def build(members: list[M], fmt: int = tarfile.GNU_FORMAT) -> bytes:
    """The archive's bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.type = _TYPES[m.kind]
            info.mode = m.mode
            info.linkname = m.link
            info.pax_headers = dict(m.pax)
            if m.kind in ("chr", "blk"):
                info.devmajor, info.devminor = 1, 3
            info.size = len(m.data) if m.kind == "file" else 0
            tf.addfile(info, io.BytesIO(m.data) if m.kind == "file" else None)
    return buf.getvalue()


def snapshot(root: str, skip: str) -> dict[str, tuple[int, bytes | str]]:
    """Every path under ``root`` but ``skip``: its mode, and its bytes or link target."""
    seen: dict[str, tuple[int, bytes | str]] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) != skip]
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            if os.path.islink(path):
                seen[path] = (st.st_mode, os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    seen[path] = (st.st_mode, f.read())
            else:
                seen[path] = (st.st_mode, "")
    return seen
