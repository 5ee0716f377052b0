"""Images on both engines: list, import (three ways, and with a tag), inspect, history,
tag, save, load, rm, prune, and the errors of pull, push and search with no registry
reachable."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

import dockproto
from dockproto import EndOfArchive, TarData, TarMember

from ..harness import IMAGE
from .support import Docker, Loop, engine_wide


def tiny_rootfs() -> bytes:
    """A one-file root filesystem tar, different on every call (a fresh image id)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        data = uuid.uuid4().hex.encode()
        info = tarfile.TarInfo("marker")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def repo() -> str:
    return f"dockproto-test/img-{uuid.uuid4().hex[:10]}"


async def _image_exists(docker: Docker, name: str) -> bool:
    try:
        await docker.images.inspect(name)
    except dockproto.NotFound:
        return False
    return True


async def test_list_and_inspect(docker: Docker) -> None:
    """The test image is listed with its tag, and inspect/history describe it."""
    images = await docker.images.list()
    assert all(isinstance(i, dockproto.ImageSummary) for i in images)
    mine = [i for i in images if any(t.endswith(IMAGE) for t in i.tags)]
    assert len(mine) == 1 and mine[0].size > 500_000
    info = await docker.images.inspect(IMAGE)
    assert info["Id"].split(":")[-1].startswith(mine[0].id.split(":")[-1][:12])
    history = await docker.images.history(IMAGE)
    assert isinstance(history, list) and history


@pytest.mark.uvloop
@pytest.mark.parametrize("how", ["bytes", "path", "aiter"])
async def test_import_three_ways(docker: Docker, tmp_path: Any, how: str, loop: Loop) -> None:
    """import_ takes bytes, a file path or an async iterable, and the image appears."""
    data = tiny_rootfs()
    name = repo()
    source: Any
    if how == "bytes":
        source = data
    elif how == "path":
        (tmp_path / "rootfs.tar").write_bytes(data)
        source = str(tmp_path / "rootfs.tar")
    else:

        async def pieces() -> Any:
            for i in range(0, len(data), 512):
                await loop.checkpoint()
                yield data[i : i + 512]

        source = pieces()
    messages = [m async for m in docker.images.import_(source, repo=f"{name}:latest")]
    assert messages and all(isinstance(m, dockproto.JSONMessage) for m in messages)
    assert await _image_exists(docker, f"{name}:latest")
    await docker.images.rm(f"{name}:latest")
    assert not await _image_exists(docker, f"{name}:latest")


async def test_create_from_body(docker: Docker) -> None:
    """images.create(FromBody(...)) is the OCaml Stdin source: an import."""
    name = repo()
    async for _ in docker.images.create(dockproto.FromBody(tiny_rootfs()), repo=f"{name}:latest"):
        pass
    assert await _image_exists(docker, f"{name}:latest")
    await docker.images.rm(f"{name}:latest", force=True)


async def _repo_tags(docker: Docker, name: str) -> list[str]:
    tags: list[str] = (await docker.images.inspect(name)).get("RepoTags") or []
    return tags


def _has_tag(tags: list[str], ref: str) -> bool:
    """podman stores a short name as docker.io/library/... (or docker.io/...)."""
    return any(t in (ref, f"docker.io/{ref}", f"docker.io/library/{ref}") for t in tags)


IMPORT_WAYS = ["import_", "FromBody", "FromSrc"]
REPO_KINDS = ["plain", "registry-port"]


@pytest.mark.parametrize("kind", REPO_KINDS)
@pytest.mark.parametrize("how", IMPORT_WAYS)
async def test_import_with_tag(
    docker: Docker, engine: str, rootfs_url: Any, how: str, kind: str, loop: Loop
) -> None:
    """repo= and tag="v1" give repo:v1 on both engines (podman ignores tag= on import,
    dockproto sends repo=name:tag), also for a repo on a registry with a port."""
    base = f"dp-imp-{uuid.uuid4().hex[:10]}"
    name = f"localhost:5000/dockproto-test/{base}" if kind == "registry-port" else repo()
    ref = f"{name}:v1"
    data = tiny_rootfs()
    try:
        if how == "import_":
            stream = docker.images.import_(data, repo=name, tag="v1")
        elif how == "FromBody":
            stream = docker.images.create(dockproto.FromBody(data), repo=name, tag="v1")
        else:
            stream = docker.images.create(dockproto.FromSrc(rootfs_url(data)), repo=name, tag="v1")
        async with loop.fail_after(60):
            messages = [m async for m in stream]
        assert messages
        tags = await _repo_tags(docker, ref)
        assert _has_tag(tags, ref), (engine, tags)
        assert not any(t.endswith(f"{name}:latest") for t in tags), (engine, tags)
        assert not await _image_exists(docker, f"{name}:latest")
    finally:
        for leftover in (ref, f"{name}:latest"):
            try:
                await docker.images.rm(leftover, force=True)
            except dockproto.DockerError:  # gone already, or never made
                pass
    assert not await _image_exists(docker, ref)


