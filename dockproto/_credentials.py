"""Registry credentials, decided from the docker CLI's config as the CLI decides them.

``config.json`` (``$DOCKER_CONFIG/config.json``, default ``~/.docker/config.json``) may
hold:

* ``credHelpers``: registry -> helper name; ``docker-credential-<name> get`` is run with
  the registry on stdin and answers ``{"ServerURL", "Username", "Secret"}``;
* ``credsStore``: one helper for every registry;
* ``auths``: registry -> ``{"auth": base64("user:password")}`` (or ``identitytoken``, or
  ``username`` and ``password``).

A per-registry helper wins over the store, and the store over ``auths``, as in the CLI.
Docker Hub's key is ``https://index.docker.io/v1/``.  The result is the auth dict that
``dockproto.api.images`` sends as ``X-Registry-Auth``.

Nothing here reads a file or runs a program: ``credentials_for`` takes the config's
text (or its decoded dict) and, when a helper must be asked, says which and about what
server (a ``CredentialHelperCall``); the I/O client runs it and hands back its answer.
No ``CredentialError`` message carries a secret or a helper's output.
"""

from __future__ import annotations

import base64
import json
import os.path  # string functions only: join
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import CredentialError
from ._hosts import docker_dir

HUB_KEY = "https://index.docker.io/v1/"
HUB_NAMES = ("docker.io", "index.docker.io", "registry-1.docker.io")


def registry_of(image: str) -> str:
    """The registry host of an image reference (``docker.io`` when none is named)."""
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def docker_config_path(env: Mapping[str, str]) -> str:
    """The docker CLI's ``config.json``: in ``DOCKER_CONFIG``, else in ``~/.docker``
    (``~`` from ``env["HOME"]``; a ``ValueError`` when neither is set)."""
    return os.path.join(env.get("DOCKER_CONFIG") or docker_dir(env), "config.json")


def _key_matches(key: str, registry: str) -> bool:
    host = key.split("://", 1)[-1].split("/", 1)[0]
    if registry in HUB_NAMES:
        return host in HUB_NAMES
    return host == registry


def _section(config: Mapping[str, Any], name: str, source: str) -> Mapping[str, Any]:
    value = config.get(name) or {}
    if not isinstance(value, Mapping):
        raise CredentialError(f"{name} in {source} is not a JSON object")
    return value


def parse_config(text: str | bytes, source: str = "config.json") -> dict[str, Any]:
    """The decoded ``config.json``; a ``CredentialError`` (naming ``source``, never quoting
    the text) when it is not a JSON object."""
    try:
        config = json.loads(text)
    except UnicodeDecodeError:
        raise CredentialError(f"{source} is not valid UTF-8") from None
    except ValueError as exc:
        # json's messages give a position ("line 1 column 9 (char 8)"), never the text.
        raise CredentialError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(config, dict):
        raise CredentialError(f"{source} is not a JSON object")
    return config


def _stored(config: Mapping[str, Any], registry: str, source: str) -> dict[str, Any] | None:
    """The ``auths`` entry for ``registry``, decoded; None when there is none."""
    for key, entry in _section(config, "auths", source).items():
        if not _key_matches(key, registry) or not isinstance(entry, Mapping):
            continue
        if entry.get("identitytoken"):
            return {"identitytoken": entry["identitytoken"], "serveraddress": key}
        if entry.get("auth"):
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except (ValueError, TypeError, UnicodeDecodeError):
                raise CredentialError(f"bad auth entry for {key} in {source}") from None
            return {"username": user, "password": password, "serveraddress": key}
        if entry.get("username"):
            password = entry.get("password") or ""
            return {"username": entry["username"], "password": password, "serveraddress": key}
    return None


@dataclass(frozen=True)
class CredentialHelperCall:
    """A credential helper to ask: run ``argv`` with ``stdin``, then pass its exit status
    and output to ``answer``.  ``helper`` is the configured name, ``server`` the address
    asked about, ``registry`` the image's registry.  For ``credsStore`` (``fallback``),
    a helper without credentials for the server leaves ``auths`` to answer."""

    helper: str
    server: str
    registry: str
    fallback: bool = False
    source: str = "config.json"
    # The decoded config, for the fallback to auths (never shown: it may hold secrets).
    config: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def program(self) -> str:
        """``docker-credential-<helper>``, looked up on ``PATH``."""
        return f"docker-credential-{self.helper}"

    @property
    def argv(self) -> tuple[str, str]:
        """The command line: ``(program, "get")``."""
        return (self.program, "get")

    @property
    def stdin(self) -> bytes:
        """What the helper reads: the server address."""
        return self.server.encode()

    def program_missing(self) -> CredentialError:
        """The error for a helper program that is not installed."""
        return CredentialError(f"credential helper {self.program} is not on PATH")

    def answer(self, returncode: int, stdout: bytes, stderr: bytes = b"") -> dict[str, Any] | None:
        """The credentials from the helper's answer, or None when it has none (then, for
        ``credsStore``, those in ``auths``).  A ``CredentialError`` when it failed or
        answered something else; the message never quotes the output."""
        out = stdout.decode(errors="replace").strip()
        if returncode != 0:
            if (
                "credentials not found" in out.lower()
                or "credentials not found" in stderr.decode(errors="replace").lower()
            ):
                if not self.fallback:
                    return None
                return _stored(self.config, self.registry, self.source)
            raise CredentialError(f"{self.program} get failed ({returncode})")
        try:
            found = json.loads(out)
        except ValueError:
            raise CredentialError(f"{self.program} answered something that is not JSON") from None
        if not isinstance(found, dict):
            raise CredentialError(f"{self.program} answered something that is not a JSON object")
        user, secret = found.get("Username", ""), found.get("Secret", "")
        if user == "<token>":
            return {"identitytoken": secret, "serveraddress": self.server}
        return {"username": user, "password": secret, "serveraddress": self.server}


def credentials_for(
    config: str | bytes | Mapping[str, Any], image: str, *, source: str = "config.json"
) -> dict[str, Any] | CredentialHelperCall | None:
    """What the docker CLI's config says about ``image``'s registry: the stored auth dict,
    a ``CredentialHelperCall`` when a helper must be asked, or None.

    ``config`` is the text of ``config.json`` or its decoded dict; ``source`` names it in
    messages (a malformed config is a ``CredentialError``, which never quotes it).
    """
    if isinstance(config, (str, bytes)):
        config = parse_config(config, source)
    elif not isinstance(config, Mapping):
        raise CredentialError(f"{source} is not a JSON object")
    registry = registry_of(image)
    server = HUB_KEY if registry in HUB_NAMES else registry
    for key, helper in _section(config, "credHelpers", source).items():
        if _key_matches(key, registry):
            return CredentialHelperCall(str(helper), server, registry, False, source)
    if config.get("credsStore"):
        store = str(config["credsStore"])
        return CredentialHelperCall(store, server, registry, True, source, config)
    return _stored(config, registry, source)


__all__ = [
    "HUB_KEY",
    "HUB_NAMES",
    "CredentialHelperCall",
    "credentials_for",
    "docker_config_path",
    "parse_config",
    "registry_of",
]
