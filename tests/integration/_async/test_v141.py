"""What v1.41 has that the older areas lacked, on both engines: ``containers.create``'s
platform, ``networks.inspect``'s scope, ``images.get`` (one image's tar)."""

from __future__ import annotations

import json
import uuid

import pytest

import dockproto

from ..harness import IMAGE
from .support import Containers, Docker


async def test_create_for_a_platform(docker: Docker, containers: Containers, engine: str) -> None:
    """create with the image's own platform makes the container; a platform the image
    lacks is refused by dockerd (podman 4.3 takes its local image whatever the platform)."""
    cid = await containers.create(["true"], platform="linux/amd64")
    assert (await docker.containers.inspect(cid))["Platform"] == "linux"
    if engine == "docker":
        with pytest.raises(dockproto.NotFound, match="does not match the specified platform"):
            await containers.create(["true"], platform="linux/s390x")
    else:
        other = await containers.create(["true"], platform="linux/s390x")
        assert (await docker.containers.inspect(other))["Image"]


async def test_network_inspect_in_a_scope(docker: Docker) -> None:
    """A local network is found in the local scope."""
    name = f"dp-net-{uuid.uuid4().hex[:8]}"
    nid = await docker.networks.create(name)
    try:
        info = await docker.networks.inspect(nid, scope="local")
        assert info["Name"] == name and info["Scope"] == "local"
    finally:
        await docker.networks.rm(nid)


async def test_image_get(docker: Docker) -> None:
    """images.get: one image as a ``docker save`` tar, its manifest naming the tag."""
    members: dict[str, bytes] = {}
    name = ""
    async for item in docker.images.get(IMAGE):
        if isinstance(item, dockproto.TarMember):
            name = item.name
            members[name] = b""
        elif isinstance(item, dockproto.TarData):
            members[name] += item.data
    manifest = json.loads(members["manifest.json"])
    tags = [t for m in manifest for t in m.get("RepoTags") or []]
    # (podman names it in full: docker.io/dockproto-test/busybox:latest)
    assert any(t == IMAGE or t.endswith(f"/{IMAGE}") for t in tags), manifest
