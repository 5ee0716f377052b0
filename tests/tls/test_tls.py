"""TLS without dockerd: the fake daemon behind trio's TLS on 127.0.0.1, with
certificates made by ``scripts/tls-certs``.

Verification is on by default; a wrong CA or host name is refused before anything is
sent, with an error naming the address and the reason; the daemon refuses a client
without a certificate.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

import pytest

import dockproto
import dockproto_trio
from dockproto._drive.hosts import tls_context_from_env

from ..fakedaemon import Seen, json_answer
from ..faults.wire import open_fds
from .tlsdaemon import make_certs, server_context, tls_daemon

VERSION = {"ApiVersion": "1.41", "Version": "20.10.24"}


@pytest.fixture(scope="session")
def certs(tmp_path_factory: Any) -> dict[str, str]:
    return make_certs(str(tmp_path_factory.mktemp("certs")))


async def answer(seen: Seen, stream: Any) -> bool:
    await stream.send_all(json_answer(VERSION))
    return True


@pytest.fixture
def clean_env(monkeypatch: Any) -> Any:
    for name in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


async def test_verified_tls_from_the_environment(certs: dict[str, str], clean_env: Any) -> None:
    """DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH give a verified TLS client."""
    async with tls_daemon(answer, server_context(certs["good"], certs["good"])) as d:
        clean_env.setenv("DOCKER_HOST", d.host)
        clean_env.setenv("DOCKER_TLS_VERIFY", "1")
        clean_env.setenv("DOCKER_CERT_PATH", certs["good"])
        async with dockproto_trio.open_docker(api_version="1.41") as docker:
            assert docker._io.ssl_context is not None
            assert docker._io.ssl_context.verify_mode == ssl.CERT_REQUIRED
            assert docker._io.ssl_context.check_hostname
            assert (await docker.version()).version == "20.10.24"
    assert d.handshake_errors == []


async def test_tls_true_verifies_by_default(certs: dict[str, str], clean_env: Any) -> None:
    """tls=True verifies the daemon; with no ca.pem at all, against the system's CAs."""
    empty = os.path.join(os.path.dirname(certs["good"]), "empty")
    os.makedirs(empty, exist_ok=True)
    clean_env.setenv("DOCKER_CERT_PATH", empty)
    async with tls_daemon(answer, server_context(certs["good"], certs["good"])) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=True) as docker:
            with pytest.raises(dockproto_trio.DockerConnectionError) as info:
                await docker.version()
    assert "certificate verify failed" in str(info.value)
    assert d.daemon.seen == []


@pytest.mark.parametrize("case", ["wrong-ca", "wrong-hostname", "system-cas"])
async def test_unverifiable_daemon_is_refused(certs: dict[str, str], case: str) -> None:
    """A daemon whose certificate does not verify is refused, naming address and reason,
    and nothing is sent to it."""
    server_dir = certs["misnamed"] if case == "wrong-hostname" else certs["good"]
    client = {
        "wrong-ca": lambda: tls_context_from_env(certs["other"]),
        "wrong-hostname": lambda: tls_context_from_env(certs["good"]),
        "system-cas": ssl.create_default_context,
    }[case]()
    before = len(open_fds())
    async with tls_daemon(answer, server_context(server_dir, certs["good"])) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=client) as docker:
            with pytest.raises(dockproto_trio.DockerConnectionError) as info:
                await docker.version()
            assert docker._pool.idle == 0
    assert len(open_fds()) == before  # the refused handshake kept no socket
    message = str(info.value)
    assert d.host in message
    assert "certificate verify failed" in message
    if case == "wrong-hostname":
        assert "mismatch" in message
    assert d.daemon.seen == []


async def refused_for_its_certificate(client: ssl.SSLContext, certs: dict[str, str]) -> None:
    """A daemon that requires client certificates refuses ``client`` in the handshake."""
    async with tls_daemon(answer, server_context(certs["good"], certs["good"])) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=client) as docker:
            with pytest.raises((dockproto_trio.DockerConnectionError, dockproto.ProtocolError)):
                await docker.version()
    assert d.daemon.seen == []
    assert any("certificate" in e for e in d.handshake_errors)


async def test_client_without_certificate_is_refused(certs: dict[str, str]) -> None:
    """A daemon that requires client certificates refuses a client without one."""
    client = ssl.create_default_context(cafile=os.path.join(certs["good"], "ca.pem"))
    await refused_for_its_certificate(client, certs)


async def test_client_certificate_from_another_ca_is_refused(certs: dict[str, str]) -> None:
    """A client certificate the daemon's CA did not sign is refused."""
    client = tls_context_from_env(certs["other"])
    client.load_verify_locations(os.path.join(certs["good"], "ca.pem"))  # trusts the daemon
    await refused_for_its_certificate(client, certs)


async def test_plain_client_to_a_tls_daemon_fails_cleanly(certs: dict[str, str]) -> None:
    """Plain HTTP sent to a TLS port gives a typed error, not a hang."""
    async with tls_daemon(answer, server_context(certs["good"], certs["good"])) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=False) as docker:
            with pytest.raises(dockproto.ProtocolError):
                await docker.version()
    assert d.daemon.seen == []


async def test_tls_client_to_a_plain_daemon_fails_cleanly(clean_env: Any) -> None:
    """TLS spoken to a plain HTTP daemon is refused at the handshake, naming the address."""
    from ..faults.wire import serve

    async with serve(answer, tcp=True) as d:
        ctx = ssl.create_default_context()
        async with dockproto_trio.open_docker(d.host, api_version="1.41", tls=ctx) as docker:
            with pytest.raises(dockproto_trio.DockerConnectionError) as info:
                await docker.version()
    assert d.host in str(info.value)
