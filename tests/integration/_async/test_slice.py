"""The first vertical slice against both engines: ping, version, list, run."""

from __future__ import annotations

from typing import Any

import pytest

import dockproto

from .support import Containers, Docker, Loop


@pytest.mark.uvloop
async def test_ping(docker: Docker) -> None:
    """/_ping answers OK and the version is negotiated from its head."""
    assert await docker.ping() == "OK"
    assert docker.api_version is not None
    assert dockproto._version.parse_api_version(docker.api_version) <= (1, 44)


async def test_version(docker: Docker, engine: str) -> None:
    """/version is a typed Version; the negotiated version is never above the daemon's."""
    v = await docker.version()
    assert isinstance(v, dockproto.Version)
    assert v.os == "linux" and v.api_version and v.version
    ours = dockproto._version.parse_api_version(docker.api_version or "")
    assert ours <= dockproto._version.parse_api_version(v.api_version)
    if engine == "docker":
        assert v.version.startswith("20.10")


async def test_list_and_filters(docker: Docker, containers: Containers) -> None:
    """list finds a created container by name, label, status, and not when running-only."""
    cid = await containers.create(["true"], labels={"dockproto.test": "list"})
    name = (await docker.containers.inspect(cid))["Name"].lstrip("/")
    assert cid not in [c.id for c in await docker.containers.list()]
    everything = await docker.containers.list(all=True)
    assert cid in [c.id for c in everything]
    by_name = await docker.containers.list(all=True, name=[name])
    assert [c.id for c in by_name] == [cid]
    assert by_name[0].labels.get("dockproto.test") == "list"
    assert by_name[0].size_rw is None
    by_label = await docker.containers.list(all=True, label={"dockproto.test": "list"})
    assert cid in [c.id for c in by_label]
    created = await docker.containers.list(all=True, status=["created"], name=[name])
    assert [c.id for c in created] == [cid]
    assert await docker.containers.list(all=True, status=["exited"], name=[name]) == []
    sized = await docker.containers.list(all=True, size=True, name=[name])
    assert isinstance(sized[0].size_rw, int) and isinstance(sized[0].size_root_fs, int)


async def test_run_a_container(docker: Docker, containers: Containers) -> None:
    """Attach, start, read stdout and stderr apart, wait for the exit code."""
    cid = await containers.create(["sh", "-c", "echo hi; echo oops >&2; exit 3"])
    async with docker.containers.attach(cid, stream=True, stdout=True, stderr=True) as stream:
        await docker.containers.start(cid)
        out, err = await stream.collect()
    assert (out, err) == (b"hi\n", b"oops\n")
    assert await docker.containers.wait(cid) == 3


async def test_exited_filter(docker: Docker, containers: Containers) -> None:
    """The exited filter of the OCaml list finds a container by its exit code."""
    cid = await containers.create(["sh", "-c", "exit 7"])
    await docker.containers.start(cid)
    assert await docker.containers.wait(cid) == 7
    found = await docker.containers.list(all=True, exited=[7])
    assert cid in [c.id for c in found]
    assert cid not in [c.id for c in await docker.containers.list(all=True, exited=[8])]


async def test_unknown_container(docker: Docker) -> None:
    """An unknown container is NoSuchContainer with the daemon's own message."""
    try:
        await docker.containers.inspect("dockproto-no-such-container")
    except dockproto.NoSuchContainer as exc:
        assert exc.status_code == 404
        assert "dockproto-no-such-container" in exc.message
    else:
        raise AssertionError("inspect of a missing container succeeded")


@pytest.mark.uvloop
async def test_two_calls_at_once(docker: Docker, loop: Loop) -> None:
    """One client answers two calls made at once, each on a connection of its own."""
    got: list[Any] = []

    async def version() -> None:
        got.append(await docker.version())

    async def images() -> None:
        got.append(await docker.images.list())

    await loop.run_both(version, images)
    assert len(got) == 2
