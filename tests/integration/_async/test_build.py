"""``images.build`` on every client and both engines (podman builds with buildah): a
multi-stage build stopped at a ``target`` with build args and labels; a context
directory whose ``.dockerignore`` leaves out a large file (never sent: the bytes on the
wire say so), with symlinks, modes and times kept and a Dockerfile from outside it; a
failing ``RUN`` (``BuildError`` with the log); a context or Dockerfile that is not
there (nothing sent); tars given as bytes, a file and iterables; ``build_prune``.

Every build starts ``FROM`` the test image, with nothing pulled (no registry here), and
adds a label of its own (so that it never is the test image itself); what it made,
intermediate images too, is removed at the end (never the test image).
"""

from __future__ import annotations

import io
import os
import re
import tarfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

import dockproto

from ...leaks import captured_log
from ..harness import IMAGE
from .support import Docker, Loop

# " ---> 1a2b3c4d5e6f" (dockerd) and "--> 1a2b3c4d5e6" (podman): an image a step made.
STEP_IMAGE = re.compile(r"^ ?-{2,3}> ([0-9a-f]{9,64})\s*$", re.MULTILINE)
SENT = re.compile(r"POST (\S*/build\S*) 200 in [\d.]+ ms, (\d+) B sent")


class Built:
    """What a test built: its tags and images, and the intermediate images its builds'
    logs name, removed at the end (the test image never)."""

    def __init__(self, docker: Docker) -> None:
        self.docker = docker
        self.tags: list[str] = []
        self.ids: list[str] = []

    def name(self) -> str:
        ref = f"dockproto-test/build-{uuid.uuid4().hex[:10]}"
        self.tags.append(ref)
        return ref

    def saw(self, log: str, image_id: str | None = None) -> None:
        self.ids += STEP_IMAGE.findall(log)
        if image_id:
            self.ids.append(image_id)

    async def remove_all(self) -> None:
        base = (await self.docker.images.inspect(IMAGE))["Id"].split(":")[-1]
        for tag in self.tags:
            for suffix in ("", ":a", ":b"):
                try:
                    await self.docker.images.rm(tag + suffix)
                except dockproto.DockerError:
                    pass  # (not made, or gone with another tag)
        for image in reversed(self.ids):
            if base.startswith(image.split(":")[-1]):
                continue
            try:
                await self.docker.images.rm(image, force=True)
            except dockproto.DockerError:
                pass  # (gone with the image it was a layer of)


@asynccontextmanager
async def built(docker: Docker, loop: Loop) -> AsyncIterator[Built]:
    made = Built(docker)
    try:
        yield made
    finally:
        async with loop.teardown_limit():
            await made.remove_all()


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def label() -> str:
    return f"LABEL dockproto.test.build={uuid.uuid4().hex}\n"


async def run(docker: Docker, image: str, script: str) -> Any:
    return await docker.containers.run(
        image, ["sh", "-c", script], remove=True, pull="never", check=False
    )


async def test_multistage_target_args_labels(docker: Docker, loop: Loop, tmp_path: Path) -> None:
    """A two-stage build stopped at ``target="base"``: the build arg reached its RUN,
    the later stage is not in the image, the tags and labels are on it; a
    .dockerignore that lists everything, itself and the Dockerfile too, still sends
    those two."""
    write(
        tmp_path,
        {
            "Dockerfile": (
                f"FROM {IMAGE} AS base\nARG GREETING\n"
                'RUN echo "$GREETING" > /greeting\n' + label() + "FROM base AS final\n"
                "RUN touch /final-marker\n"
            ),
            ".dockerignore": "*\nDockerfile\n.dockerignore\n",
            "unsent": "x",
        },
    )
    async with built(docker, loop) as made:
        name = made.name()
        stream = docker.images.build(
            tmp_path,
            tags=[f"{name}:a", f"{name}:b"],
            target="base",
            buildargs={"GREETING": "hello from a build arg"},
            labels={"dockproto.label": "yes"},
        )
        async with loop.fail_after(120):
            messages = [m async for m in stream]
        made.saw(stream.log, stream.image_id)
        assert all(isinstance(m, dockproto.JSONMessage) for m in messages)
        assert stream.image_id is not None and stream.image_id.startswith("sha256:")
        assert any(m.value.get("aux") == {"ID": stream.image_id} for m in messages)
        assert "final-marker" not in stream.log  # (the final stage never ran)
        info = await docker.images.inspect(f"{name}:a")
        assert info["Id"] == stream.image_id
        assert {t.rsplit("/", 2)[-1] for t in info["RepoTags"]} >= {
            f"{name.split('/')[-1]}:a",
            f"{name.split('/')[-1]}:b",
        }
        assert info["Config"]["Labels"]["dockproto.label"] == "yes"
        assert stream.context is not None and stream.context.written < 10_000
        result = await run(docker, stream.image_id, "cat /greeting; test ! -e /final-marker")
        assert (result.exit_code, result.stdout) == (0, b"hello from a build arg\n")