async def test_import_repo_with_its_own_tag(docker: Docker) -> None:
    """A repo that carries its tag, with no tag=, is imported as it is."""
    ref = f"localhost:5000/{repo()}:v2"
    try:
        async for _ in docker.images.import_(tiny_rootfs(), repo=ref):
            pass
        assert _has_tag(await _repo_tags(docker, ref), ref)
    finally:
        try:
            await docker.images.rm(ref, force=True)
        except dockproto.DockerError:  # gone already, or never made
            pass


@pytest.mark.parametrize(
    "bad",
    ["x:v2", "localhost:5000/x:v2", f"x@sha256:{'a' * 64}"],
    ids=["tag", "port-tag", "digest"],
)
async def test_import_tag_twice_is_refused_before_sending(docker: Docker, bad: str) -> None:
    """A repo with a tag or a digest plus tag= raises ValueError when the call is made:
    nothing is sent and the body is never read."""

    async def never() -> AsyncIterator[bytes]:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    with pytest.raises(ValueError):
        docker.images.import_(never(), repo=bad, tag="v1")
    with pytest.raises(ValueError):
        docker.images.create(dockproto.FromBody(never()), repo=bad, tag="v1")
    with pytest.raises(ValueError):
        docker.images.create(dockproto.FromSrc("http://127.0.0.1:9/x.tar"), repo=bad, tag="v1")


async def test_tag_and_rm(docker: Docker) -> None:
    """tag adds a name; rm of that name untags it and keeps the image."""
    name = repo()
    await docker.images.tag(IMAGE, name, "v1")
    assert await _image_exists(docker, f"{name}:v1")
    await docker.images.rm(f"{name}:v1")
    assert not await _image_exists(docker, f"{name}:v1")
    assert await _image_exists(docker, IMAGE)


@pytest.mark.uvloop
async def test_save_and_load(docker: Docker) -> None:
    """save streams a tar holding manifest.json; load takes it back (streamed upload)."""
    name = repo()
    async for _ in docker.images.import_(tiny_rootfs(), repo=f"{name}:latest"):
        pass
    raw = bytearray()
    members: list[str] = []
    ended = False
    async with docker.images.save(f"{name}:latest") as tar:
        async for item in tar:
            if isinstance(item, TarMember):
                members.append(item.name)
            elif isinstance(item, TarData):
                pass
            elif isinstance(item, EndOfArchive):
                ended = True
    assert ended and "manifest.json" in members
    async with docker.images.save(f"{name}:latest") as tar:
        async for piece in tar.raw():
            raw += piece
    with tarfile.open(fileobj=io.BytesIO(bytes(raw))) as t:
        manifest = json.load(t.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert any(f"{name}:latest" in " ".join(m.get("RepoTags") or []) for m in manifest)
    await docker.images.rm(f"{name}:latest", force=True)
    assert not await _image_exists(docker, f"{name}:latest")
    messages = [m.value async for m in docker.images.load(bytes(raw))]
    assert messages
    assert await _image_exists(docker, f"{name}:latest")
    await docker.images.rm(f"{name}:latest", force=True)


async def test_missing_image(docker: Docker) -> None:
    """inspect of a missing image is NotFound with the daemon's message."""
    with pytest.raises(dockproto.NotFound) as info:
        await docker.images.inspect("dockproto-test/no-such-image:latest")
    assert "no-such-image" in info.value.message


@pytest.mark.slow_on("podman", "podman 4.3 retries an unreachable registry for 3 s")
async def test_pull_without_registry_raises(docker: Docker, loop: Loop) -> None:
    """A pull that cannot reach a registry raises a typed DockerError, never hangs."""
    async with loop.fail_after(120):
        with pytest.raises(dockproto.DockerError) as info:
            async for _ in docker.images.pull("127.0.0.1:9/dockproto/none", tag="x"):
                pass
    assert info.value.message


@pytest.mark.slow_on("podman", "podman 4.3 retries an unreachable registry for 3 s")
async def test_push_without_registry_raises(docker: Docker, loop: Loop) -> None:
    """A push to an unreachable registry raises a typed DockerError."""
    name = f"127.0.0.1:9/{repo()}"
    await docker.images.tag(IMAGE, name, "v1")
    try:
        async with loop.fail_after(120):
            with pytest.raises(dockproto.DockerError):
                async for _ in docker.images.push(name, tag="v1", auth={}):
                    pass
    finally:
        await docker.images.rm(f"{name}:v1")


async def test_prune(docker: Docker, loop: Loop) -> None:
    """prune answers with what it deleted (nothing of ours that is tagged)."""
    result = await engine_wide(loop, docker.images.prune, filters={"label": ["dockproto.none=1"]})
    assert isinstance(result, dict)
    assert await _image_exists(docker, IMAGE)
