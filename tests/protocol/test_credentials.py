"""dockproto.credentials_for: registry credentials decided from config.json text, no I/O."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import dockproto
from dockproto import (
    CredentialError,
    CredentialHelperCall,
    RegistryAuth,
    credentials_for,
    registry_of,
)
from dockproto._credentials import HUB_KEY, parse_config

SECRET = "s3cret-Pa55"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def config(**sections: Any) -> str:
    return json.dumps(sections)


def helper_output(user: str, secret: str, server: str = "") -> bytes:
    return json.dumps({"ServerURL": server, "Username": user, "Secret": secret}).encode()


def test_registry_of() -> None:
    """Image references name their registry as the CLI reads them."""
    assert registry_of("busybox") == "docker.io"
    assert registry_of("me/app:1") == "docker.io"
    assert registry_of("library/busybox@sha256:" + "0" * 64) == "docker.io"
    assert registry_of("ghcr.io/me/app") == "ghcr.io"
    assert registry_of("localhost:5000/app") == "localhost:5000"
    assert registry_of("localhost/app") == "localhost"
    assert registry_of("ghcr.io") == "docker.io"  # no slash: a Hub repository name


def test_docker_config_path() -> None:
    """config.json is in DOCKER_CONFIG, else in ~/.docker with ~ from env HOME."""
    assert dockproto.docker_config_path({"DOCKER_CONFIG": "/cfg", "HOME": "/h"}) == (
        "/cfg/config.json"
    )
    assert dockproto.docker_config_path({"HOME": "/h/"}) == "/h/.docker/config.json"
    assert dockproto.docker_config_path({"DOCKER_CONFIG": "", "HOME": "/h"}) == (
        "/h/.docker/config.json"
    )
    with pytest.raises(ValueError, match="HOME"):
        dockproto.docker_config_path({})


def test_auths_base64_auth() -> None:
    """A base64 user:password in auths is decoded for the image's registry."""
    text = config(auths={HUB_KEY: {"auth": b64(f"alice:{SECRET}")}})
    assert credentials_for(text, "busybox") == {
        "username": "alice",
        "password": SECRET,
        "serveraddress": HUB_KEY,
    }
    assert credentials_for(text, "ghcr.io/x/y") is None


def test_auths_password_may_hold_colons() -> None:
    """Only the first colon of the decoded auth splits user from password."""
    text = config(auths={"reg.example.com": {"auth": b64("u:a:b:c")}})
    found = credentials_for(text, "reg.example.com/app")
    assert isinstance(found, RegistryAuth) and found["password"] == "a:b:c"


def test_auths_username_and_password() -> None:
    """An auths entry with username and password (no auth) is used as it is."""
    text = config(auths={"reg.example.com": {"username": "bob", "password": SECRET}})
    assert credentials_for(text, "reg.example.com/team/app:1") == {
        "username": "bob",
        "password": SECRET,
        "serveraddress": "reg.example.com",
    }


def test_auths_auth_beats_username() -> None:
    """When an entry has both, the base64 auth wins over username and password."""
    entry = {"auth": b64("from-auth:pw"), "username": "plain", "password": "pw2"}
    found = credentials_for(config(auths={"reg.example.com": entry}), "reg.example.com/a")
    assert isinstance(found, RegistryAuth) and found["username"] == "from-auth"


def test_auths_identity_token() -> None:
    """An identitytoken entry is sent as identitytoken, ahead of auth."""
    entry = {"identitytoken": "tok", "auth": b64("u:p")}
    assert credentials_for(config(auths={"reg.example.com": entry}), "reg.example.com/a") == {
        "identitytoken": "tok",
        "serveraddress": "reg.example.com",
    }


def test_auths_key_with_scheme_and_path() -> None:
    """auths keys match by host: a scheme and a path around it do not matter."""
    text = config(auths={"https://reg.example.com/v2/": {"auth": b64("u:p")}})
    found = credentials_for(text, "reg.example.com/a")
    assert (
        isinstance(found, RegistryAuth) and found["serveraddress"] == "https://reg.example.com/v2/"
    )


def test_auths_other_port_does_not_match() -> None:
    """A registry with a port matches only keys with that port."""
    text = config(auths={"localhost": {"auth": b64("u:p")}})
    assert credentials_for(text, "localhost:5000/app") is None


def test_auths_unusable_entries_are_skipped() -> None:
    """Entries that are not objects or hold no credentials leave later keys to answer."""
    text = config(
        auths={
            "docker.io": "not an object",
            "index.docker.io": {},
            "registry-1.docker.io": {"auth": b64("later:pw")},
        }
    )
    found = credentials_for(text, "busybox")
    assert isinstance(found, RegistryAuth) and found["username"] == "later"