async def test_context_dockerignore_links_modes(docker: Docker, loop: Loop, tmp_path: Path) -> None:
    """A context directory with a Dockerfile from outside it: .dockerignore leaves out a
    64 MiB file (never read nor sent: the request's bytes are far fewer) and a
    directory but for an exception below it; a symlink stays a link, a file keeps its
    mode and time, a directory its mode; the generated Dockerfile is not in the image."""
    ctx = write(
        tmp_path / "ctx",
        {
            ".dockerignore": "big.bin\n*.log\n!keep.log\nsub\n!sub/kept\n",
            "keep.log": "kept\n",
            "drop.log": "dropped\n",
            "script.sh": "#!/bin/sh\necho script\n",
            "sub/kept": "below\n",
            "sub/skip": "x",
        },
    )
    big = ctx / "big.bin"
    with open(big, "wb") as f:
        f.truncate(64 << 20)  # (sparse: cheap to make, 64 MiB to read)
    os.chmod(ctx / "script.sh", 0o751)
    os.utime(ctx / "script.sh", (1_000_000_000, 1_000_000_000))
    os.symlink("script.sh", ctx / "link")
    os.mkdir(ctx / "private", 0o700)
    (ctx / "private" / "f").write_text("p")
    outside = write(tmp_path / "elsewhere", {"Build.df": f"FROM {IMAGE}\nCOPY . /ctx/\n" + label()})
    async with built(docker, loop) as made:
        with captured_log() as log:
            async with loop.fail_after(120):
                image = await docker.images.build_and_wait(
                    ctx, outside / "Build.df", tags=made.name()
                )
        made.saw("", image)
        sent = SENT.findall(log.getvalue())
        assert len(sent) == 1, log.getvalue()
        target, size = sent[0][0], int(sent[0][1])
        assert "dockerfile=.dockerfile." in target
        assert size < 20_000, size  # (the big file alone is 64 MiB)
        script = (
            "cd /ctx && ls -A && echo --- && ls -A sub && echo --- && "
            "stat -c '%a %Y' script.sh && readlink link && stat -c '%a' private"
        )
        result = await run(docker, image, script)
    assert result.exit_code == 0, result
    top, below, rest = result.stdout.decode().split("---\n")
    listed = set(top.split())
    assert listed >= {"keep.log", "link", "script.sh", "sub", "private"}, top
    assert not listed & {"big.bin", "drop.log"}, top
    assert not [n for n in listed if n.startswith(".dockerfile.")], top
    assert below.split() == ["kept"]
    assert rest.split() == ["751", "1000000000", "script.sh", "700"]


