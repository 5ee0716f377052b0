"""The v1.41 query parameters that builders of the older areas lacked: the platform of
``containers.create`` and the scope of ``networks.inspect``."""

from __future__ import annotations

import pytest

from dockproto import api

from .test_builders import wire


def test_create_platform() -> None:
    req = api.containers.create("busybox", name="web", platform="linux/arm64/v8")
    assert wire(req)[0] == (
        "POST /v1.41/containers/create?name=web&platform=linux%2Farm64%2Fv8 HTTP/1.1"
    )
    assert "platform" not in wire(api.containers.create("busybox"))[0]


def test_network_inspect_scope() -> None:
    req = api.networks.inspect("n1", verbose=True, scope="local")
    assert wire(req)[0] == "GET /v1.41/networks/n1?verbose=true&scope=local HTTP/1.1"
    with pytest.raises(ValueError, match="swarm, global or local"):
        api.networks.inspect("n1", scope="cluster")
