"""The build context: ``.dockerignore`` as the docker CLI reads it, the tar a directory is
sent as (read back with ``tarfile`` and GNU tar's rules), the progress of a build, and
the credentials a build carries."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import tarfile
from pathlib import Path
from typing import Any

import pytest

import dockproto
from dockproto._buildcontext import (
    PIECE,
    BuildLog,
    context_kind,
    prepare_context,
    tar_header,
)
from dockproto._credentials import CredentialStoreList, all_credentials
from dockproto._dockerignore import DockerIgnore, clean_pattern

TOKEN = "0123456789abcdef0123456789"

# -- .dockerignore: (patterns, path, left out?) ---------------------------------------
# moby/patternmatcher's own table (TestMatches), then the CLI's reading of the file.
MATCHES: list[tuple[list[str], str, bool]] = [
    (["**"], "file", True),
    (["**/"], "file", True),
    (["**"], "dir/file", True),
    (["**/"], "dir/file", True),
    (["**/**"], "dir/file", True),
    (["dir/**"], "dir/file", True),
    (["dir/**"], "dir/dir2/file", True),
    (["**/dir"], "dir", True),
    (["**/dir"], "dir/file", True),
    (["**/dir2/*"], "dir/dir2/file", True),
    (["**/dir2/**"], "dir/dir2/dir3/file", True),
    (["**file"], "file", True),
    (["**file"], "dir/file", True),
    (["**/file"], "dir/file", True),
    (["**file"], "dir/dir/file", True),
    (["**/file"], "dir/dir/file", True),
    (["**/file*"], "dir/dir/file", True),
    (["**/file*"], "dir/dir/file.txt", True),
    (["**/file*txt"], "dir/dir/file.txt", True),
    (["**/file*.txt"], "dir/dir/file.txt", True),
    (["**/file*.txt*"], "dir/dir/file.txt", True),
    (["**/**/*.txt"], "dir/dir/file.txt", True),
    (["**/**/*.txt2"], "dir/dir/file.txt", False),
    (["**/*.txt"], "file.txt", True),
    (["**/**/*.txt"], "file.txt", True),
    (["a**/*.txt"], "a/file.txt", True),
    (["a**/*.txt"], "a/dir/file.txt", True),
    (["a**/*.txt"], "a/dir/dir/file.txt", True),
    (["a/*.txt"], "a/dir/file.txt", False),
    (["a/*.txt"], "a/file.txt", True),
    (["a/*.txt**"], "a/file.txt", True),
    (["a[b-d]e"], "ae", False),
    (["a[b-d]e"], "ace", True),
    (["a[b-d]e"], "aae", False),
    (["a[^b-d]e"], "aze", True),
    ([".*"], ".foo", True),
    ([".*"], "foo", False),
    (["abc.def"], "abcdef", False),
    (["abc.def"], "abc.def", True),
    (["abc.def"], "abcZdef", False),
    (["abc?def"], "abcZdef", True),
    (["abc?def"], "abcdef", False),
    (["abc?def"], "abc/def", False),
    (["a\\\\"], "a\\", True),
    (["**/foo/bar"], "foo/bar", True),
    (["**/foo/bar"], "dir/foo/bar", True),
    (["**/foo/bar"], "dir/dir2/foo/bar", True),
    (["abc/**"], "abc", False),
    (["abc/**"], "abc/def", True),
    (["abc/**"], "abc/def/ghi", True),
    (["**/.foo"], ".foo", True),
    (["**/.foo"], "bar.foo", False),
    (["a(b)c/def"], "a(b)c/def", True),
    (["a(b)c/def"], "a(b)c/xyz", False),
    (["a.|)$(}+{bc"], "a.|)$(}+{bc", True),
    (["dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    (["**", "!util/docker/web"], "util/docker/web/foo", False),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
    (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", False),
    # a pattern matches what is below a directory it matches
    (["build"], "build/x/y.o", True),
    (["*/build"], "src/build/x", True),
    (["*/build"], "build/x", False),
    (["*"], "a/b/c", True),
    # "*" and "?" never cross a "/"; a class may be negated, escaped, hold ranges
    (["*.log"], "a/b.log", False),
    (["*/*.log"], "a/b.log", True),
    (["[a-c]?.txt"], "bx.txt", True),
    (["[a-c]?.txt"], "dx.txt", False),
    (["[^a-c]x"], "dx", True),
    (["[\\]]x"], "]x", True),
    (["[\\-]x"], "-x", True),
    (["[\\-]x"], "ax", False),
    (["[*]"], "*", True),  # (the grammar's meaning: a star, not a wildcard)
    (["[*]"], "x", False),
    (["\\*"], "*", True),
    (["\\*"], "x", False),
    # the last pattern that matches decides; an exception re-includes
    (["*.md", "!README.md"], "README.md", False),
    (["*.md", "!README.md"], "CHANGES.md", True),
    (["*.md", "!README.md", "README*"], "README.md", True),
    (["!x", "x"], "x", True),
    (["x", "!x"], "x", False),
    (["dir", "!dir/keep"], "dir/keep", False),
    (["dir", "!dir/keep"], "dir/other", True),
    (["dir", "!dir/keep"], "dir/keep/deep", False),
    # cleaned as Go cleans paths
    (["./a//b/"], "a/b", True),
    (["a/../b"], "b", True),
    (["a/./b"], "a/b", True),
    (["../x"], "x", False),
]


@pytest.mark.parametrize("patterns,path,left_out", MATCHES, ids=[f"{m[0]}-{m[1]}" for m in MATCHES])
def test_matches_table(patterns: list[str], path: str, left_out: bool) -> None:
    """Each pattern list leaves the path out (or not) as moby's matcher does."""
    assert DockerIgnore.of(patterns).matches(path) is left_out


