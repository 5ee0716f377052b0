"""Against a real registry (``scripts/registry``: distribution 2.8 with TLS from a
private CA and htpasswd bcrypt auth, on an address outside 127.0.0.0/8, so that both
engines check its certificate): push and pull with progress, credentials from
``$DOCKER_CONFIG/config.json`` (``auths``, and a ``credHelpers`` helper program),
``POST /auth``, ``distribution.inspect``, ``containers.run`` pulling what is missing, and
the refusals: a wrong password, an unknown image, a certificate of an unknown CA.

Each test has a ``DOCKER_CONFIG`` of its own, a temporary folder: never the user's.
Where podman 4.3 differs (no per-layer progress on push, no ``/distribution`` route,
errors of a pull inside the stream), the test pins what it does.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import stat
import sys
import tarfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import dockproto
from dockproto import RegistryAuth

from ..harness import IMAGE
from .support import Docker, Loop

REGISTRY = os.environ.get("DOCKPROTO_REGISTRY", "")
USER = os.environ.get("DOCKPROTO_REGISTRY_USER", "")
PASSWORD = os.environ.get("DOCKPROTO_REGISTRY_PASSWORD", "")
UNTRUSTED = os.environ.get("DOCKPROTO_REGISTRY_UNTRUSTED", "")
REQUIRED = os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1"

pytestmark = pytest.mark.skipif(
    not REGISTRY and not REQUIRED, reason="no registry (scripts/registry start)"
)

DIGEST_LINE = re.compile(r"^\S+: digest: (sha256:[0-9a-f]{64}) size: \d+$")
UNAUTHORIZED = "unauthorized: authentication required"  # (the registry's own words)
UNKNOWN_CA = "x509: certificate signed by unknown authority"


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: Any) -> Path:
    """The test's own ``DOCKER_CONFIG`` (empty: no credentials until the test writes)."""
    if not REGISTRY:
        pytest.fail("no registry: run scripts/registry start and export its lines")
    folder = tmp_path / "docker-config"
    folder.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    return folder


def write_auths(config: Path, password: str = PASSWORD) -> None:
    """config.json's ``auths``, as ``docker login`` leaves them."""
    token = base64.b64encode(f"{USER}:{password}".encode()).decode()
    (config / "config.json").write_text(json.dumps({"auths": {REGISTRY: {"auth": token}}}))


HELPER = """\
import json, sys
assert sys.argv[1:] == ["get"], sys.argv
server = sys.stdin.read().strip()
with open({log!r}, "a") as log:
    log.write(server + "\\n")
if server != {registry!r}:
    print("credentials not found in native keychain")
    sys.exit(1)
print(json.dumps({{"ServerURL": server, "Username": {user!r}, "Secret": {password!r}}}))
"""


def install_helper(config: Path, monkeypatch: Any) -> Path:
    """``docker-credential-dptest`` on PATH, named by config.json's ``credHelpers`` for
    the registry; returns the file where it writes each server it is asked about."""
    bin_dir = config / "bin"
    bin_dir.mkdir()
    log = config / "helper.log"
    script = bin_dir / "docker-credential-dptest"
    script.write_text(
        f"#!{sys.executable}\n"
        + HELPER.format(log=str(log), registry=REGISTRY, user=USER, password=PASSWORD)
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    (config / "config.json").write_text(json.dumps({"credHelpers": {REGISTRY: "dptest"}}))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def unique_layer() -> bytes:
    """A root filesystem tar of one file of random bytes: a layer no registry holds."""
    data = os.urandom(200_000)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("blob")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def repo(what: str) -> str:
    return f"{REGISTRY}/dp/{what}-{uuid.uuid4().hex[:10]}"


def statuses(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m["status"]) for m in messages if "status" in m]


def pushed_digest(messages: list[dict[str, Any]]) -> str:
    """The digest of the push's last status line (``TAG: digest: sha256:... size: N``)."""
    lines = [s for s in statuses(messages) if DIGEST_LINE.match(s)]
    assert lines, messages
    match = DIGEST_LINE.match(lines[-1])
    assert match is not None
    return match.group(1)


async def collect(stream: AsyncIterator[Any]) -> list[dict[str, Any]]:
    return [message.value async for message in stream]


async def forget(docker: Docker, *refs: str) -> None:
    """Untag local names (a clean-up: one already gone is fine).  Never ``force``: on
    podman that removes the image under every name, the test image's own too."""
    for ref in refs:
        try:
            await docker.images.rm(ref)
        except dockproto.NotFound:
            pass


