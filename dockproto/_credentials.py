"""Registry credentials, decided from the docker CLI's config as the CLI decides them.

``config.json`` (``$DOCKER_CONFIG/config.json``, default ``~/.docker/config.json``) may
hold:

* ``credHelpers``: registry -> helper name; ``docker-credential-<name> get`` is run with
  the registry on stdin and answers ``{"ServerURL", "Username", "Secret"}``;
* ``credsStore``: one helper for every registry;
* ``auths``: registry -> ``{"auth": base64("user:password")}`` (or ``identitytoken``, or
  ``username`` and ``password``).

A per-registry helper wins over the store, and the store over ``auths``, as in the CLI.
Docker Hub's key is ``https://index.docker.io/v1/``.  The result is a ``RegistryAuth``,
which ``dockproto.api.images`` sends as ``X-Registry-Auth``.

Nothing here reads a file or runs a program: ``credentials_for`` takes the config's
text (or its decoded dict) and, when a helper must be asked, says which and about what
server (a ``CredentialHelperCall``); the I/O client runs it and hands back its answer.
No ``CredentialError`` message carries a secret or a helper's output.
"""

from __future__ import annotations

import base64
import json
import os.path  # string functions only: join
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ._errors import CredentialError
from ._hosts import docker_dir

REDACTED = "<redacted>"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RegistryAuth(Mapping[str, str]):
    """Credentials for one registry, as the daemon takes them in ``X-Registry-Auth``.

    Its ``repr`` and ``str`` name the user and the registry, never the password or a
    token (``RegistryAuth(username='u', serveraddress='reg:5000', password=<redacted>)``),
    so that logging one publishes nothing.  It is a read-only mapping of the fields that
    are set, the JSON object sent on the wire (``dict(auth)``), and equal to any mapping
    with the same items; ``auth=`` takes one of these or any mapping of the same keys.
    """

    username: str | None = None
    password: str | None = None
    serveraddress: str | None = None
    identitytoken: str | None = None
    registrytoken: str | None = None
    email: str | None = None
    auth: str | None = None  # base64 of "user:password", as config.json's auths hold it

    @classmethod
    def of(cls, value: Mapping[str, Any]) -> RegistryAuth:
        """``value`` as a ``RegistryAuth``: its keys (in any case, as the daemon reads
        them) must be the fields above and its values strings; a ``ValueError`` names
        the key at fault, never a value."""
        if isinstance(value, RegistryAuth):
            return value
        if not isinstance(value, Mapping):
            raise ValueError(f"auth is a RegistryAuth or a mapping, not {type(value).__name__}")
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, str] = {}
        for key, val in value.items():
            name = str(key).lower()
            if name not in known:
                raise ValueError(f"unknown registry auth field {key!r}")
            if val is None:
                continue
            if not isinstance(val, str):
                raise ValueError(f"registry auth field {key!r} must be a string")
            kwargs[name] = val
        return cls(**kwargs)

    def __getitem__(self, key: str) -> str:
        value = getattr(self, key, None) if key in _AUTH_FIELDS else None
        if value is None:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return (name for name in _AUTH_FIELDS if getattr(self, name) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        shown = [f"{name}={getattr(self, name)!r}" for name in _AUTH_SHOWN if name in self]
        shown += [f"{name}={REDACTED}" for name in _AUTH_SECRET if name in self]
        return f"RegistryAuth({', '.join(shown)})"

    __str__ = __repr__

    def header_value(self) -> str:
        """The ``X-Registry-Auth`` value: base64url of the JSON object."""
        raw = json.dumps(dict(self), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii")


_AUTH_SHOWN = ("username", "serveraddress", "email")
_AUTH_SECRET = ("password", "identitytoken", "registrytoken", "auth")
_AUTH_FIELDS = (
    "username",
    "password",
    "serveraddress",
    "identitytoken",
    "registrytoken",
    "email",
    "auth",
)

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


def _stored(config: Mapping[str, Any], registry: str, source: str) -> RegistryAuth | None:
    """The ``auths`` entry for ``registry``, decoded; None when there is none."""
    for key, entry in _section(config, "auths", source).items():
        if not _key_matches(key, registry) or not isinstance(entry, Mapping):
            continue
        found = _decoded(key, entry, source)
        if found is not None:
            return found
    return None


def _decoded(key: str, entry: Mapping[str, Any], source: str) -> RegistryAuth | None:
    """One ``auths`` entry as credentials (None when it holds none)."""
    if entry.get("identitytoken"):
        return RegistryAuth(identitytoken=str(entry["identitytoken"]), serveraddress=key)
    if entry.get("auth"):
        try:
            user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
        except (ValueError, TypeError, UnicodeDecodeError):
            raise CredentialError(f"bad auth entry for {key} in {source}") from None
        return RegistryAuth(username=user, password=password, serveraddress=key)
    if entry.get("username"):
        password = str(entry.get("password") or "")
        user = str(entry["username"])
        return RegistryAuth(username=user, password=password, serveraddress=key)
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

    def answer(self, returncode: int, stdout: bytes, stderr: bytes = b"") -> RegistryAuth | None:
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
        if not isinstance(user, str) or not isinstance(secret, str):
            raise CredentialError(f"{self.program} answered a non-string Username or Secret")
        if user == "<token>":
            return RegistryAuth(identitytoken=secret, serveraddress=self.server)
        return RegistryAuth(username=user, password=secret, serveraddress=self.server)


def credentials_for(
    config: str | bytes | Mapping[str, Any], image: str, *, source: str = "config.json"
) -> RegistryAuth | CredentialHelperCall | None:
    """What the docker CLI's config says about ``image``'s registry: the stored credentials,
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


# -- every registry's credentials (a build's X-Registry-Config) ---------------------------


@dataclass(frozen=True)
class CredentialStoreList:
    """``docker-credential-<helper> list``: the servers a credentials store holds
    credentials for (each then asked with ``get``)."""

    helper: str
    source: str = "config.json"

    @property
    def program(self) -> str:
        return f"docker-credential-{self.helper}"

    @property
    def argv(self) -> tuple[str, str]:
        return (self.program, "list")

    stdin = b""

    def program_missing(self) -> CredentialError:
        return CredentialError(f"credential helper {self.program} is not on PATH")

    def answer(self, returncode: int, stdout: bytes, stderr: bytes = b"") -> list[str]:
        """The servers listed (a ``CredentialError``, never quoting the output, when the
        helper failed or answered something else)."""
        if returncode != 0:
            raise CredentialError(f"{self.program} list failed ({returncode})")
        try:
            found = json.loads(stdout.decode(errors="replace") or "{}")
        except ValueError:
            raise CredentialError(f"{self.program} answered something that is not JSON") from None
        if not isinstance(found, dict):
            raise CredentialError(f"{self.program} answered something that is not a JSON object")
        return [str(server) for server in found]

    def get(self, server: str) -> CredentialHelperCall:
        """The ``get`` for one of the servers listed."""
        return CredentialHelperCall(self.helper, server, server, False, self.source)


@dataclass(frozen=True)
class AllCredentials:
    """What the docker CLI's config holds for every registry, as the CLI gathers it for
    a build (``GetAllCredentials``): the credentials stored in ``auths`` (none when a
    ``credsStore`` holds them instead), the store to list, and a helper call for each
    registry of ``credHelpers`` (whose answers win).  The CLI goes on without a
    registry whose helper fails; a store that fails fails the build."""

    stored: Mapping[str, RegistryAuth]
    store: CredentialStoreList | None
    helpers: tuple[CredentialHelperCall, ...]


def all_credentials(
    config: str | bytes | Mapping[str, Any], *, source: str = "config.json"
) -> AllCredentials:
    """Every registry's credentials that ``config`` (the text of ``config.json`` or its
    dict) holds or names a helper for."""
    if isinstance(config, (str, bytes)):
        config = parse_config(config, source)
    elif not isinstance(config, Mapping):
        raise CredentialError(f"{source} is not a JSON object")
    stored: dict[str, RegistryAuth] = {}
    store = None
    if config.get("credsStore"):
        store = CredentialStoreList(str(config["credsStore"]), source)
    else:
        for key, entry in _section(config, "auths", source).items():
            found = _decoded(key, entry, source) if isinstance(entry, Mapping) else None
            if found is not None:
                stored[key] = found
    helpers = tuple(
        CredentialHelperCall(str(helper), key, key, False, source)
        for key, helper in _section(config, "credHelpers", source).items()
    )
    return AllCredentials(stored, store, helpers)


# -- docker login: what the CLI stores, decided here; the client writes it ----------------


def login_server(server: str | None) -> str:
    """The key ``docker login SERVER`` stores credentials under: Docker Hub's
    ``https://index.docker.io/v1/`` for no server (or ``docker.io``), else the host of
    ``server`` (``https://reg:5000/v2/`` is ``reg:5000``), as the CLI converts it."""
    if not server or server in ("docker.io", HUB_KEY):
        return HUB_KEY
    host = server.split("://", 1)[1] if server.startswith(("http://", "https://")) else server
    host = host.split("/", 1)[0]
    if not host or any(c in host for c in " \t\r\n?#@"):
        raise ValueError(f"invalid registry address {server!r}")
    return host


def login_helper(config: Mapping[str, Any], server: str, source: str = "config.json") -> str | None:
    """The credential helper that stores ``server``'s credentials (``credHelpers``, else
    ``credsStore``), or None: then they go into ``auths``."""
    for key, helper in _section(config, "credHelpers", source).items():
        if _key_matches(key, server.split("://", 1)[-1].split("/", 1)[0]):
            return str(helper)
    store = config.get("credsStore")
    return str(store) if store else None


def with_login(
    config: Mapping[str, Any],
    server: str,
    username: str,
    password: str,
    identitytoken: str | None = None,
    *,
    in_helper: bool = False,
) -> dict[str, Any]:
    """``config`` with ``server``'s login stored as the docker CLI stores it: in
    ``auths``, ``{"auth": base64("user:password")}`` (with an identity token, the
    password is left out and the token kept beside it); when a helper holds the secret
    (``in_helper``), an empty entry that only names the server.  Every other key is
    kept as it was."""
    new = dict(config)
    auths = dict(_section(config, "auths", "config.json"))
    if in_helper:
        auths[server] = {}
    else:
        secret = "" if identitytoken else password
        entry: dict[str, str] = {
            "auth": base64.b64encode(f"{username}:{secret}".encode()).decode("ascii")
        }
        if identitytoken:
            entry["identitytoken"] = identitytoken
        auths[server] = entry
    new["auths"] = auths
    return new


def helper_store_input(
    server: str, username: str, password: str, identitytoken: str | None
) -> bytes:
    """What ``docker-credential-<helper> store`` reads: the server, user and secret (an
    identity token is stored as the user ``<token>``, as the CLI does)."""
    if identitytoken:
        username, password = "<token>", identitytoken
    return json.dumps({"ServerURL": server, "Username": username, "Secret": password}).encode()


__all__ = [
    "HUB_KEY",
    "HUB_NAMES",
    "AllCredentials",
    "CredentialHelperCall",
    "CredentialStoreList",
    "RegistryAuth",
    "all_credentials",
    "credentials_for",
    "docker_config_path",
    "parse_config",
    "registry_of",
]