@pytest.mark.parametrize("patterns,path,left_out", MATCHES, ids=[f"{m[0]}-{m[1]}" for m in MATCHES])
def test_walk_matches_like_the_whole_match(patterns: list[str], path: str, left_out: bool) -> None:
    """Matching down a walk, each level from its parent's result, agrees with matching
    the whole path at once, on moby's table."""
    ignore = DockerIgnore.of(patterns)
    info = None
    parts = path.split("/")
    result = False
    for depth in range(1, len(parts) + 1):
        result, info = ignore.match("/".join(parts[:depth]), info)
    assert result is left_out


FILE_LINES: list[tuple[str, str]] = [
    ("# a comment", ""),
    ("  # not a comment", "# not a comment"),  # (only a line starting with # is one)
    ("#!important", ""),
    ("", ""),
    ("   ", ""),
    ("  spaced  ", "spaced"),
    ("/abs/path", "abs/path"),
    ("./rel", "rel"),
    ("dir/", "dir"),
    ("a//b", "a/b"),
    ("!/abs", "!abs"),
    ("! spaced", "!spaced"),
    ("!./x/../y", "!y"),
    ("/", "/"),
    ("\\#not-a-comment", "\\#not-a-comment"),
]


@pytest.mark.parametrize("line,kept", FILE_LINES)
def test_file_lines(line: str, kept: str) -> None:
    """A line of the file, as the CLI's reader keeps it."""
    assert clean_pattern(line) == kept


def test_parse_file() -> None:
    """A whole file: BOM, CRLF line ends, comments and blanks dropped, order kept."""
    text = "\ufeff# build output\r\nbuild\r\n\r\n*.log\n!keep.log\n  /tmp/  \n"
    ignore = DockerIgnore.parse(text.encode())
    assert [(p.text, p.exclusion) for p in ignore.patterns] == [
        ("build", False),
        ("*.log", False),
        ("keep.log", True),
        ("tmp", False),
    ]
    assert ignore.exclusions and ignore.matches("build/x") and not ignore.matches("keep.log")
    assert not DockerIgnore.parse(None) and not DockerIgnore.parse("# nothing\n")