async def remove_image(docker: Docker, image_id: str) -> None:
    """Remove an image this test made, under every name (a clean-up: gone is fine).  A
    digest pull's reference is one of those names on podman, and podman cannot untag
    it: it removes the image itself, so a test that pulls by digest pushes an image of
    its own (``unique_layer``), never the shared test image."""
    try:
        await docker.images.rm(image_id, force=True)
    except dockproto.NotFound:
        pass


async def test_push_pull_inspect(docker: Docker, loop: Loop, engine: str, config: Path) -> None:
    """Credentials from config.json's ``auths``: a push with progress that ends with the
    manifest's digest; after the local image is gone, a pull with progress of that
    digest; the image's RepoDigests; ``distribution.inspect``'s descriptor and platforms
    (podman 4.3 has no such route: ``NotFound``)."""
    write_auths(config)
    name = repo("push")
    async for _ in docker.images.import_(unique_layer(), repo=name, tag="v1"):
        pass
    podman = engine == "podman"
    try:
        async with loop.fail_after(60):
            pushed = await collect(docker.images.push(name, tag="v1"))
        assert statuses(pushed)[0].startswith(f"The push refers to repository [{name}")
        digest = pushed_digest(pushed)
        if podman:  # (podman 4.3 reports no layer's progress on a push)
            assert len(pushed) == 2, pushed
        else:
            pushing = [m for m in pushed if m.get("status") == "Pushing"]
            assert pushing and pushing[-1]["progressDetail"]["current"] > 0, pushed
            assert "Pushed" in statuses(pushed)
            assert pushed[-1]["aux"]["Digest"] == digest  # (dockerd's aux line)

        await docker.images.rm(f"{name}:v1")
        async with loop.fail_after(60):
            pulled = await collect(docker.images.pull(name, tag="v1"))
        if podman:
            assert "Download complete" in statuses(pulled), pulled
        else:
            assert f"Digest: {digest}" in statuses(pulled)
            assert statuses(pulled)[-1] == f"Status: Downloaded newer image for {name}:v1"
            # (a layer's Downloading or Extracting progress, each with its total)
            assert any((m.get("progressDetail") or {}).get("total") for m in pulled), pulled
        info = await docker.images.inspect(f"{name}:v1")
        assert f"{name}@{digest}" in info["RepoDigests"]

        if podman:
            with pytest.raises(dockproto.NotFound, match="Not Found"):
                await docker.distribution.inspect(f"{name}:v1")
        else:
            found = await docker.distribution.inspect(f"{name}:v1")
            assert found["Descriptor"]["digest"] == digest
            assert found["Platforms"] == [{"architecture": info["Architecture"], "os": "linux"}]
    finally:
        await forget(docker, f"{name}:v1")


async def test_credential_helper(
    docker: Docker, loop: Loop, engine: str, config: Path, monkeypatch: Any
) -> None:
    """Credentials from a ``credHelpers`` helper program: a push, then ``pull_and_wait``
    by tag (the summary's tags and digests) and by digest (and, on dockerd,
    ``distribution.inspect``), each asking the helper about the registry."""
    log = install_helper(config, monkeypatch)
    name = repo("helper")
    async for _ in docker.images.import_(unique_layer(), repo=name, tag="v1"):
        pass
    image_id = (await docker.images.inspect(f"{name}:v1"))["Id"]
    podman = engine == "podman"
    try:
        async with loop.fail_after(60):
            digest = pushed_digest(await collect(docker.images.push(name, tag="v1")))
        await docker.images.rm(f"{name}:v1")
        async with loop.fail_after(60):
            image = await docker.images.pull_and_wait(f"{name}:v1")
        assert f"{name}@{digest}" in image.digests and f"{name}:v1" in image.tags
        async with loop.fail_after(60):  # (by digest: the same image)
            again = await docker.images.pull_and_wait(f"{name}@{digest}")
        assert again.id == image.id
        asked = 3
        if not podman:
            found = await docker.distribution.inspect(f"{name}:v1")
            assert found["Descriptor"]["digest"] == digest
            asked += 1
        assert log.read_text().splitlines() == [REGISTRY] * asked
    finally:
        await remove_image(docker, image_id)


