"""``dockproto login``'s decisions (``dockproto._credentials``): under which key the
credentials are stored, where (``auths`` or a helper), and in what form."""

from __future__ import annotations

import base64
import json

import pytest

from dockproto._credentials import (
    HUB_KEY,
    credentials_for,
    helper_store_input,
    login_helper,
    login_server,
    with_login,
)


@pytest.mark.parametrize(
    "server, key",
    [
        (None, HUB_KEY),
        ("", HUB_KEY),
        ("docker.io", HUB_KEY),
        (HUB_KEY, HUB_KEY),
        ("reg.example:5000", "reg.example:5000"),
        ("https://reg.example:5000/v2/", "reg.example:5000"),
        ("http://10.0.0.1:5000", "10.0.0.1:5000"),
        ("ghcr.io/team", "ghcr.io"),
    ],
)
def test_login_server(server: str | None, key: str) -> None:
    """The key as the docker CLI converts the address (a host, or Docker Hub's URL)."""
    assert login_server(server) == key


@pytest.mark.parametrize("server", ["https://", "a b", "user@host"])
def test_bad_server(server: str) -> None:
    with pytest.raises(ValueError, match="invalid registry address"):
        login_server(server)


def test_auths_entry_reads_back() -> None:
    """What is stored in auths is base64 of user:password, every other key is kept, and
    ``credentials_for`` reads it back for an image of that registry."""
    config = {"auths": {"other:1": {"auth": "eDp5"}}, "psFormat": "table"}
    new = with_login(config, "reg.example:5000", "me", "p:w@%")
    assert new["psFormat"] == "table" and new["auths"]["other:1"] == {"auth": "eDp5"}
    entry = new["auths"]["reg.example:5000"]
    assert entry == {"auth": base64.b64encode(b"me:p:w@%").decode()}
    assert config["auths"] == {"other:1": {"auth": "eDp5"}}  # (not changed in place)
    found = credentials_for(json.dumps(new), "reg.example:5000/team/app:1")
    assert found == {"username": "me", "password": "p:w@%", "serveraddress": "reg.example:5000"}


def test_identity_token_replaces_the_password() -> None:
    new = with_login({}, "reg:5000", "me", "secret", "tok")
    assert new["auths"]["reg:5000"] == {
        "auth": base64.b64encode(b"me:").decode(),
        "identitytoken": "tok",
    }
    assert json.loads(helper_store_input("reg:5000", "me", "secret", "tok")) == {
        "ServerURL": "reg:5000", "Username": "<token>", "Secret": "tok",
    }  # fmt: skip


def test_helper_choice() -> None:
    """A per-registry helper wins over the store; with neither, auths (None); a helper
    keeps the secret, config.json only an empty entry naming the server."""
    config = {"credHelpers": {"reg:5000": "per"}, "credsStore": "store"}
    assert login_helper(config, "reg:5000") == "per"
    assert login_helper(config, "other:1") == "store"
    assert login_helper(config, HUB_KEY) == "store"
    assert login_helper({"credHelpers": {"docker.io": "hub"}}, HUB_KEY) == "hub"
    assert login_helper({}, "reg:5000") is None
    new = with_login(config, "reg:5000", "me", "secret", in_helper=True)
    assert new["auths"] == {"reg:5000": {}} and "secret" not in json.dumps(new)
    assert json.loads(helper_store_input("reg:5000", "me", "secret", None)) == {
        "ServerURL": "reg:5000", "Username": "me", "Secret": "secret",
    }  # fmt: skip
