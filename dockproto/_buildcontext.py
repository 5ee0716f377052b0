"""A build context: a directory written as the tar stream ``POST /build`` takes, as the
docker CLI writes it; and the build's progress read as the CLI reads it.

``prepare_context(path, dockerfile, token=...)`` checks what a build needs before
anything is sent (a ``ValueError`` for a context or a Dockerfile that is not there, or a
``.dockerignore`` pattern that does not parse) and decides what the CLI decides:

* the Dockerfile: ``Dockerfile`` in the context (else ``dockerfile``, as the CLI looks
  for it too), or the one given, relative to the context; symbolic links resolved;
* ``.dockerignore``'s patterns (``dockproto._dockerignore``), plus exceptions for the
  Dockerfile and ``.dockerignore`` themselves, which are always sent;
* a Dockerfile outside the context is sent inside it, under a generated name
  (``.dockerfile.<token>``, at the end of the archive) that ``.dockerignore`` then lists
  (so that the daemon leaves it out of the image, as the CLI has it): ``dockerfile=``
  names it.

``BuildContext.tar()`` then writes the archive while it walks the directory: a
generator of byte pieces of about ``PIECE`` bytes, each file read when its turn comes,
so that the context is never whole in memory.  The archive is the CLI's: entries in
lexical order, directories as ``name/``, symbolic links as links, hard links to a file
already written as links to it, modes (with setuid, setgid, sticky) and modification
times (whole seconds) as they are, owners 0:0 without names; a left-out directory not
walked unless an exception may send something below it again, and then its own entry
left out.  Headers are ustar, with a PAX record for what ustar cannot hold (a long or
non-ASCII name or link, a size of 8 GiB or more); sockets are left out.

Reading the directory is the one thing here that touches the system: synchronous reads
that the caller paces (a client hands the loop back between pieces).  The token comes
from the caller, so this module holds no randomness and no clock either.

``BuildLog`` reads the progress: the ``stream`` texts (the build's log), ``aux``'s image
id, and the error that ends a failing build, as a ``BuildError`` that carries the log.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from ._dockerignore import DockerIgnore
from ._errors import BuildError

__all__ = [
    "PIECE",
    "BuildContext",
    "BuildLog",
    "context_kind",
    "prepare_context",
    "tar_header",
]

# Pieces of about 256 KiB: few enough sends, little memory (docs in bench/buildcontext.py).
PIECE = 1 << 18
BLOCK = 512
_ZEROS = bytes(BLOCK)
_END = bytes(2 * BLOCK)  # two zero blocks end the archive, as Go's writer ends it

REGULAR, HARDLINK, SYMLINK, CHAR, BLOCKDEV, DIRECTORY, FIFO, PAX = b"0123456x"


def _pax_record(key: bytes, value: bytes) -> bytes:
    """One ``"<length> key=value\\n"`` record, its length counting itself."""
    body = b" " + key + b"=" + value + b"\n"
    n = len(body) + 1
    while len(body) + len(str(n)) != n:
        n = len(body) + len(str(n))
    return str(n).encode() + body


def _split_ustar(name: bytes) -> tuple[bytes, bytes] | None:
    """``name`` as ustar's (prefix, name) when it needs and allows the split (Go's
    ``splitUSTARPath``)."""
    length = len(name)
    if length <= 100 or not name.isascii():
        return None
    if length > 156:
        length = 156
    elif name[length - 1 : length] == b"/":
        length -= 1
    i = name.rfind(b"/", 0, length)
    if i <= 0 or len(name) - i - 1 > 100 or len(name) - i - 1 == 0 or i > 155:
        return None
    return name[:i], name[i + 1 :]


def _octal(value: int, size: int) -> bytes:
    return b"%0*o\0" % (size - 1, value)


def _header(
    name: bytes,
    prefix: bytes,
    mode: int,
    size: int,
    mtime: int,
    kind: int,
    linkname: bytes,
    major: int = 0,
    minor: int = 0,
) -> bytes:
    head = b"".join(
        (
            name.ljust(100, b"\0"),
            _octal(mode, 8),
            b"0000000\0",  # uid 0
            b"0000000\0",  # gid 0
            _octal(size, 12),
            _octal(mtime, 12),
            b"        ",  # the checksum's place, counted as spaces
            bytes((kind,)),
            linkname.ljust(100, b"\0"),
            b"ustar\x0000",
            bytes(64),  # owner and group names: none
            _octal(major, 8),
            _octal(minor, 8),
            prefix.ljust(155, b"\0"),
            bytes(12),
        )
    )
    return head[:148] + b"%06o\0 " % sum(head) + head[156:]


def tar_header(
    name: bytes,
    mode: int,
    size: int,
    mtime: int,
    kind: int = REGULAR,
    linkname: bytes = b"",
    major: int = 0,
    minor: int = 0,
) -> bytes:
    """The header block(s) of one member: ustar, preceded by a PAX header (``x``) for
    what ustar cannot hold.  ``kind`` is the type flag's byte (``ord("0")``...)."""
    records: list[bytes] = []
    prefix = b""
    if len(name) > 100 or not name.isascii():
        split = _split_ustar(name)
        if split is None:
            records.append(_pax_record(b"path", name))
            name = name[:100]
        else:
            prefix, name = split
    if len(linkname) > 100 or not linkname.isascii():
        records.append(_pax_record(b"linkpath", linkname))
        linkname = linkname[:100]
    if not 0 <= size < 8**11:
        records.append(_pax_record(b"size", b"%d" % size))
        size = 0
    if not 0 <= mtime < 8**11:
        records.append(_pax_record(b"mtime", b"%d" % mtime))
        mtime = 0
    head = _header(
        name.rstrip(b"\0")[:100], prefix, mode, size, mtime, kind, linkname, major, minor
    )
    if not records:
        return head
    data = b"".join(records)
    pax = _header(b"././@PaxHeader", b"", 0o644, len(data), 0, PAX, b"")
    return pax + data + _ZEROS[: -len(data) % BLOCK] + head