BAD_LINES = ["[", "a[", "[a-", "[a-]", "[]", "[^]", "[]a]", "x\\", "!", "[-a]", "[z-a]"]


@pytest.mark.parametrize("bad", BAD_LINES)
def test_bad_pattern_names_the_line(bad: str) -> None:
    """A pattern that does not parse is a ValueError naming the file, the line's number
    and its text."""
    text = f"# first\nok\n{bad}\n"
    with pytest.raises(ValueError) as info:
        DockerIgnore.parse(text, source="ctx/.dockerignore")
    message = str(info.value)
    assert "ctx/.dockerignore line 3" in message and repr(bad) in message


def test_keeps_walking_is_moby_literal_check() -> None:
    """A left-out directory is walked only when an exception's text starts with it."""
    ignore = DockerIgnore.of(["dir", "other", "!dir/keep", "!*/x"])
    assert ignore.keeps_walking("dir")
    assert not ignore.keeps_walking("other")  # ("!*/x" could match other/x: moby prunes)
    assert not ignore.keeps_walking("di")
    assert not DockerIgnore.of(["dir"]).keeps_walking("dir")


def test_always_sending() -> None:
    """The Dockerfile and .dockerignore get an exception only when they are left out."""
    ignore = DockerIgnore.of(["*", "!src"])
    kept = ignore.always_sending(".dockerignore", "Dockerfile")
    assert [p.text for p in kept.patterns][-2:] == [".dockerignore", "Dockerfile"]
    assert not kept.matches("Dockerfile") and kept.matches("other")
    same = DockerIgnore.of(["*.log"])
    assert same.always_sending("Dockerfile") is same


# -- the tar of a directory -------------------------------------------------------------


class Member:
    """A member read back: its ``TarInfo``'s attributes, and ``content`` for a file."""

    def __init__(self, info: tarfile.TarInfo, content: bytes) -> None:
        self.info = info
        self.content = content

    def __getattr__(self, name: str) -> Any:
        return getattr(self.info, name)


def members(ctx: dockproto._buildcontext.BuildContext, piece: int = PIECE) -> list[Any]:
    """The archive ``ctx`` writes, read back by ``tarfile``."""
    data = b"".join(ctx.tar(piece))
    assert ctx.written == len(data) and len(data) % 512 == 0
    found = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for info in tar.getmembers():
            f = tar.extractfile(info) if info.isfile() else None
            found.append(Member(info, f.read() if f is not None else b""))
    return found


def names(ctx: dockproto._buildcontext.BuildContext) -> list[str]:
    return [m.name + ("/" if m.isdir() else "") for m in members(ctx)]


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith("/"):
            path.mkdir(exist_ok=True)
        else:
            path.write_text(content)
    return root


