"""``api.distribution.inspect``: the exact bytes it sends, and how its answer decodes."""

from __future__ import annotations

import base64
import json

import pytest

import dockproto
from dockproto import Connection, RegistryAuth, api

from .conftest import drain


def test_full_bytes_anonymous() -> None:
    """Anonymous: the registry, path and tag stay readable in the path, and the header
    carries ``{}`` as the docker CLI sends it."""
    raw = Connection("1.41").send_request(api.distribution.inspect("10.215.87.1:5443/dp/x:v1"))
    assert raw == (
        b"GET /v1.41/distribution/10.215.87.1:5443/dp/x:v1/json HTTP/1.1\r\nHost: docker\r\n"
        b"User-Agent: dockproto/0.1\r\nX-Registry-Auth: e30=\r\n\r\n"
    )


def test_credentials_and_digest() -> None:
    """Credentials travel as base64url JSON; a digest reference keeps its ``@``."""
    auth = RegistryAuth(username="u", password="p?/+", serveraddress="reg.example:5000")
    digest = "sha256:" + "ab" * 32
    raw = Connection("1.41").send_request(
        api.distribution.inspect(f"reg.example:5000/team/app@{digest}", auth)
    )
    head = raw.decode().split("\r\n")
    assert head[0] == f"GET /v1.41/distribution/reg.example:5000/team/app@{digest}/json HTTP/1.1"
    value = next(h for h in head if h.startswith("X-Registry-Auth: ")).split(": ", 1)[1]
    assert "+" not in value and "/" not in value  # (the URL-safe alphabet)
    assert json.loads(base64.urlsafe_b64decode(value)) == dict(auth)
    assert "p?/+" not in repr(api.distribution.inspect("x", auth))


@pytest.mark.parametrize("name", ["", "a b", "x?y", "x#y"])
def test_bad_names_raise_before_sending(name: str) -> None:
    with pytest.raises(ValueError, match="invalid image reference"):
        api.distribution.inspect(name)


def test_bad_auth_raises_before_sending() -> None:
    with pytest.raises(ValueError, match="unknown registry auth field 'token'"):
        api.distribution.inspect("x", {"token": "t"})


def test_answer_decodes_to_a_dict() -> None:
    """A 200 answer is the JSON object; a 401 (the registry refused) is a ``DockerError``
    carrying the daemon's message."""
    body = {
        "Descriptor": {"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                       "digest": "sha256:" + "cd" * 32, "size": 527},
        "Platforms": [{"architecture": "amd64", "os": "linux"}],
    }  # fmt: skip
    data = json.dumps(body).encode()
    conn = Connection("1.41")
    conn.send_request(api.distribution.inspect("reg/x:1"))
    events = drain(
        conn,
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (len(data), data),
        "whole",
    )
    assert [e.value for e in events if isinstance(e, dockproto.Result)] == [body]

    message = b'{"message":"errors:\\nunauthorized: authentication required\\n"}'
    conn = Connection("1.41")
    conn.send_request(api.distribution.inspect("reg/x:1"))
    events = drain(
        conn,
        b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(message), message),
        "whole",
    )
    err = next(e for e in events if isinstance(e, dockproto.ErrorResponse))
    exc = err.exception()
    assert isinstance(exc, dockproto.DockerError) and exc.status_code == 401
    assert "authentication required" in exc.message
