"""Docker contexts written by the real docker CLI (``docker context create``, ``use``) in
a configuration folder of the test's own (HOME and DOCKER_CONFIG given to the clients,
never set on this process): a Unix one, a TLS one (dockerd's ``--tlsverify`` listener,
``DOCKPROTO_DOCKER_TLS_HOST``), one with ``skip-tls-verify``, an ssh one (the private
sshd), each reached by every client; the docker CLI's order; and the refusals.
dockerd only: contexts are the client's, whatever the engine."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from dockproto import DockerConnectionError

from ..harness import ENGINES
from ..sshenv import docker_cli, ssh_children, ssh_home
from .support import Docker, Loop

pytestmark = pytest.mark.engines("docker")


def dockerd_tls() -> tuple[str, str]:
    """dockerd's TLS listener and the folder of its client's ca.pem, cert.pem, key.pem."""
    host = os.environ.get("DOCKPROTO_DOCKER_TLS_HOST")
    certs = os.environ.get("DOCKPROTO_DOCKER_CERT_PATH")
    if not host or not certs:
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail("dockerd has no TLS listener: scripts/engines start prints none")
        pytest.skip("no TLS dockerd (DOCKPROTO_DOCKER_TLS_HOST, DOCKPROTO_DOCKER_CERT_PATH)")
    return host, certs


def create(env: dict[str, str], name: str, docker: str, *more: str) -> None:
    """``docker context create NAME --docker DOCKER``, by the docker CLI itself."""
    docker_cli(env, "context", "create", name, *more, "--docker", docker)


async def test_each_kind_of_context(docker: Docker, loop: Loop, tmp_path: Path) -> None:
    """A Unix, a TLS (CA and client certificate in contexts/tls/), a skip-tls-verify and
    an ssh context, each made by `docker context create` and named by DOCKER_CONTEXT:
    version() through each is the daemon's."""
    tls_host, certs = dockerd_tls()
    expected = (await docker.version()).version
    with ssh_home(tmp_path) as ssh:
        env = ssh.env
        cert = f"cert={certs}/cert.pem,key={certs}/key.pem"
        create(env, "unix", f"host={ENGINES['docker']}")
        create(env, "tls", f"host={tls_host},ca={certs}/ca.pem,{cert}", "--description", "TLS")
        create(env, "skip", f"host={tls_host},{cert},skip-tls-verify=true")
        create(env, "ssh", f"host={ssh.host}")
        seen = {}
        for name in ("unix", "tls", "skip", "ssh"):
            async with loop.open_docker(None, env={**env, "DOCKER_CONTEXT": name}) as remote:
                spec = remote._io.spec
                assert spec.context == name
                seen[name] = (spec.kind, spec.tls, spec.verify)
                assert (await remote.version()).version == expected
        assert seen == {
            "unix": ("unix", False, False),
            "tls": ("tcp", True, True),
            "skip": ("tcp", True, False),
            "ssh": ("ssh", False, False),
        }
        assert ssh_children() == []


async def test_the_docker_cli_order(loop: Loop, tmp_path: Path) -> None:
    """currentContext (written by `docker context use`), DOCKER_CONTEXT over it,
    DOCKER_HOST over both; context= (the CLI's --context) and an explicit host over all
    of them."""
    unix = ENGINES["docker"]
    assert unix is not None
    with ssh_home(tmp_path) as ssh:
        env = ssh.env
        create(env, "ca", f"host={unix}")
        create(env, "cb", f"host={unix}")
        create(env, "cc", f"host={unix}")
        docker_cli(env, "context", "use", "ca")
        bogus = "unix:///nonexistent/docker.sock"
        cases = [
            ({}, None, None, "ca"),
            ({"DOCKER_CONTEXT": "cb"}, None, None, "cb"),
            ({"DOCKER_CONTEXT": "cb"}, None, "cc", "cc"),
            ({"DOCKER_CONTEXT": "cb", "DOCKER_HOST": unix}, None, None, None),
            ({"DOCKER_CONTEXT": "cb", "DOCKER_HOST": bogus}, None, "cc", "cc"),
            ({"DOCKER_CONTEXT": "cb", "DOCKER_HOST": bogus}, unix, None, None),
            ({"DOCKER_CONTEXT": "default", "DOCKER_HOST": unix}, None, None, None),
        ]
        for extra, host, context, chosen in cases:
            async with loop.open_docker(host, env={**env, **extra}, context=context) as d:
                assert d._io.spec.context == chosen, (extra, host, context)
                assert await d.ping() == "OK"
        # `docker context use default` takes currentContext away: the default socket
        docker_cli(env, "context", "use", "default")
        async with loop.open_docker(None, env=env) as d:
            assert d._io.spec.address == "unix:///var/run/docker.sock"


async def test_refusals(loop: Loop, tmp_path: Path) -> None:
    """A context that does not exist: a ValueError naming it, before anything is sent;
    a TLS context whose CA did not sign dockerd's certificate: refused, naming the
    address and the reason."""
    tls_host, certs = dockerd_tls()
    with ssh_home(tmp_path) as ssh:
        env = ssh.env
        with pytest.raises(ValueError, match="Docker context 'nope' does not exist"):
            async with loop.open_docker(None, env={**env, "DOCKER_CONTEXT": "nope"}):
                pass
        other = tmp_path / "other-ca.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-subj", "/CN=not dockerd's CA", "-days", "1",
             "-keyout", str(tmp_path / "other-key.pem"), "-out", str(other)],
            check=True, capture_output=True,
        )  # fmt: skip
        cert = f"cert={certs}/cert.pem,key={certs}/key.pem"
        create(env, "wrongca", f"host={tls_host},ca={other},{cert}")
        async with loop.open_docker(None, env=env, context="wrongca") as remote:
            with pytest.raises(DockerConnectionError) as info:
                await remote.version()
        assert info.value.address == tls_host
        assert "certificate verify failed" in info.value.reason
