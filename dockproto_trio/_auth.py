"""Registry credentials, read as the docker CLI reads them.

``$DOCKER_CONFIG/config.json`` (default ``~/.docker/config.json``) may hold:

* ``credHelpers``: registry -> helper name; ``docker-credential-<name> get`` is run with
  the registry on stdin and answers ``{"ServerURL", "Username", "Secret"}``;
* ``credsStore``: one helper for every registry;
* ``auths``: registry -> ``{"auth": base64("user:password")}`` (or ``identitytoken``).

A per-registry helper wins over the store, and the store over ``auths``, as in the CLI.
Docker Hub's key is ``https://index.docker.io/v1/``.  The result is the auth dict that
``dockproto.api.images`` sends as ``X-Registry-Auth``.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import trio

from dockproto import CredentialError

HUB_KEY = "https://index.docker.io/v1/"
HUB_NAMES = ("docker.io", "index.docker.io", "registry-1.docker.io")


def registry_of(image: str) -> str:
    """The registry host of an image reference (``docker.io`` when none is named)."""
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def config_path() -> str:
    folder = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    return os.path.join(folder, "config.json")


def _key_matches(key: str, registry: str) -> bool:
    host = key.split("://", 1)[-1].split("/", 1)[0]
    if registry in HUB_NAMES:
        return host in HUB_NAMES
    return host == registry


async def _run_helper(helper: str, server: str) -> dict[str, Any] | None:
    program = f"docker-credential-{helper}"
    try:
        done = await trio.run_process(
            [program, "get"], stdin=server.encode(), capture_stdout=True, capture_stderr=True,
            check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise CredentialError(f"credential helper {program} is not on PATH") from None
    out = done.stdout.decode(errors="replace").strip()
    if done.returncode != 0:
        if (
            "credentials not found" in out.lower()
            or "credentials not found" in done.stderr.decode(errors="replace").lower()
        ):
            return None
        raise CredentialError(f"{program} get failed ({done.returncode}): {out}")
    try:
        answer = json.loads(out)
    except ValueError:
        raise CredentialError(f"{program} answered something that is not JSON") from None
    user, secret = answer.get("Username", ""), answer.get("Secret", "")
    if user == "<token>":
        return {"identitytoken": secret, "serveraddress": server}
    return {"username": user, "password": secret, "serveraddress": server}


async def auth_for(image: str, path: str | None = None) -> dict[str, Any] | None:
    """The credentials for ``image``'s registry from the docker CLI's config, or None."""
    path = path or config_path()
    try:
        async with await trio.open_file(path) as f:
            text = await f.read()
    except FileNotFoundError:
        return None
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise CredentialError(f"{path} is not valid JSON: {exc}") from None
    registry = registry_of(image)
    server = HUB_KEY if registry in HUB_NAMES else registry
    helpers = config.get("credHelpers") or {}
    for key, helper in helpers.items():
        if _key_matches(key, registry):
            return await _run_helper(str(helper), server)
    if config.get("credsStore"):
        found = await _run_helper(str(config["credsStore"]), server)
        if found is not None:
            return found
    for key, entry in (config.get("auths") or {}).items():
        if not _key_matches(key, registry) or not isinstance(entry, dict):
            continue
        if entry.get("identitytoken"):
            return {"identitytoken": entry["identitytoken"], "serveraddress": key}
        if entry.get("auth"):
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise CredentialError(f"bad auth entry for {key} in {path}") from None
            return {"username": user, "password": password, "serveraddress": key}
    return None


__all__ = ["CredentialError", "auth_for", "registry_of"]