class BuildContext:
    """A context directory ready to be sent (made by ``prepare_context``).

    ``dockerfile`` is the ``dockerfile=`` to send; ``ignore`` the patterns in force;
    ``written`` counts the bytes ``tar()`` has given so far."""

    def __init__(
        self,
        root: str,
        dockerfile: str,
        ignore: DockerIgnore,
        *,
        extra: tuple[tuple[bytes, bytes], ...] = (),
        dockerignore: bytes | None = None,
        extra_mtime: int = 0,
    ) -> None:
        self.root = root
        self.dockerfile = dockerfile
        self.ignore = ignore
        self._extra = extra  # (name, content) added at the end, mode 0600
        self._dockerignore = dockerignore  # the .dockerignore sent in place of the file's
        self._extra_mtime = extra_mtime
        self.written = 0

    def __repr__(self) -> str:
        return f"BuildContext({self.root!r}, dockerfile={self.dockerfile!r}, {self.ignore!r})"

    def tar(self, piece: int = PIECE) -> Iterator[bytes]:
        """The archive, in pieces of about ``piece`` bytes, each file read in its turn."""
        for data in self._archive(piece):
            self.written += len(data)
            yield data

    def _archive(self, piece: int) -> Iterator[bytes]:
        ignore = self.ignore if self.ignore else None
        buf = bytearray()
        seen: dict[tuple[int, int], bytes] = {}  # (device, inode) -> the name written
        replaced = self._dockerignore
        # Directories still to list: (absolute path, name prefix in the archive, what
        # their match leaves below, whether to list them at all).
        stack: list[Iterator[tuple[bytes, bytes, Any]]] = []
        stack.append(self._entries(os.fsencode(self.root), b"", None))
        while stack:
            try:
                path, rel, info = next(stack[-1])
            except StopIteration:
                stack.pop()
                continue
            st = os.lstat(path)
            mode = st.st_mode
            is_dir = stat.S_ISDIR(mode)
            if ignore is not None:
                text = os.fsdecode(rel)
                skip, info = ignore.match(text, info)
                if skip:
                    if is_dir and ignore.keeps_walking(text):
                        stack.append(self._entries(path, rel + b"/", info))
                    continue
            mtime = int(st.st_mtime)
            perm = stat.S_IMODE(mode)
            if is_dir:
                buf += tar_header(rel + b"/", perm, 0, mtime, DIRECTORY)
                stack.append(self._entries(path, rel + b"/", info))
            elif stat.S_ISREG(mode):
                if st.st_nlink > 1:
                    first = seen.get((st.st_dev, st.st_ino))
                    if first is not None:
                        buf += tar_header(rel, perm, 0, mtime, HARDLINK, first)
                        continue
                    seen[st.st_dev, st.st_ino] = rel
                if replaced is not None and rel == b".dockerignore":
                    buf += tar_header(rel, perm, len(replaced), mtime)
                    buf += replaced + _ZEROS[: -len(replaced) % BLOCK]
                    replaced = None
                elif st.st_size <= piece:
                    buf += tar_header(rel, perm, st.st_size, mtime)
                    buf += _read_all(path, st.st_size)
                    buf += _ZEROS[: -st.st_size % BLOCK]
                else:
                    buf += tar_header(rel, perm, st.st_size, mtime)
                    yield bytes(buf)
                    buf.clear()
                    yield from _read_pieces(path, st.st_size, piece)
                    buf += _ZEROS[: -st.st_size % BLOCK]
            elif stat.S_ISLNK(mode):
                buf += tar_header(rel, perm, 0, mtime, SYMLINK, os.readlink(path))
            elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                kind = CHAR if stat.S_ISCHR(mode) else BLOCKDEV
                major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
                buf += tar_header(rel, perm, 0, mtime, kind, b"", major, minor)
            elif stat.S_ISFIFO(mode):
                buf += tar_header(rel, perm, 0, mtime, FIFO)
            # (sockets are left out, as moby leaves them out)
            if len(buf) >= piece:
                yield bytes(buf)
                buf.clear()
        extra = list(self._extra)
        if replaced is not None:  # (no .dockerignore in the context: one is added)
            extra.append((b".dockerignore", replaced))
        for name, content in sorted(extra):
            buf += tar_header(name, 0o600, len(content), self._extra_mtime)
            buf += content + _ZEROS[: -len(content) % BLOCK]
        buf += _END
        yield bytes(buf)

    @staticmethod
    def _entries(directory: bytes, prefix: bytes, info: Any) -> Iterator[tuple[bytes, bytes, Any]]:
        """A directory's entries in the CLI's order (bytewise by name), as (absolute
        path, name in the archive, the directory's match info)."""
        with os.scandir(directory) as found:
            names = sorted(entry.name for entry in found)
        for name in names:
            yield os.path.join(directory, name), prefix + name, info