@pytest.mark.parametrize("key", [HUB_KEY, "docker.io", "index.docker.io", "registry-1.docker.io"])
@pytest.mark.parametrize("image", ["busybox", "docker.io/library/busybox", "index.docker.io/me/x"])
def test_hub_aliases(key: str, image: str) -> None:
    """Every Docker Hub name matches every Hub key in auths."""
    found = credentials_for(config(auths={key: {"auth": b64("hub:pw")}}), image)
    assert found == {"username": "hub", "password": "pw", "serveraddress": key}


def test_decoded_dict_accepted() -> None:
    """An already-decoded config dict is read like its text."""
    decoded = {"auths": {"reg.example.com": {"auth": b64("u:p")}}}
    assert credentials_for(decoded, "reg.example.com/a") == credentials_for(
        json.dumps(decoded), "reg.example.com/a"
    )
    assert credentials_for(json.dumps(decoded).encode(), "reg.example.com/a") is not None


def test_empty_config_has_nothing() -> None:
    """A config without credentials answers None for every registry."""
    assert credentials_for("{}", "busybox") is None
    assert credentials_for(config(auths=None, credHelpers={}), "ghcr.io/a") is None


def test_cred_helper_beats_store_and_auths() -> None:
    """A credHelpers entry for the registry is asked, not credsStore, and auths is not used."""
    text = config(
        credHelpers={"reg.example.com": "per"},
        credsStore="store",
        auths={"reg.example.com": {"auth": b64("x:y")}},
    )
    call = credentials_for(text, "reg.example.com/team/app:1")
    assert call == CredentialHelperCall("per", "reg.example.com", "reg.example.com")
    assert isinstance(call, CredentialHelperCall)
    assert (call.program, call.argv, call.stdin) == (
        "docker-credential-per",
        ("docker-credential-per", "get"),
        b"reg.example.com",
    )
    assert not call.fallback
    assert call.answer(1, b"credentials not found in native keychain") is None  # no fallback


def test_store_for_other_registries() -> None:
    """credsStore is asked for registries without a credHelpers entry; Hub's server is HUB_KEY."""
    text = config(credHelpers={"reg.example.com": "per"}, credsStore="store")
    call = credentials_for(text, "busybox")
    assert isinstance(call, CredentialHelperCall)
    assert (call.helper, call.server, call.registry, call.fallback) == (
        "store",
        HUB_KEY,
        "docker.io",
        True,
    )
    assert call.stdin == HUB_KEY.encode()


def test_cred_helpers_hub_key_matches_hub_images() -> None:
    """A credHelpers entry under Hub's key answers for Hub images."""
    call = credentials_for(config(credHelpers={HUB_KEY: "hubhelper"}), "me/app")
    assert isinstance(call, CredentialHelperCall) and call.helper == "hubhelper"


def test_helper_answer_credentials() -> None:
    """A helper's JSON answer becomes username, password and the server asked about."""
    call = credentials_for(config(credsStore="store"), "ghcr.io/me/app")
    assert isinstance(call, CredentialHelperCall)
    assert call.answer(0, helper_output("carol", SECRET, "ghcr.io") + b"\n") == {
        "username": "carol",
        "password": SECRET,
        "serveraddress": "ghcr.io",
    }


def test_helper_answer_token() -> None:
    """A helper's <token> user is an identity token."""
    call = CredentialHelperCall("h", "ghcr.io", "ghcr.io")
    assert call.answer(0, helper_output("<token>", "tok")) == {
        "identitytoken": "tok",
        "serveraddress": "ghcr.io",
    }


@pytest.mark.parametrize(
    ("stdout", "stderr"),
    [(b"credentials not found in native keychain\n", b""), (b"", b"Credentials Not Found")],
)
def test_store_without_entry_falls_back_to_auths(stdout: bytes, stderr: bytes) -> None:
    """A store with nothing for the server (on stdout or stderr) leaves auths to answer."""
    text = config(credsStore="empty", auths={"docker.io": {"auth": b64("dave:pw")}})
    call = credentials_for(text, "library/busybox")
    assert isinstance(call, CredentialHelperCall)
    found = call.answer(1, stdout, stderr)
    assert found == {"username": "dave", "password": "pw", "serveraddress": "docker.io"}


def test_store_without_entry_and_no_auths() -> None:
    """A store with nothing for the server and no auths entry answers None."""
    call = credentials_for(config(credsStore="empty"), "busybox")
    assert isinstance(call, CredentialHelperCall)
    assert call.answer(1, b"credentials not found") is None


