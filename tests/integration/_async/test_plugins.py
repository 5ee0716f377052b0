"""Plugins on dockerd, with a small volume-driver plugin the tests build offline from the
test image (``plugin_kit``: its rootfs exported through the API, ``config.json``, and a
static C program that answers the activation handshake and the VolumeDriver calls).

podman 4.3 has no plugin routes: its test pins the ``NotFound`` it answers.  The
registry tests push to a registry without credentials that the test runs itself, and
pull with credentials from the registry of ``scripts/registry`` (TLS, htpasswd), where
the plugin is copied by hand: dockerd 20.10 may crash pushing a plugin where a 401 asks
for credentials (see ``plugin_kit.anonymous_registry``).  Two clients only (trio and
sync: the plugin calls are plain requests and streams that every client shares).
"""

from __future__ import annotations

import base64
import functools
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

import dockproto

from .. import plugin_kit
from ..harness import IMAGE
from .support import Docker, Loop

REGISTRY = os.environ.get("DOCKPROTO_REGISTRY", "")
USER = os.environ.get("DOCKPROTO_REGISTRY_USER", "")
PASSWORD = os.environ.get("DOCKPROTO_REGISTRY_PASSWORD", "")
REGISTRY_CA = os.environ.get("DOCKPROTO_REGISTRY_CA", "")
REQUIRED = os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1"

pytestmark = pytest.mark.clients("trio", "sync")

