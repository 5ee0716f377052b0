"""Name or id everywhere: every method that takes a container, image, network or volume
takes its name, its full id or an unambiguous prefix of it, as the Engine does; an
ambiguous prefix is the engine's error, never a guess."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import dockproto

from ..harness import IMAGE
from .support import Containers, Docker


async def test_container_by_name_id_and_prefix(docker: Docker, containers: Containers) -> None:
    name = f"dp-names-{uuid.uuid4().hex[:10]}"
    cid = await containers.create(["sh", "-c", "echo named; sleep 60"], name=name)
    prefix = cid[:12]
    for ref in (name, cid, prefix):
        assert (await docker.containers.inspect(ref))["Id"] == cid
    await docker.containers.start(prefix)
    async with docker.containers.logs(name, stdout=True, follow=True) as logs:
        async for chunk in logs:
            assert chunk.data == b"named\n"
            break
    result = await docker.exec.run(prefix, ["echo", "in"])
    assert result.stdout == b"in\n"
    await docker.containers.kill(name)
    assert await docker.containers.wait(prefix) != 0
    await docker.containers.rm(prefix)
    with pytest.raises(dockproto.NotFound):
        await docker.containers.inspect(cid)


async def test_ambiguous_container_prefix(docker: Docker, containers: Containers) -> None:
    """Two containers whose ids share a first character (at most 17 are created to find
    them): that character names neither, and the engine says so."""
    seen: dict[str, str] = {}
    while True:
        cid = await containers.create(["true"])
        if cid[0] in seen:
            break
        seen[cid[0]] = cid
    with pytest.raises(dockproto.DockerError) as info:
        await docker.containers.inspect(cid[0])
    assert not isinstance(info.value, dockproto.ContainerError)
    # (each still answers to a longer prefix)
    for full in (cid, seen[cid[0]]):
        assert (await docker.containers.inspect(full[:12]))["Id"] == full


async def test_image_by_name_id_and_prefix(docker: Docker) -> None:
    info = await docker.images.inspect(IMAGE)
    image_id = info["Id"]  # sha256:<64 hex>
    short = image_id.split(":")[-1][:12]
    for ref in (IMAGE, image_id, short):
        assert (await docker.images.inspect(ref))["Id"] == image_id
    tag = f"dockproto-test/names-{uuid.uuid4().hex[:10]}"
    await docker.images.tag(short, tag, "v1")
    try:
        assert (await docker.images.inspect(f"{tag}:v1"))["Id"] == image_id
    finally:
        await docker.images.rm(f"{tag}:v1")


async def test_network_by_name_id_and_prefix(docker: Docker) -> None:
    name = f"dp-names-{uuid.uuid4().hex[:10]}"
    nid = await docker.networks.create(name)
    try:
        for ref in (name, nid, nid[:12]):
            got: dict[str, Any] = await docker.networks.inspect(ref)
            assert got["Id"] == nid or got.get("id") == nid
    finally:
        await docker.networks.rm(nid[:12])
    with pytest.raises(dockproto.NotFound):
        await docker.networks.inspect(nid)


async def test_volume_by_name(docker: Docker) -> None:
    """A volume has a name only: it is its id."""
    name = f"dp-names-{uuid.uuid4().hex[:10]}"
    await docker.volumes.create(name)
    try:
        assert (await docker.volumes.inspect(name))["Name"] == name
    finally:
        await docker.volumes.rm(name)
