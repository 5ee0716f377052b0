"""The v1.41 parameters added to the older areas, on both engines."""

from __future__ import annotations

import uuid

import pytest

import dockproto

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
