"""Wire-level golden tests of the plugin builders (and ``images.get``): request lines,
headers and bodies exactly; bad arguments refused before anything is sent."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import dockproto
from dockproto import Connection, Expect, api

from .test_builders import wire

NETWORK = [{"Name": "network", "Description": "", "Value": ["host"]}]
AUTH = {"username": "u", "password": "s3cret-pw", "serveraddress": "reg:5000"}

GOLDEN: list[tuple[str, Any, str]] = [
    ("list", api.plugins.list(), "GET /v1.41/plugins HTTP/1.1"),
    (
        "list filters",
        api.plugins.list(filters={"enabled": True, "capability": "volumedriver"}),
        "GET /v1.41/plugins?filters=%7B%22enabled%22%3A%5B%22true%22%5D%2C%22capability%22"
        "%3A%5B%22volumedriver%22%5D%7D HTTP/1.1",
    ),
    (
        "privileges",
        api.plugins.privileges("reg:5000/team/p:1.0"),
        "GET /v1.41/plugins/privileges?remote=reg%3A5000%2Fteam%2Fp%3A1.0 HTTP/1.1",
    ),
    (
        "pull",
        api.plugins.pull("vieux/sshfs", "sshfs:next"),
        "POST /v1.41/plugins/pull?remote=vieux%2Fsshfs&name=sshfs%3Anext HTTP/1.1",
    ),
    ("pull own name", api.plugins.pull("p"), "POST /v1.41/plugins/pull?remote=p HTTP/1.1"),
    (
        "inspect",
        api.plugins.inspect("reg:5000/team/p:1.0"),
        "GET /v1.41/plugins/reg:5000/team/p:1.0/json HTTP/1.1",
    ),
    ("rm", api.plugins.rm("p"), "DELETE /v1.41/plugins/p?force=false HTTP/1.1"),
    ("rm force", api.plugins.rm("p", force=True), "DELETE /v1.41/plugins/p?force=true HTTP/1.1"),
    ("enable", api.plugins.enable("p"), "POST /v1.41/plugins/p/enable?timeout=30 HTTP/1.1"),
    (
        "enable 0",
        api.plugins.enable("p", activation_timeout=0),
        "POST /v1.41/plugins/p/enable?timeout=0 HTTP/1.1",
    ),
    ("disable", api.plugins.disable("p"), "POST /v1.41/plugins/p/disable HTTP/1.1"),
    (
        "disable force",
        api.plugins.disable("p", force=True),
        "POST /v1.41/plugins/p/disable?force=true HTTP/1.1",
    ),
    (
        "upgrade",
        api.plugins.upgrade("p", "reg:5000/p:2"),
        "POST /v1.41/plugins/p/upgrade?remote=reg%3A5000%2Fp%3A2 HTTP/1.1",
    ),
    (
        "create",
        api.plugins.create("team/p:1"),
        "POST /v1.41/plugins/create?name=team%2Fp%3A1 HTTP/1.1",
    ),
    ("push", api.plugins.push("reg:5000/p:1"), "POST /v1.41/plugins/reg:5000/p:1/push HTTP/1.1"),
    ("set", api.plugins.set("p", ["DEBUG=1"]), "POST /v1.41/plugins/p/set HTTP/1.1"),
    ("images.get", api.images.get("me/img:v1"), "GET /v1.41/images/me/img:v1/get HTTP/1.1"),
]


@pytest.mark.parametrize("name,req,line", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_request_line(name: str, req: dockproto.Request, line: str) -> None:
    """Each builder's request line (method, versioned path, query) is exactly this."""
    assert wire(req)[0] == line


def _auth(headers: dict[str, str]) -> Any:
    return json.loads(base64.urlsafe_b64decode(headers["X-Registry-Auth"]))


def test_pull_and_upgrade_send_the_granted_privileges_and_credentials() -> None:
    """The privileges granted are the JSON array body, the credentials X-Registry-Auth
    (``{}`` when anonymous, as for an image pull); the answer is a progress stream."""
    for req in (
        api.plugins.pull("reg:5000/p:1", privileges=NETWORK, auth=AUTH),
        api.plugins.upgrade("p", "reg:5000/p:1", NETWORK, AUTH),
    ):
        _, headers, body = wire(req)
        assert json.loads(body) == NETWORK
        assert headers["Content-Type"] == "application/json"
        assert headers["Content-Length"] == str(len(body))
        assert _auth(headers) == AUTH
        assert req.expect is Expect.STREAM and req.content is dockproto.Content.JSONLINES
    _, headers, body = wire(api.plugins.pull("p"))
    assert body == b"[]" and _auth(headers) == {}


def test_privileges_and_push_send_credentials() -> None:
    """privileges and push carry X-Registry-Auth (``{}`` when anonymous); push streams."""
    assert _auth(wire(api.plugins.privileges("p", AUTH))[1]) == AUTH
    assert _auth(wire(api.plugins.privileges("p"))[1]) == {}
    req = api.plugins.push("reg:5000/p:1", AUTH)
    assert _auth(wire(req)[1]) == AUTH and req.expect is Expect.STREAM
    assert "s3cret-pw" not in repr(req) and "<redacted>" in repr(req)


def test_set_body() -> None:
    """set's body is the JSON array of ``KEY=value``; a mapping gives the same."""
    assert json.loads(wire(api.plugins.set("p", ["A=1", "mnt.source=/x"]))[2]) == [
        "A=1",
        "mnt.source=/x",
    ]
    assert json.loads(wire(api.plugins.set("p", {"A": "1", "B": ""}))[2]) == ["A=1", "B="]


def test_create_streams_a_tar() -> None:
    """create's tar goes as a chunked body, piece by piece; no answer body (204)."""
    conn = Connection("1.41")
    head = conn.send_request(api.plugins.create("p"))
    assert b"Transfer-Encoding: chunked\r\n" in head
    assert b"Content-Type: application/x-tar\r\n" in head
    assert conn.send_body(b"tar") == b"3\r\ntar\r\n"
    assert conn.end_body() == b"0\r\n\r\n"
    assert api.plugins.create("p").expect is Expect.EMPTY


def test_images_get_is_a_tar() -> None:
    """images.get streams one image's ``docker save`` tar (or raw bytes)."""
    assert api.images.get("img").content is dockproto.Content.TAR
    assert api.images.get("img", raw=True).content is dockproto.Content.BYTES


BAD: list[tuple[str, Any, str]] = [
    ("blank remote", lambda: api.plugins.pull("a b"), "invalid image reference"),
    ("empty name", lambda: api.plugins.inspect(""), "invalid image reference"),
    ("query in name", lambda: api.plugins.enable("p?x=1"), "invalid image reference"),
    ("local name", lambda: api.plugins.pull("p", "x#y"), "invalid image reference"),
    ("one string", lambda: api.plugins.set("p", "A=1"), "not one string"),
    ("no equals", lambda: api.plugins.set("p", ["A"]), 'is "KEY=value"'),
    ("no key", lambda: api.plugins.set("p", ["=1"]), 'is "KEY=value"'),
    ("negative", lambda: api.plugins.enable("p", -1), "non-negative"),
    ("privilege", lambda: api.plugins.pull("p", privileges=["network"]), "a privilege is"),
    ("auth key", lambda: api.plugins.push("p", {"user": "u"}), "user"),
    ("get", lambda: api.images.get("a b"), "invalid image reference"),
]


@pytest.mark.parametrize("build,msg", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_arguments_raise_before_sending(build: Any, msg: str) -> None:
    """Arguments the client can check are a ValueError when the request is built."""
    with pytest.raises(ValueError, match=msg):
        build()