def test_tar_keeps_links_modes_times(tmp_path: Path) -> None:
    """Entries in bytewise order; directories, symlinks (to a directory too, never
    followed), hard links, a fifo; modes with setuid, whole-second mtimes; owners 0:0
    without names; a socket left out."""
    tree(tmp_path, {"Dockerfile": "FROM x\n", "b/inner": "in", "a.txt": "hi", "B": "upper"})
    os.chmod(tmp_path / "a.txt", 0o4751)
    os.utime(tmp_path / "b" / "inner", (0, 981173106.75))
    os.symlink("a.txt", tmp_path / "link")
    os.symlink("b", tmp_path / "dirlink")
    os.link(tmp_path / "a.txt", tmp_path / "hard")
    os.mkfifo(tmp_path / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    try:
        found = {m.name: m for m in members(prepare_context(tmp_path, token=TOKEN))}
    finally:
        sock.close()
    assert list(found) == [
        "B",
        "Dockerfile",
        "a.txt",
        "b",
        "b/inner",
        "dirlink",
        "fifo",
        "hard",
        "link",
    ]
    assert found["a.txt"].mode == 0o4751 and found["a.txt"].content == b"hi"
    assert found["b"].isdir() and found["b/inner"].mtime == 981173106
    assert found["link"].issym() and found["link"].linkname == "a.txt"
    assert found["dirlink"].issym() and found["dirlink"].linkname == "b"
    assert found["hard"].islnk() and found["hard"].linkname == "a.txt"
    assert found["fifo"].isfifo()
    assert {(m.uid, m.gid, m.uname, m.gname) for m in found.values()} == {(0, 0, "", "")}


def test_tar_long_and_odd_names(tmp_path: Path) -> None:
    """Names past ustar's 100 bytes (split in prefix and name, or in a PAX record), a
    long link target, non-ASCII and non-UTF-8 names arrive unchanged."""
    deep = "d" * 90 + "/" + "e" * 60
    longest = "n" * 200
    tree(tmp_path, {"Dockerfile": "FROM x\n", deep + "/f": "x", longest: "y", "ünï": "z"})
    os.symlink("t" * 150, tmp_path / "longlink")
    odd = os.fsencode(tmp_path) + b"/bad-\xff"
    with open(odd, "wb") as f:
        f.write(b"w")
    found = {m.name: m for m in members(prepare_context(tmp_path, token=TOKEN))}
    assert found[deep + "/f"].content == b"x" and found[longest].content == b"y"
    assert found["ünï"].content == b"z"
    assert found["longlink"].linkname == "t" * 150
    assert os.fsencode("bad-\udcff") == b"bad-\xff"
    assert any(name.encode("utf-8", "surrogateescape") == b"bad-\xff" for name in found)


def test_tar_pieces_stay_small(tmp_path: Path) -> None:
    """A big file goes out in pieces of at most ``piece`` bytes, small ones are
    gathered: no piece is much bigger than asked, whatever the files."""
    tree(tmp_path, {"Dockerfile": "FROM x\n", **{f"s{i}": "x" * i for i in range(50)}})
    (tmp_path / "big").write_bytes(os.urandom(300_000))
    ctx = prepare_context(tmp_path, token=TOKEN)
    pieces = list(ctx.tar(piece=4096))
    assert max(len(p) for p in pieces) <= 2 * 4096 + 1024
    data = b"".join(pieces)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        big = tar.extractfile("big")
        assert big is not None and big.read() == (tmp_path / "big").read_bytes()


def test_tar_is_read_lazily(tmp_path: Path) -> None:
    """Nothing is read before the first piece is asked for, and a file is read when its
    turn comes: a file removed after the start but before its turn is an error then."""
    tree(tmp_path, {"Dockerfile": "FROM x\n", "a": "a" * 5000, "z": "late"})
    ctx = prepare_context(tmp_path, token=TOKEN)
    pieces = ctx.tar(piece=1024)
    (tmp_path / "a").write_text("changed before the start")
    first, second = next(pieces), next(pieces)  # (the Dockerfile's, then a's)
    assert b"FROM x" in first and b"changed before the start" in second
    (tmp_path / "z").unlink()
    with pytest.raises(FileNotFoundError):
        list(pieces)


def test_tar_file_that_shrinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file shorter when read than its header said is an OSError naming it, never a
    short member."""
    tree(tmp_path, {"Dockerfile": "FROM x\n", "f": "abc"})
    real = os.lstat

    def lying_lstat(path: Any) -> os.stat_result:
        st = real(path)
        if os.fsdecode(path).endswith("/f"):
            fields = list(st)
            fields[stat.ST_SIZE] = 10
            return os.stat_result(fields)
        return st

    monkeypatch.setattr("dockproto._buildcontext.os.lstat", lying_lstat)
    with pytest.raises(OSError, match="f shrank"):
        list(prepare_context(tmp_path, token=TOKEN).tar())


# (tree, .dockerignore, expected names in the archive)
IGNORED: list[tuple[str, list[str], str, list[str]]] = [
    (
        "no dockerignore",
        ["Dockerfile", "a", "d/x"],
        "",
        ["Dockerfile", "a", "d/", "d/x"],
    ),
    (
        "file and dir",
        ["Dockerfile", "a", "b", "d/x", "d/y"],
        "b\nd\n",
        [".dockerignore", "Dockerfile", "a"],
    ),
    (
        "exception below a left-out dir: the dir's entry stays out",
        ["Dockerfile", "d/keep", "d/other", "d/sub/keep"],
        "d\n!d/keep\n",
        [".dockerignore", "Dockerfile", "d/keep"],
    ),
    (
        "everything, Dockerfile and .dockerignore still sent",
        ["Dockerfile", "a", "d/x"],
        "*\n",
        [".dockerignore", "Dockerfile"],
    ),
    (
        "themselves listed",
        ["Dockerfile", "a"],
        "Dockerfile\n.dockerignore\n",
        [".dockerignore", "Dockerfile", "a"],
    ),
    (
        "globs and exceptions",
        ["Dockerfile", "x.log", "keep.log", "s/y.log", "s/z.txt"],
        "*.log\n**/*.log\n!keep.log\n",
        [".dockerignore", "Dockerfile", "keep.log", "s/", "s/z.txt"],
    ),
]


@pytest.mark.parametrize(
    "files,text,expected", [c[1:] for c in IGNORED], ids=[c[0] for c in IGNORED]
)
def test_dockerignore_in_the_tar(
    tmp_path: Path, files: list[str], text: str, expected: list[str]
) -> None:
    """What the archive holds once .dockerignore has left things out."""
    tree(tmp_path, {name: name for name in files})
    if text:
        (tmp_path / ".dockerignore").write_text(text)
    assert names(prepare_context(tmp_path, token=TOKEN)) == expected


def test_left_out_dir_is_not_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A left-out directory that no exception may reopen is never listed."""
    tree(tmp_path, {"Dockerfile": "x", "node_modules/a/b": "x", "src/c": "x"})
    (tmp_path / ".dockerignore").write_text("node_modules\n!src/c\n")
    listed: list[str] = []
    real = os.scandir

    def scandir(path: Any) -> Any:
        listed.append(os.fsdecode(path))
        return real(path)

    monkeypatch.setattr("dockproto._buildcontext.os.scandir", scandir)
    assert "node_modules/" not in names(prepare_context(tmp_path, token=TOKEN))
    assert not any("node_modules" in p for p in listed), listed


def test_dockerfile_in_a_left_out_dir(tmp_path: Path) -> None:
    """A Dockerfile in a left-out directory is sent all the same, and named."""
    tree(tmp_path, {"build/Dockerfile": "FROM x\n", "build/other": "x", "a": "x"})
    (tmp_path / ".dockerignore").write_text("build\n")
    ctx = prepare_context(tmp_path, "build/Dockerfile", token=TOKEN)
    assert ctx.dockerfile == "build/Dockerfile"
    assert names(ctx) == [".dockerignore", "a", "build/Dockerfile"]


def test_dockerfile_lowercase_and_symlinked(tmp_path: Path) -> None:
    """Without a Dockerfile, ``dockerfile`` is found as the CLI finds it; a Dockerfile
    given as a symbolic link is named by its target."""
    tree(tmp_path, {"dockerfile": "FROM x\n", "real/Df": "FROM y\n"})
    assert prepare_context(tmp_path, token=TOKEN).dockerfile == "dockerfile"
    os.symlink("real/Df", tmp_path / "Dockerfile")
    assert prepare_context(tmp_path, token=TOKEN).dockerfile == "real/Df"
    assert prepare_context(tmp_path, tmp_path / "real" / "Df", token=TOKEN).dockerfile == "real/Df"


def test_dockerfile_outside_the_context(tmp_path: Path) -> None:
    """A Dockerfile outside the context goes in at the end under a generated name, mode
    0600, with its mtime; .dockerignore (the file's, or a new one) lists that name."""
    ctx_dir = tree(tmp_path / "ctx", {"a": "x", ".dockerignore": "# mine\nb"})
    (tmp_path / "ctx" / "b").write_text("left out")
    outside = tmp_path / "elsewhere" / "Build.df"
    outside.parent.mkdir()
    outside.write_text("FROM outside\n")
    os.utime(outside, (0, 1_500_000_000))
    ctx = prepare_context(ctx_dir, outside, token=TOKEN)
    assert ctx.dockerfile == ".dockerfile." + TOKEN[:20]
    found = members(ctx)
    assert [m.name for m in found] == [".dockerignore", "a", ctx.dockerfile]
    assert found[0].content == b"# mine\nb\n" + ctx.dockerfile.encode() + b"\n"
    last = found[-1]
    assert (last.mode, last.mtime, last.content) == (0o600, 1_500_000_000, b"FROM outside\n")
    (ctx_dir / ".dockerignore").unlink()
    bare = prepare_context(ctx_dir, outside, token=TOKEN)
    found = members(bare)
    assert [m.name for m in found] == ["a", "b", bare.dockerfile, ".dockerignore"]
    assert found[-1].content == b".dockerignore\n" + bare.dockerfile.encode() + b"\n"


def test_what_is_not_there(tmp_path: Path) -> None:
    """A context or a Dockerfile that is not there (or not of its kind) is a ValueError
    before anything is read; so is a bad .dockerignore, naming the file and line."""
    tree(tmp_path, {"Dockerfile": "FROM x\n", "file": "x", "dir/": ""})
    with pytest.raises(ValueError, match="does not exist"):
        prepare_context(tmp_path / "nope", token=TOKEN)
    with pytest.raises(ValueError, match="not a directory"):
        prepare_context(tmp_path / "file", token=TOKEN)
    with pytest.raises(ValueError, match="cannot locate the Dockerfile"):
        prepare_context(tmp_path, "Nope.df", token=TOKEN)
    with pytest.raises(ValueError, match="cannot locate the Dockerfile"):
        prepare_context(tmp_path / "dir", token=TOKEN)
    with pytest.raises(ValueError, match="not a file"):
        prepare_context(tmp_path, "dir", token=TOKEN)
    (tmp_path / ".dockerignore").write_text("ok\n[oops\n")
    with pytest.raises(ValueError, match=r"\.dockerignore line 2: bad pattern '\[oops'"):
        prepare_context(tmp_path, token=TOKEN)


def test_context_kind(tmp_path: Path) -> None:
    """What a build's context is, decided before anything is sent."""
    (tmp_path / "c.tar").write_bytes(b"")
    assert context_kind(tmp_path) == "directory"
    assert context_kind(str(tmp_path / "c.tar")) == "file"
    assert context_kind(b"tar") == "bytes"
    assert context_kind(iter([b"x"])) == "iterable"
    assert context_kind(None) == "none"
    with pytest.raises(ValueError, match="does not exist"):
        context_kind(tmp_path / "nope.tar")
    with pytest.raises(ValueError, match="not dict"):
        context_kind({"a": 1})


def test_tar_header_pax_records() -> None:
    """What ustar cannot hold goes in a PAX header before it: a size of 8 GiB, a name
    too long to split; each record's length counts itself (across a digit boundary)."""
    head = tar_header(b"n" * 300, 0o644, 8**11, 0)
    assert len(head) % 512 == 0 and len(head) >= 1024
    info = tarfile.TarInfo.frombuf(head[:512], "utf-8", "surrogateescape")
    assert info.type == tarfile.XHDTYPE
    records = head[512 : 512 + info.size]
    for record in records.splitlines(keepends=True):
        length, _, _ = record.partition(b" ")
        assert int(length) == len(record)
    assert b" path=" + b"n" * 300 + b"\n" in records and b" size=8589934592\n" in records
    for size in range(1, 200):  # (the record's length crosses 9 -> 10 and 99 -> 100)
        rec = dockproto._buildcontext._pax_record(b"k", b"v" * size)
        assert int(rec.split(b" ")[0]) == len(rec)


# -- the progress -------------------------------------------------------------------------


def test_build_log_failure_carries_the_log() -> None:
    """The ``stream`` texts are the log; aux names the image; an error gives a
    BuildError with the daemon's message, its code, and the log up to it."""
    log = BuildLog()
    assert log.feed({"stream": "Step 1/2 : FROM x\n"}) is None
    assert log.feed({"aux": {"ID": "sha256:abc"}}) is None and log.image_id == "sha256:abc"
    assert log.feed({"stream": "before\n"}) is None
    failed = log.feed(
        {"errorDetail": {"code": 1, "message": "The command returned 1"}, "error": "x"}
    )
    assert isinstance(failed, dockproto.BuildError)
    assert isinstance(failed, dockproto.StreamError) and isinstance(failed, dockproto.DockerError)
    assert failed.message == "The command returned 1" and failed.status_code == 1
    assert failed.log == "Step 1/2 : FROM x\nbefore\n"
    podman = BuildLog().feed({"error": "building at STEP 2: exit status 1\n"})
    assert podman is not None and podman.status_code == 500 and podman.log == ""
    assert BuildLog().feed("not a dict") is None


def test_build_log_keeps_its_tail() -> None:
    """A long log keeps its last ``limit`` characters (whole messages)."""
    log = BuildLog(limit=100)
    for i in range(100):
        log.feed({"stream": f"line {i:03}\n"})
    assert log.text.endswith("line 099\n") and len(log.text) <= 100
    assert log.cut + len(log.text) == 900


# -- the credentials a build carries -----------------------------------------------------


def test_all_credentials() -> None:
    """auths entries decoded (none when a store holds them), the store to list, a
    helper call per credHelpers registry."""
    import base64

    auth = base64.b64encode(b"u:pw").decode()
    plain = all_credentials(
        json.dumps(
            {
                "auths": {"reg:5000": {"auth": auth}, "tok.io": {"identitytoken": "t"}, "e": {}},
                "credHelpers": {"ghcr.io": "gh"},
            }
        )
    )
    assert dict(plain.stored) == {
        "reg:5000": {"username": "u", "password": "pw", "serveraddress": "reg:5000"},
        "tok.io": {"identitytoken": "t", "serveraddress": "tok.io"},
    }
    assert plain.store is None
    assert [(c.argv, c.stdin) for c in plain.helpers] == [
        (("docker-credential-gh", "get"), b"ghcr.io")
    ]
    stored = all_credentials({"credsStore": "desktop", "auths": {"reg:5000": {"auth": auth}}})
    assert stored.stored == {} and stored.store is not None
    assert stored.store.argv == ("docker-credential-desktop", "list")
    assert stored.store.answer(0, b'{"https://index.docker.io/v1/": "u", "r:1": "v"}') == [
        "https://index.docker.io/v1/",
        "r:1",
    ]
    assert stored.store.get("r:1").stdin == b"r:1"


def test_store_list_errors_never_quote() -> None:
    """A store's failed or garbled list is a CredentialError that never quotes it."""
    store = CredentialStoreList("x")
    with pytest.raises(dockproto.CredentialError, match=r"list failed \(1\)"):
        store.answer(1, b"secret-ish")
    with pytest.raises(dockproto.CredentialError, match="not JSON") as info:
        store.answer(0, b"secret-ish")
    assert "secret-ish" not in str(info.value)
