"""TLS against the private dockerd's TCP listener (``--tlsverify`` on 127.0.0.1).

``scripts/engines start`` prints ``DOCKPROTO_DOCKER_TLS_HOST`` and
``DOCKPROTO_DOCKER_CERT_PATH`` when dockerd has that listener.  Without them these tests
are skipped, unless ``DOCKPROTO_REQUIRE_ENGINES=1``.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

import pytest

import dockproto
import dockproto_trio
from dockproto._drive.hosts import tls_context_from_env

from .tlsdaemon import make_certs

pytestmark = pytest.mark.integration

TLS_HOST = os.environ.get("DOCKPROTO_DOCKER_TLS_HOST")
CERT_PATH = os.environ.get("DOCKPROTO_DOCKER_CERT_PATH")


@pytest.fixture
def dockerd_tls() -> tuple[str, str]:
    if not TLS_HOST or not CERT_PATH:
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail("dockerd has no TLS listener: scripts/engines start prints none")
        pytest.skip("no TLS dockerd (set DOCKPROTO_DOCKER_TLS_HOST and DOCKPROTO_DOCKER_CERT_PATH)")
    return TLS_HOST, CERT_PATH


@pytest.fixture(scope="module")
def other_certs(tmp_path_factory: Any) -> dict[str, str]:
    return make_certs(str(tmp_path_factory.mktemp("certs")))


async def test_dockerd_over_verified_tls(dockerd_tls: tuple[str, str], monkeypatch: Any) -> None:
    """DOCKER_TLS_VERIFY with the right certificates reaches dockerd over TLS."""
    host, certs = dockerd_tls
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", certs)
    async with dockproto_trio.open_docker(host) as docker:
        assert await docker.ping() == "OK"
        assert (await docker.version()).api_version
        assert isinstance(await docker.containers.list(all=True), list)


async def test_dockerd_with_a_wrong_ca_is_refused(
    dockerd_tls: tuple[str, str], other_certs: dict[str, str]
) -> None:
    """Trusting another CA, the client refuses dockerd, naming the address."""
    host, _ = dockerd_tls
    async with dockproto_trio.open_docker(
        host, tls=tls_context_from_env(other_certs["good"])
    ) as docker:
        with pytest.raises(dockproto_trio.DockerConnectionError) as info:
            await docker.ping()
    assert host in str(info.value) and "certificate verify failed" in str(info.value)


async def test_dockerd_refuses_a_client_without_certificate(dockerd_tls: tuple[str, str]) -> None:
    """dockerd --tlsverify refuses a client that has no certificate: a typed error."""
    host, certs = dockerd_tls
    client = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    async with dockproto_trio.open_docker(host, tls=client) as docker:
        with pytest.raises((dockproto_trio.DockerConnectionError, dockproto.ProtocolError)) as info:
            await docker.ping()
    assert "certificate" in str(info.value).lower() or "broke" in str(info.value)


async def test_dockerd_refuses_plain_http_on_its_tls_port(dockerd_tls: tuple[str, str]) -> None:
    """Plain HTTP to dockerd's TLS port fails with a typed error, not a hang."""
    host, _ = dockerd_tls
    async with dockproto_trio.open_docker(host, tls=False) as docker:
        with pytest.raises((dockproto.ProtocolError, dockproto.DockerError)):
            await docker.ping()
