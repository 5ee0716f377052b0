"""Secrets stay out of what the library prints: requests, credentials, messages.

The values are still what goes on the wire: only ``repr``, ``str`` and the log's
``redacted_target`` hide them.  ``tests/leaks.py``, the hunter the leak tests use, is
checked here first, so that a clean verdict means something.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from dataclasses import fields
from typing import Any

import pytest

from dockproto import CredentialError, CredentialHelperCall, RegistryAuth, Request, api

from ..leaks import SECRET, everything_said, leaks

AUTH = {"username": "u", "password": SECRET, "serveraddress": "localhost:5000"}


def naive_repr(request: Request[Any]) -> str:
    """What a dataclass's own repr would print: every field as it is."""
    return ", ".join(f"{f.name}={getattr(request, f.name)!r}" for f in fields(request))


@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b'{"password":"'])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_hunter_finds_base64_at_every_offset(prefix: bytes, encode: Any) -> None:
    """The secret inside base64, at each byte alignment, in either alphabet, after text
    whose characters are themselves base64's, is found."""
    for secret in (SECRET, json.dumps(SECRET)[1:-1]):
        token = encode(prefix + secret.encode() + b'"}').decode()
        assert leaks(f"X-Auth: {token} and more") == ["base64"]
        assert leaks(f"auth{token}") == ["base64"]  # (glued to base64-looking text)


def test_hunter_finds_plain_json_and_repr() -> None:
    assert leaks(f"password {SECRET}") == ["plain"]
    assert leaks(json.dumps({"password": SECRET})) == ["json"]
    assert leaks(repr(SECRET.encode())) == ["repr"]
    assert leaks(repr(json.dumps(SECRET).encode())) == ["repr"]
    assert leaks("nothing here: eyJ1c2VybmFtZSI6InUifQ==") == []


def test_the_fields_hold_the_secret() -> None:
    """Without redaction the request would leak: its header holds the credentials."""
    request = api.images.pull("localhost:5000/x", auth=AUTH)
    assert leaks(naive_repr(request)) == ["base64"]


@pytest.mark.parametrize("auth", [AUTH, RegistryAuth(**AUTH)])
def test_pull_and_push_requests(auth: Any) -> None:
    """The issue's example: a pull's (and a push's) repr and str show the header's name,
    its value ``<redacted>``; the header still carries the credentials."""
    for request in (
        api.images.pull("localhost:5000/x", auth=auth),
        api.images.push("localhost:5000/x", "1", auth=auth),
    ):
        shown = everything_said(request)
        assert leaks(shown) == []
        assert "('X-Registry-Auth', '<redacted>')" in shown
        assert "localhost:5000/x" in shown
        value = dict(request.headers)["X-Registry-Auth"]
        assert json.loads(base64.urlsafe_b64decode(value))["password"] == SECRET


def test_bodies_only_as_their_size() -> None:
    """A body (``/auth``'s password, an env) is shown as its size."""
    auth = api.system.auth("u", SECRET, "localhost:5000")
    create = api.containers.create("img", env={"TOKEN": SECRET})
    exec_ = api.exec.create("c", ["true"], env=[f"TOKEN={SECRET}"])
    for request in (auth, create, exec_):
        assert request.body is not None
        assert f"body=<{len(request.body)} bytes>" in repr(request)
        assert leaks(everything_said(request)) == []
        assert leaks(naive_repr(request)) == ["repr"]  # (what a plain repr would show)


def test_registry_config_and_build_args() -> None:
    """``X-Registry-Config`` is redacted as ``X-Registry-Auth`` is; in the query, build
    args keep their names and lose their values (in the repr and the log's target)."""
    config = base64.urlsafe_b64encode(json.dumps({"reg": AUTH}).encode()).decode()
    args = json.dumps({"TOKEN": SECRET, "PLAIN": "1"})
    request: Request[None] = Request(
        "POST",
        "/build",
        query=(("t", "app"), ("buildargs", args)),
        headers=(("X-Registry-Config", config),),
    )
    shown = everything_said(request) + request.redacted_target("1.41")
    assert leaks(shown) == []
    assert '"TOKEN":"<redacted>"' in shown and '"PLAIN":"<redacted>"' in shown
    assert "buildargs=%7B%22TOKEN%22%3A%22<redacted>%22" in request.redacted_target("1.41")
    assert leaks(request.target("1.41").replace("%22", '"').replace("%5C", "\\")) == ["json"]
    broken = Request("POST", "/build", query=(("buildargs", f"not json {SECRET}"),))
    assert "('buildargs', '<redacted>')" in repr(broken)


def test_registry_auth_repr_and_mapping() -> None:
    """``RegistryAuth`` names the user and the registry; it is the mapping sent."""
    auth = RegistryAuth(**AUTH)
    assert (
        repr(auth)
        == str(auth)
        == ("RegistryAuth(username='u', serveraddress='localhost:5000', password=<redacted>)")
    )
    assert auth == AUTH and AUTH == auth and dict(auth) == AUTH
    token = RegistryAuth(identitytoken=SECRET, serveraddress="r")
    assert repr(token) == "RegistryAuth(serveraddress='r', identitytoken=<redacted>)"
    assert RegistryAuth.of({"Username": "u", "Password": SECRET}) == {
        "username": "u",
        "password": SECRET,
    }


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"passwd": SECRET}, "unknown registry auth field 'passwd'"),
        ({"password": [SECRET]}, "registry auth field 'password' must be a string"),
    ],
)
def test_registry_auth_errors_name_the_key_only(bad: dict[str, Any], message: str) -> None:
    """A bad auth mapping is a ValueError before anything is sent, naming the key."""
    with pytest.raises(ValueError) as info:
        api.images.pull("x", auth=bad)
    assert str(info.value) == message
    assert leaks(everything_said(info.value)) == []


@pytest.mark.parametrize(
    "code, out, err",
    [
        (1, f"failed: {SECRET}".encode(), SECRET.encode()),
        (0, f"Secret={SECRET}".encode(), b""),
        (0, json.dumps({"Username": 1, "Secret": SECRET}).encode(), b""),
    ],
)
def test_helper_output_never_in_errors(code: int, out: bytes, err: bytes) -> None:
    """A helper that fails or answers garbage: the error says so, without its output."""
    call = CredentialHelperCall("leaky", "reg", "reg")
    with pytest.raises(CredentialError) as info:
        call.answer(code, out, err)
    assert leaks(everything_said(info.value)) == []


def test_helper_answer_is_redacted() -> None:
    call = CredentialHelperCall("leaky", "reg", "reg")
    out = json.dumps({"ServerURL": "reg", "Username": "u", "Secret": SECRET}).encode()
    found = call.answer(0, out)
    assert found == {"username": "u", "password": SECRET, "serveraddress": "reg"}
    assert leaks(everything_said(found, call)) == []


def test_clients_load_no_logging() -> None:
    """The clients log through ``logging`` only once the program has loaded it: a
    program that never does pays nothing (``logging`` brings ``threading``)."""
    code = (
        "import sys, dockproto_sync, dockproto_sync._backend as b;"
        "from dockproto._drive.hosts import DebugLog;"
        "assert DebugLog('dockproto.sync')() is None;"
        "print('logging' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