needs_registry = pytest.mark.skipif(
    not REGISTRY and not REQUIRED, reason="no registry (scripts/registry start)"
)


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: Any) -> str:
    """The registry of ``scripts/registry`` (a failure when it is required and absent),
    with a ``DOCKER_CONFIG`` of the test's own holding its credentials."""
    if not REGISTRY or not USER or not REGISTRY_CA:
        pytest.fail("no registry: run scripts/registry start and export its lines")
    folder = tmp_path / "docker-config"
    folder.mkdir()
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (folder / "config.json").write_text(json.dumps({"auths": {REGISTRY: {"auth": token}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    return REGISTRY


def unique(what: str) -> str:
    return f"dp-{what}-{uuid.uuid4().hex[:10]}"


async def rootfs(docker: Docker) -> bytes:
    """The test image's root filesystem as a tar, exported through the API."""
    cid = await docker.containers.create(IMAGE, ["true"])
    try:
        return b"".join([data async for data in docker.containers.export(cid).raw()])
    finally:
        await docker.containers.rm(cid, force=True)


@asynccontextmanager
async def removed(docker: Docker, loop: Loop) -> AsyncIterator[list[str]]:
    """A list of plugin names, each force-removed at the end (gone already is fine)."""
    names: list[str] = []
    try:
        yield names
    finally:
        async with loop.teardown_limit():
            for name in names:
                try:
                    await docker.plugins.rm(name, force=True)
                except dockproto.NotFound:
                    pass


def names_of(plugins: list[dict[str, Any]]) -> list[str]:
    return [p["Name"] for p in plugins]


@pytest.mark.engines("docker")
async def test_plugin_lifecycle(docker: Docker, loop: Loop) -> None:
    """create (from a rootfs and config.json), list with filters, inspect, set while
    disabled, enable (the plugin answers the activation handshake), a volume of its
    driver (whose Status shows the setting reached the plugin's process), disable, rm;
    and what dockerd refuses meanwhile, as typed errors with its own words."""
    name = f"dockproto-test/{unique('plugin')}:latest"
    tar = await loop.run_blocking(plugin_kit.build, await rootfs(docker))
    async with removed(docker, loop) as made:
        made.append(name)
        await docker.plugins.create(name, tar)
        # (dockerd answers 409 before it reads the body, and closes: the answer is read)
        with pytest.raises(dockproto.Conflict, match="already exists"):
            await docker.plugins.create(name, tar)

        info = await docker.plugins.inspect(name)
        assert info["Name"] == name and info["Enabled"] is False
        assert info["Config"]["Interface"] == {
            "Socket": plugin_kit.SOCKET,
            "Types": ["docker.volumedriver/1.0"],
        }
        listed = await docker.plugins.list(filters={"capability": "volumedriver", "enabled": False})
        assert name in names_of(listed)
        assert name not in names_of(await docker.plugins.list(filters={"enabled": True}))

        await docker.plugins.set(name, ["GREETING=bonjour"])
        assert "GREETING=bonjour" in (await docker.plugins.inspect(name))["Settings"]["Env"]

        await docker.plugins.enable(name, activation_timeout=30)
        assert (await docker.plugins.inspect(name))["Enabled"] is True
        assert name in names_of(await docker.plugins.list(filters={"enabled": True}))

        volume = unique("vol")
        await docker.volumes.create(volume, driver=name)
        try:
            got = await docker.volumes.inspect(volume)
            assert got["Driver"] == name and got["Status"] == {"greeting": "bonjour"}
        finally:
            await docker.volumes.rm(volume)

        with pytest.raises(dockproto.DockerError, match="disable plugin before setting"):
            await docker.plugins.set(name, {"GREETING": "no"})
        with pytest.raises(dockproto.Conflict, match="is enabled"):
            await docker.plugins.rm(name)

        await docker.plugins.disable(name)
        assert (await docker.plugins.inspect(name))["Enabled"] is False
        await docker.plugins.rm(name)
        with pytest.raises(dockproto.NotFound):
            await docker.plugins.inspect(name)


@pytest.mark.engines("podman")
async def test_podman_has_no_plugins(docker: Docker) -> None:
    """podman 4.3 serves no plugin route: a NotFound, with what podman says."""
    with pytest.raises(dockproto.NotFound, match="not supported"):
        await docker.plugins.list()
    with pytest.raises(dockproto.NotFound):
        await docker.plugins.inspect("dp-none")


@needs_registry
@pytest.mark.engines("docker")
async def test_plugin_push_pull_upgrade(docker: Docker, loop: Loop, registry: str) -> None:
    """push with progress (to a registry that asks no credentials), privileges, a pull
    that grants too little (refused in the stream), a pull under a local name, upgrade
    (refused while enabled), and the upgraded plugin enabled with its new files."""
    files = await rootfs(docker)
    tars = [await loop.run_blocking(functools.partial(plugin_kit.build, files, g)) for g in "12"]
    with plugin_kit.anonymous_registry() as anonymous:
        repository = f"{anonymous}/dockproto/{unique('plugin')}"
        local = f"dockproto-test/{unique('local')}:latest"
        async with removed(docker, loop) as made:
            for tag, tar in zip("12", tars, strict=True):
                made.append(f"{repository}:{tag}")
                await docker.plugins.create(f"{repository}:{tag}", tar)
                messages = [m.value async for m in docker.plugins.push(f"{repository}:{tag}")]
                assert messages[-1]["aux"]["Tag"] == tag
                assert messages[-1]["aux"]["Digest"].startswith("sha256:")
                await docker.plugins.rm(f"{repository}:{tag}")

            wanted = await docker.plugins.privileges(f"{repository}:1")
            assert [(p["Name"], p["Value"]) for p in wanted] == [("network", ["host"])]

            made.append(local)
            with pytest.raises(dockproto.StreamError, match="incorrect privileges"):
                async for _ in docker.plugins.pull(f"{repository}:1", local, []):
                    pass
            pulled = [m.value async for m in docker.plugins.pull(f"{repository}:1", local, wanted)]
            assert any(m.get("status") == "Complete" for m in pulled)
            info = await docker.plugins.inspect(local)
            assert info["PluginReference"] == f"{repository}:1" and info["Enabled"] is False
            assert "GREETING=1" in info["Settings"]["Env"]

            await docker.plugins.enable(local)
            with pytest.raises(dockproto.Conflict, match="must be disabled before upgrading"):
                async for _ in docker.plugins.upgrade(local, f"{repository}:2", wanted):
                    pass
            await docker.plugins.disable(local)
            async for _ in docker.plugins.upgrade(local, f"{repository}:2", wanted):
                pass
            info = await docker.plugins.inspect(local)
            assert info["PluginReference"] == f"{repository}:2"
            assert info["Config"]["Env"][0]["Value"] == "2"
            await docker.plugins.enable(local)
            assert (await docker.plugins.inspect(local))["Enabled"] is True


@needs_registry
@pytest.mark.engines("docker")
async def test_plugin_install_with_credentials(docker: Docker, loop: Loop, registry: str) -> None:
    """install from the TLS registry that asks for credentials, as ``docker plugin
    install`` does: the privileges read, then granted to the pull, settings, enabled; the
    credentials from config.json's ``auths``.  A wrong password is refused in the
    registry's status; ``accept`` refusing the privileges stops before any pull."""
    repository = f"dockproto/{unique('plugin')}"
    remote = f"{registry}/{repository}:1"
    local = f"dockproto-test/{unique('installed')}:latest"
    tar = await loop.run_blocking(plugin_kit.build, await rootfs(docker))
    async with removed(docker, loop) as made:
        with plugin_kit.anonymous_registry() as anonymous:
            staged = f"{anonymous}/{repository}:1"
            made.append(staged)
            await docker.plugins.create(staged, tar)
            async for _ in docker.plugins.push(staged):
                pass
            await docker.plugins.rm(staged)
            copy = functools.partial(
                plugin_kit.copy_plugin, anonymous, registry, repository, "1", USER, PASSWORD
            )
            await loop.run_blocking(copy, REGISTRY_CA)

        seen: list[list[dict[str, Any]]] = []
        made.append(local)
        with pytest.raises(PermissionError, match="not granted"):
            await docker.plugins.install(remote, local, accept=lambda p: seen.append(p))
        assert [p["Name"] for p in seen[0]] == ["network"]
        with pytest.raises(dockproto.NotFound):
            await docker.plugins.inspect(local)

        wrong = {"username": USER, "password": "wrong", "serveraddress": registry}
        with pytest.raises(dockproto.ServerError, match="401 Unauthorized"):
            async for _ in docker.plugins.pull(remote, local, seen[0], wrong):
                pass

        progress: list[dockproto.JSONMessage] = []
        info = await docker.plugins.install(
            remote, local, settings=["GREETING=salut"], progress=progress.append
        )
        assert info["Enabled"] is True and info["PluginReference"] == remote
        assert "GREETING=salut" in info["Settings"]["Env"]
        assert any(m.value.get("status") == "Complete" for m in progress)