async def test_failing_run(docker: Docker, loop: Loop, tmp_path: Path, engine: str) -> None:
    """A RUN that exits 3 raises BuildError: the daemon's message, and the log up to the
    failure with what the step printed."""
    write(tmp_path, {"Dockerfile": f"FROM {IMAGE}\nRUN echo before-the-failure && exit 3\n"})
    async with built(docker, loop) as made:
        stream = docker.images.build(tmp_path, tags=made.name(), forcerm=True)
        seen: list[dockproto.JSONMessage] = []
        with pytest.raises(dockproto.BuildError) as info:
            async with loop.fail_after(120):
                async for message in stream:
                    seen.append(message)
        made.saw(stream.log)
    error = info.value
    assert isinstance(error, dockproto.StreamError)
    assert "before-the-failure" in error.log and error.log == stream.log
    assert "exit 3" in error.log  # (the step's line)
    if engine == "docker":
        assert "returned a non-zero code: 3" in error.message and error.status_code == 3
    else:  # (buildah: "building at STEP ...: exit status 3")
        assert "exit status 3" in error.message
    assert not any(m.error for m in seen)  # (the error came as the exception, not an item)


async def test_nothing_sent_for_what_is_not_there(docker: Docker, tmp_path: Path) -> None:
    """A context or a Dockerfile that is not there, or a .dockerignore that does not
    parse, is a ValueError at the call: no request goes out."""
    write(tmp_path, {"Dockerfile": f"FROM {IMAGE}\n"})
    with captured_log() as log:
        with pytest.raises(ValueError, match="does not exist"):
            docker.images.build(tmp_path / "missing", tags="dockproto-test/never")
        with pytest.raises(ValueError, match="cannot locate the Dockerfile"):
            docker.images.build(tmp_path, "Nope.df")
        with pytest.raises(ValueError, match="does not exist"):
            docker.images.build(str(tmp_path / "missing.tar"))
        (tmp_path / ".dockerignore").write_text("ok\n[bad\n")
        with pytest.raises(ValueError, match=r"line 2: bad pattern '\[bad'"):
            await docker.images.build_and_wait(tmp_path)
    assert "/build" not in log.getvalue()


def context_tar(dockerfile: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        data = (f"FROM {IMAGE}\n" + label()).encode()
        info = tarfile.TarInfo(dockerfile)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("how", ["bytes", "file", "pieces", "list"])
async def test_tar_contexts(docker: Docker, loop: Loop, tmp_path: Path, how: str) -> None:
    """A context given as a tar: bytes, a file, an iterable of the client's kind
    (async, or blocking for the blocking client), a plain list (blocking, on an async
    client too); ``dockerfile`` names a path inside it as it is."""
    data = context_tar("df/Build")
    source: Any
    if how == "bytes":
        source = data
    elif how == "file":
        (tmp_path / "ctx.tar").write_bytes(data)
        source = tmp_path / "ctx.tar"
    elif how == "list":
        source = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    else:

        async def pieces() -> Any:
            for i in range(0, len(data), 1000):
                await loop.checkpoint()
                yield data[i : i + 1000]

        source = pieces()
    async with built(docker, loop) as made:
        async with loop.fail_after(120):
            image = await docker.images.build_and_wait(source, "df/Build", tags=made.name())
        made.saw("", image)
        info = await docker.images.inspect(image)
    assert any(k.startswith("dockproto.test.build") for k in info["Config"]["Labels"])


async def test_context_that_fails_while_read(docker: Docker, loop: Loop) -> None:
    """A context whose source fails half-way raises that error as it is (not as a broken
    connection), and the client goes on working."""
    data = context_tar("Dockerfile")

    async def pieces() -> Any:
        yield data[:1024]
        await loop.checkpoint()
        raise OSError("the disk went away")

    with pytest.raises(OSError, match="the disk went away"):
        async with loop.fail_after(60):
            await docker.images.build_and_wait(pieces(), tags="dockproto-test/never-built")
    assert await docker.ping() == "OK"


async def test_build_prune(docker: Docker, engine: str) -> None:
    """``build_prune`` keeping far more than there is: dockerd answers what it freed
    (nothing); podman 4.3 has no ``/build/prune``, a NotFound."""
    if engine == "podman":
        with pytest.raises(dockproto.NotFound):
            await docker.images.build_prune(keep_storage=1 << 50)
        return
    answer = await docker.images.build_prune(keep_storage=1 << 50)
    assert answer["SpaceReclaimed"] == 0
