"""System, networks and volumes on both engines."""

from __future__ import annotations

import time
import uuid

import pytest

import dockproto

from .support import Containers, Docker, Loop, engine_wide, prune_label


async def test_info_and_df(docker: Docker, loop: Loop) -> None:
    """info and df answer with the daemon's dicts."""
    info = await engine_wide(loop, docker.info)
    assert info["OSType"] == "linux" and "Containers" in info
    df = await engine_wide(loop, docker.df)
    assert "Images" in df and "Containers" in df


async def test_events_window(docker: Docker, containers: Containers, loop: Loop) -> None:
    """events with since/until replay a window and end by themselves."""
    since = int(time.time()) - 1
    cid = await containers.create(["true"])
    until = int(time.time()) + 2  # at least a second ahead: see test_cli's events test
    seen = []
    async with loop.fail_after(30):
        async for event in docker.events(since=since, until=until, filters={"type": "container"}):
            seen.append(event)
    assert any(e.get("Action") == "create" and e.get("Actor", {}).get("ID") == cid for e in seen)


@pytest.mark.uvloop
async def test_events_follow(docker: Docker, containers: Containers, loop: Loop) -> None:
    """A live events stream delivers the create event of a container made meanwhile."""
    name = f"dp-ev-{uuid.uuid4().hex[:8]}"
    async with loop.fail_after(30):
        async with docker.events(filters={"type": ["container"], "event": ["create"]}) as events:
            await containers.create(["true"], name=name)
            async for event in events:
                if event.get("Actor", {}).get("Attributes", {}).get("name") == name:
                    break


async def test_networks(docker: Docker, containers: Containers) -> None:
    """create, inspect, connect, disconnect, list, rm a network."""
    name = f"dp-net-{uuid.uuid4().hex[:8]}"
    nid = await docker.networks.create(name, labels={"dockproto.test": "1"})
    try:
        info = await docker.networks.inspect(nid)
        assert info["Name"] == name
        cid = await containers.create(["sleep", "600"], networking=True)
        await docker.containers.start(cid)
        await docker.networks.connect(name, cid, aliases=["web"])
        nets = (await docker.containers.inspect(cid))["NetworkSettings"]["Networks"]
        assert name in nets
        await docker.networks.disconnect(name, cid, force=True)
        nets = (await docker.containers.inspect(cid))["NetworkSettings"]["Networks"]
        assert name not in nets
        listed = await docker.networks.list(filters={"name": [name]})
        assert [n["Name"] for n in listed] == [name]
    finally:
        await docker.networks.rm(nid)
    with pytest.raises(dockproto.NotFound):
        await docker.networks.inspect(nid)


async def test_network_prune(docker: Docker, loop: Loop) -> None:
    """prune removes an unused network carrying our label."""
    name = f"dp-net-{uuid.uuid4().hex[:8]}"
    label, only_ours = prune_label()
    await docker.networks.create(name, labels=label)
    result = await engine_wide(loop, docker.networks.prune, filters=only_ours)
    assert name in (result.get("NetworksDeleted") or [])


async def test_volumes(docker: Docker, loop: Loop) -> None:
    """create, inspect, list, rm and prune volumes."""
    name = f"dp-vol-{uuid.uuid4().hex[:8]}"
    vol = await docker.volumes.create(name, labels={"dockproto.test": "1"})
    assert vol["Name"] == name
    assert (await docker.volumes.inspect(name))["Name"] == name
    assert name in [v["Name"] for v in await docker.volumes.list(filters={"name": [name]})]
    await docker.volumes.rm(name)
    with pytest.raises(dockproto.NotFound):
        await docker.volumes.inspect(name)
    other = f"dp-vol-{uuid.uuid4().hex[:8]}"
    label, only_ours = prune_label()
    await docker.volumes.create(other, labels=label)
    result = await engine_wide(loop, docker.volumes.prune, filters=only_ours)
    assert other in (result.get("VolumesDeleted") or [])
