"""Registry credentials from the docker CLI's config, sent as X-Registry-Auth.

The lookup is ``Docker.auth_for`` in the driver (written once), over each client's
backend: its ``read_file`` reads ``config.json`` and its ``run_process`` runs the helper.
So every lookup below runs on the three clients, trio, asyncio and blocking.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
from collections.abc import Callable
from typing import Any

import pytest
import trio

import dockproto_asyncio
import dockproto_sync
import dockproto_trio
from dockproto import CredentialError, registry_of

from ..fakedaemon import FakeDaemon, Seen, fake_docker

AuthFor = Callable[[str], Any]


@pytest.fixture(params=["trio", "asyncio", "sync"])
def auth_for(request: Any, tmp_path: Any, monkeypatch: Any) -> AuthFor:
    """``auth_for(image)`` on one client (no daemon: the lookup sends nothing), with
    ``DOCKER_CONFIG`` the test's folder, where ``write_config`` writes."""
    kind = str(request.param)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    host = f"unix://{tmp_path}/no-daemon.sock"

    def lookup(image: str) -> Any:
        if kind == "sync":
            with dockproto_sync.open_docker(host) as docker:
                return docker.auth_for(image)
        module: Any = dockproto_trio if kind == "trio" else dockproto_asyncio

        async def run() -> Any:
            async with module.open_docker(host) as docker:
                return await docker.auth_for(image)

        return trio.run(run) if kind == "trio" else asyncio.run(run())

    return lookup


def write_config(tmp_path: Any, config: dict[str, Any]) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


def helper(tmp_path: Any, name: str, user: str, secret: str, fail: bool = False) -> None:
    """A docker-credential-<name> program that answers for one server."""
    script = tmp_path / "bin" / f"docker-credential-{name}"
    script.parent.mkdir(exist_ok=True)
    body = (
        "echo 'credentials not found in native keychain'; exit 1"
        if fail
        else f'read server; printf \'{{"ServerURL":"%s","Username":"{user}","Secret":"{secret}"}}\' "$server"'
    )
    script.write_text(f'#!/bin/sh\n[ "$1" = get ] || exit 2\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_registry_of() -> None:
    """Image references name their registry as the CLI reads them."""
    assert registry_of("busybox") == "docker.io"
    assert registry_of("me/app:1") == "docker.io"
    assert registry_of("ghcr.io/me/app") == "ghcr.io"
    assert registry_of("localhost:5000/app") == "localhost:5000"
    assert registry_of("localhost/app") == "localhost"


def test_no_config_file_means_no_credentials(auth_for: AuthFor) -> None:
    """Without a config.json (the backend reads no such file) there are no credentials."""
    assert auth_for("busybox") is None


def test_auths_entry(tmp_path: Any, auth_for: AuthFor) -> None:
    """A base64 user:password in auths is decoded for the image's registry."""
    token = base64.b64encode(b"alice:s3cret").decode()
    write_config(tmp_path, {"auths": {"https://index.docker.io/v1/": {"auth": token}}})
    assert auth_for("busybox") == {
        "username": "alice",
        "password": "s3cret",
        "serveraddress": "https://index.docker.io/v1/",
    }
    assert auth_for("ghcr.io/x/y") is None


def test_cred_helper_wins_over_store(tmp_path: Any, monkeypatch: Any, auth_for: AuthFor) -> None:
    """credHelpers for the registry wins over credsStore, which wins over auths."""
    helper(tmp_path, "per", "bob", "pw1")
    helper(tmp_path, "store", "carol", "pw2")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    write_config(
        tmp_path,
        {
            "credHelpers": {"registry.example.com": "per"},
            "credsStore": "store",
            "auths": {"registry.example.com": {"auth": base64.b64encode(b"x:y").decode()}},
        },
    )
    got = auth_for("registry.example.com/team/app:1")
    assert got == {"username": "bob", "password": "pw1", "serveraddress": "registry.example.com"}
    hub = auth_for("busybox")
    assert hub is not None and hub["username"] == "carol"


def test_store_without_entry_falls_back_to_auths(
    tmp_path: Any, monkeypatch: Any, auth_for: AuthFor
) -> None:
    """A store that has no credentials for the server leaves auths to answer."""
    helper(tmp_path, "empty", "", "", fail=True)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    token = base64.b64encode(b"dave:pw").decode()
    write_config(tmp_path, {"credsStore": "empty", "auths": {"docker.io": {"auth": token}}})
    got = auth_for("library/busybox")
    assert got is not None and got["username"] == "dave"


def test_missing_helper_is_a_clear_error(tmp_path: Any, auth_for: AuthFor) -> None:
    """A configured helper that is not installed is a CredentialError naming it."""
    write_config(tmp_path, {"credsStore": "dockproto-absent"})
    with pytest.raises(CredentialError, match="docker-credential-dockproto-absent"):
        auth_for("busybox")


def test_failing_helper_output_stays_out_of_the_error(
    tmp_path: Any, monkeypatch: Any, auth_for: AuthFor
) -> None:
    """A helper that fails is named with its status; what it printed is not in the error."""
    script = tmp_path / "bin" / "docker-credential-boom"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho 'token=s3cret'; echo 's3cret' >&2; exit 3\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    write_config(tmp_path, {"credsStore": "boom"})
    with pytest.raises(CredentialError) as info:
        auth_for("busybox")
    assert str(info.value) == "docker-credential-boom get failed (3)"


def test_malformed_config_file_names_the_file(tmp_path: Any, auth_for: AuthFor) -> None:
    """A config.json that is not JSON, or not UTF-8, is a CredentialError naming the file."""
    path = tmp_path / "config.json"
    for data, reason in (
        (b'{"auths": ', "is not valid JSON"),
        (b'{"a": "\xff"}', "not valid UTF-8"),
    ):
        path.write_bytes(data)
        with pytest.raises(CredentialError, match=reason) as info:
            auth_for("busybox")
        assert str(info.value).startswith(f"{path} ")


async def test_pull_sends_configured_credentials(
    tmp_path: Any, monkeypatch: Any, nursery: trio.Nursery
) -> None:
    """pull without auth= reads the config and sends X-Registry-Auth."""
    token = base64.b64encode(b"erin:pw").decode()
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    write_config(tmp_path, {"auths": {"registry.example.com": {"auth": token}}})

    async def handler(seen: Seen, stream: Any) -> bool:
        body = b'{"status":"done"}\r\n'
        await stream.send_all(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        return True

    daemon = FakeDaemon(handler, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        msgs = [m.value async for m in docker.images.pull("registry.example.com/app", tag="1")]
    assert msgs == [{"status": "done"}]
    sent = json.loads(base64.urlsafe_b64decode(daemon.seen[0].headers["x-registry-auth"]))
    assert sent == {"username": "erin", "password": "pw", "serveraddress": "registry.example.com"}
