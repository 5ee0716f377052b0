"""A service's registry credentials, from the docker CLI's config as for a pull: sent as
X-Registry-Auth on a create and an update, and no header at all without credentials
(a swarm node then uses the image it holds).  Over the fake daemon: the wire is what
is checked."""

from __future__ import annotations

import base64
import json
from typing import Any

import trio

import dockproto

from ..fakedaemon import FakeDaemon, Seen, fake_docker, json_answer


async def answer(seen: Seen, stream: Any) -> bool:
    if seen.target.endswith("/services/create"):
        await stream.send_all(json_answer({"ID": "svc1"}, 201))
    else:
        await stream.send_all(json_answer({"Warnings": None}))
    return True


async def test_service_credentials_from_the_config(
    tmp_path: Any, monkeypatch: Any, nursery: trio.Nursery
) -> None:
    """create and update read the config for the image's registry; an update given the
    Service uses its image; no credentials, no header."""
    token = base64.b64encode(b"erin:pw").decode()
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(
        json.dumps({"auths": {"registry.example.com": {"auth": token}}})
    )
    service = dockproto.Service.from_json(
        {
            "ID": "svc1",
            "Version": {"Index": 7},
            "Spec": {
                "Name": "web",
                "TaskTemplate": {"ContainerSpec": {"Image": "registry.example.com/app:1"}},
            },
        }
    )
    daemon = FakeDaemon(answer, nursery)
    async with fake_docker(daemon, api_version="1.41") as docker:
        assert await docker.services.create("registry.example.com/app:1") == "svc1"
        assert await docker.services.update(service, replicas=2) == []
        await docker.services.create("busybox")  # (the Hub: no entry in the config)
        await docker.services.update(service, auth={"username": "u", "password": "p"})
    sent = [s.headers.get("x-registry-auth") for s in daemon.seen]
    expected = {"username": "erin", "password": "pw", "serveraddress": "registry.example.com"}
    assert [json.loads(base64.urlsafe_b64decode(h)) for h in sent[:2] if h] == [expected] * 2
    assert sent[2] is None
    assert json.loads(base64.urlsafe_b64decode(sent[3] or "")) == {"username": "u", "password": "p"}
    assert daemon.seen[1].target == "/v1.41/services/svc1/update?version=7"
