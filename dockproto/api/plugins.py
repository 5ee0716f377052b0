"""Plugins (managed, "v2" plugins): list, privileges, pull, inspect, enable, disable,
upgrade, create, push, set, rm.

A plugin is named as an image is (``vieux/sshfs``, ``reg:5000/team/p:1.0``; ``:latest``
is implied), and goes in the path as an image reference does.  Pull, upgrade and push
answer with progress: ``JSONMessage`` events, an error among them is
``JSONMessage.error`` (the spec says 204, dockerd streams).  Pull and upgrade send the
privileges the caller grants as their body: the list ``privileges(remote)`` answered,
as the docker CLI grants it after asking the user.  ``create`` takes a tar with
``config.json`` and ``rootfs/`` as a streamed body.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from .._content import Content
from .._request import (
    Expect,
    Request,
    check_image,
    filters_param,
    flag,
    image_seg,
    json_body,
    json_object,
    json_objects,
    non_negative,
)
from .images import auth_header


def _path(name: str, rest: str = "") -> str:
    return f"/plugins/{image_seg(name)}{rest}"


def _privileges_body(
    privileges: Sequence[Mapping[str, Any]] | None,
) -> tuple[bytes, tuple[tuple[str, str], ...]]:
    """The granted privileges as the JSON array body of pull and upgrade."""
    granted: builtins.list[dict[str, Any]] = []
    for p in privileges or ():
        if not isinstance(p, Mapping) or not isinstance(p.get("Name"), str):
            raise ValueError(f"a privilege is a mapping with a Name, as privileges() gives: {p!r}")
        granted.append(dict(p))
    return json_body(granted)


def _progress(
    path: str,
    query: tuple[tuple[str, str], ...],
    headers: tuple[tuple[str, str], ...],
    body: bytes | None = None,
) -> Request[None]:
    return Request(
        "POST",
        path,
        query=query,
        headers=headers,
        body=body,
        expect=Expect.STREAM,
        content=Content.JSONLINES,
    )


def list(filters: Mapping[str, Any] | None = None) -> Request[builtins.list[dict[str, Any]]]:
    """``GET /plugins``: the installed plugins as dicts (``filters``: ``capability``,
    ``enabled``; the spec's ``enable`` is refused by dockerd)."""
    return Request("GET", "/plugins", query=tuple(filters_param(filters)), parse=json_objects)


def privileges(
    remote: str, auth: Mapping[str, Any] | None = None
) -> Request[builtins.list[dict[str, Any]]]:
    """``GET /plugins/privileges?remote=``: what the plugin asks to be granted, a list of
    ``{"Name", "Description", "Value"}`` (what ``pull`` then takes as ``privileges``)."""
    return Request(
        "GET",
        "/plugins/privileges",
        query=(("remote", check_image(remote)),),
        headers=auth_header(auth if auth is not None else {}),
        parse=json_objects,
    )


def pull(
    remote: str,
    name: str | None = None,
    privileges: Sequence[Mapping[str, Any]] | None = None,
    auth: Mapping[str, Any] | None = None,
) -> Request[None]:
    """``POST /plugins/pull``: install ``remote`` (as ``name``, else under its own name),
    granting ``privileges``; progress ``JSONMessage``s.  The plugin is left disabled."""
    query = [("remote", check_image(remote))]
    if name is not None:
        query.append(("name", check_image(name)))
    body, headers = _privileges_body(privileges)
    headers += auth_header(auth if auth is not None else {})
    return _progress("/plugins/pull", tuple(query), headers, body)


def inspect(name: str) -> Request[dict[str, Any]]:
    """``GET /plugins/{name}/json`` as a dict (Id, Name, Enabled, Settings, Config)."""
    return Request("GET", _path(name, "/json"), parse=json_object)


def rm(name: str, force: bool = False) -> Request[None]:
    """``DELETE /plugins/{name}``; ``force`` disables an enabled plugin first."""
    return Request("DELETE", _path(name), query=(("force", flag(force)),), expect=Expect.EMPTY)


def enable(name: str, activation_timeout: int = 30) -> Request[None]:
    """``POST /plugins/{name}/enable``: start the plugin and wait for its activation
    handshake, for ``activation_timeout`` seconds (``timeout=``; 0: no limit).

    Always sent: dockerd 20.10 refuses an enable without it (``strconv.Atoi``); 30 is
    the docker CLI's default."""
    wait = non_negative(activation_timeout, "activation_timeout")
    query = (("timeout", str(wait)),)
    return Request("POST", _path(name, "/enable"), query=query, expect=Expect.EMPTY)


def disable(name: str, force: bool = False) -> Request[None]:
    """``POST /plugins/{name}/disable``; ``force`` even while something uses it."""
    query = (("force", "true"),) if force else ()
    return Request("POST", _path(name, "/disable"), query=query, expect=Expect.EMPTY)


def upgrade(
    name: str,
    remote: str,
    privileges: Sequence[Mapping[str, Any]] | None = None,
    auth: Mapping[str, Any] | None = None,
) -> Request[None]:
    """``POST /plugins/{name}/upgrade?remote=``: replace a disabled plugin's files with
    ``remote``'s, granting ``privileges``; progress ``JSONMessage``s."""
    body, headers = _privileges_body(privileges)
    headers += auth_header(auth if auth is not None else {})
    query = (("remote", check_image(remote)),)
    return _progress(_path(name, "/upgrade"), query, headers, body)


def create(name: str) -> Request[None]:
    """``POST /plugins/create?name=``: send a tar holding ``config.json`` and ``rootfs/``
    with ``send_body``/``end_body``."""
    return Request(
        "POST",
        "/plugins/create",
        query=(("name", check_image(name)),),
        headers=(("Content-Type", "application/x-tar"),),
        streamed_body=True,
        expect=Expect.EMPTY,
    )


def push(name: str, auth: Mapping[str, Any] | None = None) -> Request[None]:
    """``POST /plugins/{name}/push``: progress ``JSONMessage``s."""
    return _progress(_path(name, "/push"), (), auth_header(auth if auth is not None else {}))


def set(name: str, settings: Sequence[str] | Mapping[str, str]) -> Request[None]:
    """``POST /plugins/{name}/set``: ``["KEY=value", ...]`` (or a mapping) for the
    plugin's env, args, mounts' sources and devices' paths; the plugin must be disabled."""
    if isinstance(settings, str):
        raise ValueError('settings is a list of "KEY=value" strings, not one string')
    if isinstance(settings, Mapping):
        items = [f"{k}={v}" for k, v in settings.items()]
    else:
        items = [str(s) for s in settings]
    for item in items:
        if "=" not in item or item.startswith("="):
            raise ValueError(f'a setting is "KEY=value", not {item!r}')
    body, headers = json_body(items)
    return Request("POST", _path(name, "/set"), body=body, headers=headers, expect=Expect.EMPTY)