async def test_auth(docker: Docker) -> None:
    """``POST /auth``: the right password logs in; a wrong one is the daemon's 500
    naming the registry's 401 (both engines)."""
    answer = await docker.auth(USER, PASSWORD, REGISTRY)
    assert answer is not None and answer["Status"] == "Login Succeeded"
    with pytest.raises(dockproto.ServerError, match="401 Unauthorized") as info:
        await docker.auth(USER, PASSWORD + "-wrong", REGISTRY)
    assert REGISTRY in info.value.message and PASSWORD not in str(info.value)


async def test_wrong_password_and_unknown_image(docker: Docker, loop: Loop, engine: str) -> None:
    """A wrong password (pull, push, distribution.inspect) and an unknown image (pull,
    distribution.inspect): each a typed error carrying the registry's message."""
    wrong = RegistryAuth(username=USER, password=PASSWORD + "-wrong", serveraddress=REGISTRY)
    right = RegistryAuth(username=USER, password=PASSWORD, serveraddress=REGISTRY)
    name = repo("refused")
    podman = engine == "podman"
    await docker.images.tag(IMAGE, name, "v1")
    try:
        async with loop.fail_after(60):
            # dockerd refuses the pull in its answer's head (500); podman inside the stream
            expected: type[dockproto.DockerError] = (
                dockproto.StreamError if podman else dockproto.ServerError
            )
            with pytest.raises(expected, match=UNAUTHORIZED):
                await collect(docker.images.pull(name, tag="v1", auth=wrong))
            with pytest.raises(dockproto.StreamError, match=UNAUTHORIZED):
                await collect(docker.images.push(name, tag="v1", auth=wrong))
            missing = expected if podman else dockproto.NotFound
            with pytest.raises(missing, match="manifest unknown") as unknown:
                await collect(docker.images.pull(name, tag="v1", auth=right))
            assert "v1" in unknown.value.message
    finally:
        await forget(docker, f"{name}:v1")
    if podman:  # (no /distribution route in podman 4.3)
        with pytest.raises(dockproto.NotFound, match="Not Found"):
            await docker.distribution.inspect(f"{name}:v1", auth=wrong)
        return
    with pytest.raises(dockproto.DockerError, match=UNAUTHORIZED) as refused:
        await docker.distribution.inspect(f"{name}:v1", auth=wrong)
    assert refused.value.status_code == 401
    with pytest.raises(dockproto.NotFound, match="manifest unknown"):
        await docker.distribution.inspect(f"{name}:v1", auth=right)


async def test_unknown_ca_is_refused(docker: Docker, loop: Loop, engine: str) -> None:
    """A registry whose certificate no engine trusts: the login and a pull are refused,
    the message naming the reason."""
    auth = RegistryAuth(username=USER, password=PASSWORD, serveraddress=UNTRUSTED)
    podman = engine == "podman"
    with pytest.raises(dockproto.ServerError, match=UNKNOWN_CA):
        await docker.auth(USER, PASSWORD, UNTRUSTED)
    expected = dockproto.StreamError if podman else dockproto.ServerError
    async with loop.fail_after(60):
        with pytest.raises(expected, match=UNKNOWN_CA) as info:
            await collect(docker.images.pull(f"{UNTRUSTED}/dp/any", tag="v1", auth=auth))
    assert UNTRUSTED in info.value.message


async def test_run_pulls_the_missing_image(docker: Docker, loop: Loop) -> None:
    """``containers.run(pull="missing")`` of an image only the registry has: the create's
    404 pulls it with the credentials given (the caller sees the progress), then it runs."""
    auth = RegistryAuth(username=USER, password=PASSWORD, serveraddress=REGISTRY)
    name = repo("run")
    await docker.images.tag(IMAGE, name, "1")
    progress: list[dockproto.JSONMessage] = []
    try:
        async with loop.fail_after(60):
            await collect(docker.images.push(name, tag="1", auth=auth))
        await docker.images.rm(f"{name}:1")
        with pytest.raises(dockproto.NotFound):
            await docker.images.inspect(f"{name}:1")
        async with loop.fail_after(60):
            result = await docker.containers.run(
                f"{name}:1",
                ["echo", "from the registry"],
                remove=True,
                auth=auth,
                progress=progress.append,
            )
        assert result == dockproto.RunResult(0, b"from the registry\n", b"")
        assert progress, "no pull progress"
        await docker.images.inspect(f"{name}:1")  # (pulled)
    finally:
        await forget(docker, f"{name}:1")
