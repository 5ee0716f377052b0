"""``containers.run``'s pull policies and ``images.pull_and_wait``, on a fake daemon that
answers the pull, for the exact order of the calls.  The daemon keeps a set of images:
``create`` of one it lacks is dockerd's 404, a pull adds it.  The same scenarios against
the real registry (``scripts/registry``), on both engines: ``test_run_pulls_the_missing_
image`` and ``test_credential_helper`` in ``tests/integration/_async/test_registry.py``."""

from __future__ import annotations

import base64
import json
import re
import struct
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import trio

import dockproto
from dockproto import JSONMessage, RegistryAuth

from ..fakedaemon import FakeDaemon, Seen, fake_docker, json_answer, ping_ok

CID = "c0ffee" + "0" * 58
IMAGE_ID = "sha256:" + "ab" * 32
DIGEST = "sha256:" + "cd" * 32


def frame(kind: int, data: bytes) -> bytes:
    return struct.pack(">BxxxL", kind, len(data)) + data


class Daemon:
    """dockerd, as far as ``run`` and ``pull`` see it."""

    def __init__(self, images: set[str]) -> None:
        self.images = images
        self.started = trio.Event()
        self.calls: list[str] = []

    async def __call__(self, seen: Seen, stream: Any) -> bool:
        url = urlsplit(seen.target)
        path, query = url.path.split("/", 2)[-1], parse_qs(url.query)
        self.calls.append(f"{seen.method} /{path}")
        if path == "_ping" or url.path == "/_ping":
            return await ping_ok(seen, stream)
        if path == "containers/create":
            image = json.loads(seen.body)["Image"]
            if image not in self.images:
                answer = json_answer({"message": f"No such image: {image}"}, 404)
            else:
                answer = json_answer({"Id": CID, "Warnings": []}, 201)
            await stream.send_all(answer)
        elif path == "images/create":
            ref = f"{query['fromImage'][0]}:{query['tag'][0]}"
            self.images.add(ref)
            lines = [
                {"status": "Pulling from app", "id": query["tag"][0]},
                {"status": f"Digest: {DIGEST}"},
                {"status": f"Status: Downloaded newer image for {ref}"},
            ]
            body = b"".join(json.dumps(m).encode() + b"\r\n" for m in lines)
            await stream.send_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
        elif path == "images/json":  # (by repository, as dockerd filters)
            repo = json.loads(query["filters"][0])["reference"][0]
            tags = [i for i in self.images if i.rpartition(":")[0] == repo]
            summary = {"Id": IMAGE_ID, "RepoTags": tags, "RepoDigests": [f"{repo}@{DIGEST}"]}
            await stream.send_all(json_answer([summary] if tags else []))
        elif seen.method == "GET" and path.startswith("images/") and path.endswith("/json"):
            found = path[len("images/") : -len("/json")] in self.images
            answer = {"Id": IMAGE_ID} if found else {"message": "No such image"}
            await stream.send_all(json_answer(answer, 200 if found else 404))
        elif path == f"containers/{CID}/attach":
            await stream.send_all(
                b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream"
                b"\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
            )
            await self.started.wait()  # (output only once started)
            await stream.send_all(frame(1, b"out\n") + frame(2, b"err\n"))
            return False  # (the container exited: the stream ends)
        elif path == f"containers/{CID}/start":
            self.started.set()
            await stream.send_all(b"HTTP/1.1 204 No Content\r\n\r\n")
        elif path == f"containers/{CID}/wait":
            await stream.send_all(json_answer({"StatusCode": 0}))
        elif seen.method == "DELETE" and path == f"containers/{CID}":
            await stream.send_all(b"HTTP/1.1 204 No Content\r\n\r\n")
        else:
            raise AssertionError(f"unexpected {seen.method} {seen.target}")
        return True


AUTH = RegistryAuth(username="u", password="pw", serveraddress="reg.example:5000")
IMAGE = "reg.example:5000/team/app:1"