def test_store_answer_does_not_decode_auths() -> None:
    """When the store answers, a broken auths entry for the registry is never read."""
    text = config(credsStore="store", auths={"docker.io": {"auth": "!!!"}})
    call = credentials_for(text, "busybox")
    assert isinstance(call, CredentialHelperCall)
    found = call.answer(0, helper_output("u", "p"))
    assert isinstance(found, RegistryAuth) and found["username"] == "u"


def test_helper_failure_hides_its_output() -> None:
    """A helper that fails is a CredentialError naming it and its status, not its output."""
    call = CredentialHelperCall("boom", "ghcr.io", "ghcr.io")
    with pytest.raises(CredentialError) as info:
        call.answer(3, f"oops {SECRET}".encode(), f"trace {SECRET}".encode())
    assert str(info.value) == "docker-credential-boom get failed (3)"


@pytest.mark.parametrize(
    ("stdout", "message"),
    [
        (b"Username: u Secret: " + SECRET.encode(), "answered something that is not JSON"),
        (json.dumps([SECRET]).encode(), "answered something that is not a JSON object"),
    ],
)
def test_helper_bad_answer(stdout: bytes, message: str) -> None:
    """A helper answer that is not a JSON object is a CredentialError without the output."""
    call = CredentialHelperCall("odd", "ghcr.io", "ghcr.io")
    with pytest.raises(CredentialError, match=message) as info:
        call.answer(0, stdout)
    assert SECRET not in str(info.value)
    assert "docker-credential-odd" in str(info.value)


def test_program_missing_names_it() -> None:
    """The error for an uninstalled helper names the program."""
    error = CredentialHelperCall("absent", HUB_KEY, "docker.io").program_missing()
    assert isinstance(error, CredentialError)
    assert str(error) == "credential helper docker-credential-absent is not on PATH"


def test_helper_call_repr_hides_the_config() -> None:
    """A CredentialHelperCall's repr never shows the config it keeps for the fallback."""
    text = config(credsStore="store", auths={"docker.io": {"auth": b64(f"u:{SECRET}")}})
    call = credentials_for(text, "busybox")
    assert isinstance(call, CredentialHelperCall)
    assert b64(f"u:{SECRET}") not in repr(call) and SECRET not in repr(call)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"auths": {"docker.io": {"auth": "' + SECRET, "is not valid JSON: "),
        ('{"auths": ' + SECRET + "}", "is not valid JSON: "),
        (b'{"auths": "\xff' + SECRET.encode() + b'"}', "is not valid UTF-8"),
        (json.dumps([SECRET]), "is not a JSON object"),
        (json.dumps(SECRET), "is not a JSON object"),
        (config(auths=[SECRET]), "auths in /cfg/config.json is not a JSON object"),
        (config(credHelpers=SECRET), "credHelpers in /cfg/config.json is not a JSON object"),
    ],
)
def test_malformed_config(text: str | bytes, message: str) -> None:
    """A malformed config is a CredentialError naming the file, never quoting its text."""
    with pytest.raises(CredentialError, match=message) as info:
        credentials_for(text, "busybox", source="/cfg/config.json")
    assert "/cfg/config.json" in str(info.value)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    "auth", ["!!!" + SECRET, base64.b64encode(b"\xff\xfe" + SECRET.encode()).decode()]
)
def test_bad_auth_entry(auth: str) -> None:
    """A base64 auth that does not decode is a CredentialError naming the key, not the secret."""
    text = config(auths={"reg.example.com": {"auth": auth}})
    with pytest.raises(CredentialError) as info:
        credentials_for(text, "reg.example.com/a", source="/cfg/config.json")
    assert str(info.value) == "bad auth entry for reg.example.com in /cfg/config.json"


def test_auth_without_colon() -> None:
    """A decoded auth without a colon is all user name, with an empty password."""
    found = credentials_for(config(auths={"docker.io": {"auth": b64("justme")}}), "busybox")
    assert found == {"username": "justme", "password": "", "serveraddress": "docker.io"}


def test_bad_auth_entry_type() -> None:
    """An auth that is not a string is a CredentialError too."""
    with pytest.raises(CredentialError) as info:
        credentials_for(config(auths={"docker.io": {"auth": 12345}}), "busybox")
    assert str(info.value) == "bad auth entry for docker.io in config.json"


def test_parse_config_keeps_the_dict() -> None:
    """parse_config returns the decoded object as it is."""
    assert parse_config('{"credsStore": "x", "other": [1]}') == {"credsStore": "x", "other": [1]}


def test_exported() -> None:
    """The credential names are public in dockproto."""
    names = {
        "CredentialHelperCall",
        "credentials_for",
        "docker_cert_path",
        "docker_config_path",
        "registry_of",
    }
    assert names <= set(dockproto.__all__)
    for name in names:
        assert getattr(dockproto, name).__doc__
