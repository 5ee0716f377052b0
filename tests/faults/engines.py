"""The real engines for the fault tests: addresses from ``scripts/engines start``.

Skipped without them, as ``tests/integration`` is, and an error when
``DOCKPROTO_REQUIRE_ENGINES=1``.
"""

from __future__ import annotations

import os
import uuid

import pytest

import dockproto_trio

HOSTS = {
    "docker": os.environ.get("DOCKPROTO_DOCKER_HOST"),
    "podman": os.environ.get("DOCKPROTO_PODMAN_HOST"),
}
IMAGE = os.environ.get("DOCKPROTO_TEST_IMAGE", "dockproto-test/busybox:latest")


def engine_socket(name: str) -> str:
    """The engine's Unix socket path, or skip (fail when engines are required)."""
    host = HOSTS[name]
    if not host:
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail(f"no {name} engine: run scripts/engines start")
        pytest.skip(f"no {name} engine (set DOCKPROTO_{name.upper()}_HOST)")
    assert host.startswith("unix://"), host
    return host[len("unix://") :]


def unique(prefix: str = "dpf") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def remove(docker: dockproto_trio.Docker, cid: str) -> None:
    try:
        await docker.containers.rm(cid, force=True)
    except Exception:
        pass