async def run(daemon: Daemon, nursery: trio.Nursery, **kwargs: Any) -> tuple[Any, list[Any]]:
    fake = FakeDaemon(daemon, nursery)
    progress: list[JSONMessage] = []
    async with fake_docker(fake, api_version="1.41") as docker:
        result = await docker.containers.run(
            IMAGE, ["app"], auth=AUTH, progress=progress.append, **kwargs
        )
    pulls = [s for s in fake.seen if s.target.startswith("/v1.41/images/create")]
    for pull in pulls:  # (the credentials went with every pull)
        sent = json.loads(base64.urlsafe_b64decode(pull.headers["x-registry-auth"]))
        assert sent == dict(AUTH)
    return result, progress


async def test_missing_image_is_pulled_then_run(nursery: trio.Nursery) -> None:
    """pull="missing": the create's 404 pulls the image (tag and credentials), the
    caller sees the progress, and the container runs."""
    daemon = Daemon(images=set())
    result, progress = await run(daemon, nursery, remove=True)
    assert result == dockproto.RunResult(0, b"out\n", b"err\n")
    assert [m.value["status"] for m in progress][
        -1
    ] == f"Status: Downloaded newer image for {IMAGE}"
    assert daemon.calls == [  # (the version is pinned: no /_ping)
        "POST /containers/create",
        "POST /images/create",
        "POST /containers/create",
        f"POST /containers/{CID}/attach",
        f"POST /containers/{CID}/start",
        f"POST /containers/{CID}/wait",
        f"DELETE /containers/{CID}",
    ]


async def test_present_image_is_not_pulled(nursery: trio.Nursery) -> None:
    daemon = Daemon(images={IMAGE})
    result, progress = await run(daemon, nursery)
    assert result.stdout == b"out\n" and progress == []
    assert "POST /images/create" not in daemon.calls


async def test_pull_always(nursery: trio.Nursery) -> None:
    """pull="always" pulls first, even when the image is there."""
    daemon = Daemon(images={IMAGE})
    result, progress = await run(daemon, nursery, pull="always")
    assert result.exit_code == 0 and len(progress) == 3
    assert daemon.calls[:2] == ["POST /images/create", "POST /containers/create"]


async def test_pull_never_names_the_image(nursery: trio.Nursery) -> None:
    """pull="never" with a missing image: NotFound naming it, nothing pulled."""
    daemon = Daemon(images=set())
    with pytest.raises(dockproto.NotFound, match=re.escape(IMAGE)):
        await run(daemon, nursery, pull="never")
    assert "POST /images/create" not in daemon.calls


async def test_pull_and_wait(nursery: trio.Nursery) -> None:
    """pull_and_wait ends with the image's id and digest; a name with no tag pulls
    ``latest``, never every tag."""
    daemon = Daemon(images=set())
    fake = FakeDaemon(daemon, nursery)
    async with fake_docker(fake, api_version="1.41") as docker:
        got: list[JSONMessage] = []
        image = await docker.images.pull_and_wait("reg.example:5000/team/app", progress=got.append)
    assert image.id == IMAGE_ID and image.digests == [f"reg.example:5000/team/app@{DIGEST}"]
    assert len(got) == 3
    pull = next(s for s in fake.seen if "/images/create" in s.target)
    assert parse_qs(urlsplit(pull.target).query)["tag"] == ["latest"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image": "Team/App"}, "lower case"),
        ({"image": "a b"}, "invalid image reference"),
        ({"pull": "sometimes"}, "pull is one of missing, always, never"),
        ({"stdin": "text"}, "stdin is bytes"),
        ({"detach": True, "stdin": b"x"}, "stdin needs detach=False"),
        ({"cmd": "echo 'unclosed"}, "cannot split the command"),
        ({"name": "bad name"}, "invalid container name"),
    ],
)
async def test_bad_arguments_send_nothing(
    nursery: trio.Nursery, kwargs: dict[str, Any], message: str
) -> None:
    """Each is a ValueError before anything is sent."""
    daemon = Daemon(images=set())
    fake = FakeDaemon(daemon, nursery)
    args = {"image": IMAGE, "cmd": ["app"], **kwargs}
    async with fake_docker(fake, api_version="1.41") as docker:
        with pytest.raises(ValueError, match=message):
            await docker.containers.run(args.pop("image"), args.pop("cmd"), **args)
    assert fake.seen == []