def _read_all(path: bytes, size: int) -> bytes:
    """A whole small file: exactly ``size`` bytes (what it had when the header was
    written; an ``OSError`` when it shrank meanwhile)."""
    with open(path, "rb", buffering=0) as f:
        data = f.read(size) if size else b""
        while len(data) < size:
            more = f.read(size - len(data))
            if not more:
                raise OSError(f"{os.fsdecode(path)} shrank while it was read for the build")
            data += more
    return data


def _read_pieces(path: bytes, size: int, piece: int) -> Iterator[bytes]:
    """A big file in pieces, exactly ``size`` bytes in all."""
    with open(path, "rb", buffering=0) as f:
        left = size
        while left:
            data = f.read(min(piece, left))
            if not data:
                raise OSError(f"{os.fsdecode(path)} shrank while it was read for the build")
            left -= len(data)
            yield data


def context_kind(context: Any) -> str:
    """What a build's context is: ``"directory"`` (written as a tar here), ``"file"``
    (a tar, maybe compressed), ``"bytes"``, ``"iterable"`` (of bytes, sync or async),
    ``"none"`` (a ``remote`` build); anything else, or a path that is not there, a
    ``ValueError`` before anything is sent."""
    if context is None:
        return "none"
    if isinstance(context, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(context, (str, os.PathLike)):
        path = os.fspath(context)
        if os.path.isdir(path):
            return "directory"
        if not os.path.exists(path):
            raise ValueError(f"build context {path!r} does not exist")
        return "file"
    if hasattr(context, "__aiter__") or (
        hasattr(context, "__iter__") and not isinstance(context, Mapping)
    ):
        return "iterable"
    raise ValueError(
        "a build context is a directory, a tar (bytes or a file), or an iterable of bytes, "
        f"not {type(context).__name__}"
    )


def _find_dockerfile(root: str, dockerfile: str | os.PathLike[str] | None) -> str:
    if dockerfile is None:
        candidate = os.path.join(root, "Dockerfile")
        if not os.path.lexists(candidate) and os.path.lexists(os.path.join(root, "dockerfile")):
            candidate = os.path.join(root, "dockerfile")
    else:
        candidate = os.path.join(root, os.fspath(dockerfile))
    real = os.path.realpath(candidate)
    if not os.path.exists(real):
        raise ValueError(f"cannot locate the Dockerfile: {candidate!r} does not exist")
    if not os.path.isfile(real):
        raise ValueError(f"the Dockerfile {candidate!r} is not a file")
    return real


def prepare_context(
    path: str | os.PathLike[str],
    dockerfile: str | os.PathLike[str] | None = None,
    *,
    token: str,
) -> BuildContext:
    """A context directory checked and ready to send; nothing of it is read but the
    ``.dockerignore`` (and a Dockerfile outside the context).

    ``dockerfile`` is relative to the context (or absolute).  ``token`` names a
    Dockerfile from outside the context (``.dockerfile.<token[:20]>``): the caller's
    random hex.  A ``ValueError`` for a context that is not a directory, a Dockerfile
    that is not there, or a ``.dockerignore`` pattern that does not parse."""
    given = os.fspath(path)
    root = os.path.realpath(given)
    if not os.path.exists(root):
        raise ValueError(f"build context {given!r} does not exist")
    if not os.path.isdir(root):
        raise ValueError(f"build context {given!r} is not a directory")
    found = _find_dockerfile(root, dockerfile)
    try:
        with open(os.path.join(root, ".dockerignore"), "rb") as f:
            ignore_text: bytes | None = f.read()
    except FileNotFoundError:
        ignore_text = None
    ignore = DockerIgnore.parse(ignore_text, source=os.path.join(given, ".dockerignore"))
    relative = os.path.relpath(found, root)
    if relative != ".." and not relative.startswith("../"):
        relative = relative.replace(os.sep, "/")
        return BuildContext(root, relative, ignore.always_sending(".dockerignore", relative))
    if not token or any(c not in "0123456789abcdef" for c in token):
        raise ValueError(f"token must be lower-case hex, not {token!r}")
    name = f".dockerfile.{token[:20]}"
    with open(found, "rb") as f:
        content = f.read()
    listed = (ignore_text if ignore_text is not None else b".dockerignore") + (
        b"\n" + name.encode() + b"\n"
    )
    return BuildContext(
        root,
        name,
        ignore.always_sending(".dockerignore"),
        extra=((name.encode(), content),),
        dockerignore=listed,
        extra_mtime=int(os.stat(found).st_mtime),
    )


# -- the progress ---------------------------------------------------------------------

# The log a failing build's error carries: its last LOG_LIMIT characters.
LOG_LIMIT = 1 << 20


class BuildLog:
    """A build's progress as it comes: ``feed`` each message's value; ``text`` is the
    log (the ``stream`` texts, the last ``LOG_LIMIT`` characters), ``image_id`` the id
    the daemon gave in ``aux`` (None before)."""

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._parts: deque[str] = deque()
        self._size = 0
        self._limit = limit
        self.cut = 0  # characters dropped from the front
        self.image_id: str | None = None

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def feed(self, value: Any) -> BuildError | None:
        """Take one message; a ``BuildError`` (with the log so far) for a failure."""
        if not isinstance(value, dict):
            return None
        text = value.get("stream")
        if isinstance(text, str) and text:
            self._parts.append(text)
            self._size += len(text)
            while self._size > self._limit and len(self._parts) > 1:
                dropped = self._parts.popleft()
                self._size -= len(dropped)
                self.cut += len(dropped)
        aux = value.get("aux")
        if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
            self.image_id = aux["ID"]
        if not (value.get("error") or value.get("errorDetail")):
            return None
        from ._events import JSONMessage

        failed = JSONMessage(value).exception()
        if failed is None:
            return None
        return BuildError(failed.status_code, failed.message, self.text)
