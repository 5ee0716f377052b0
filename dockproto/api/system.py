"""System: ping, version, info, disk usage, events, auth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._content import Content
from .._models.system import Version
from .._request import Expect, Request, filters_param, json_body, json_object


def ping(*, head: bool = False) -> Request[str]:
    """``GET /_ping`` (unversioned): the body is ``"OK"``; the head names the API version."""
    return Request("HEAD" if head else "GET", "/_ping", expect=Expect.TEXT, versioned=False)


def version() -> Request[Version]:
    """``GET /version`` as a ``Version``."""
    return Request("GET", "/version", parse=Version.from_json)


def info() -> Request[dict[str, Any]]:
    """``GET /info`` as a dict."""
    return Request("GET", "/info", parse=json_object)


def df() -> Request[dict[str, Any]]:
    """``GET /system/df``: disk usage of images, containers, volumes and build cache."""
    return Request("GET", "/system/df", parse=json_object)


def _time_param(value: int | float | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a time is a Unix timestamp or a string")
    if isinstance(value, (int, float)):
        return f"{value:.9f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return str(value)


def events(
    since: int | float | str | None = None,
    until: int | float | str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> Request[None]:
    """``GET /events``: a stream of ``JSONMessage``; it ends by itself only with ``until``."""
    query: list[tuple[str, str]] = []
    for key, val in (("since", since), ("until", until)):
        text = _time_param(val)
        if text is not None:
            query.append((key, text))
    query += filters_param(filters)
    return Request(
        "GET", "/events", query=tuple(query), expect=Expect.STREAM, content=Content.JSONLINES
    )


def auth(
    username: str, password: str, serveraddress: str | None = None, email: str | None = None
) -> Request[dict[str, Any] | None]:
    """``POST /auth``: check credentials against a registry.

    The answer is ``{"Status": ..., "IdentityToken": ...}``, or None when the daemon
    answers 204 with no body (the spec allows it)."""
    cfg: dict[str, str] = {"username": username, "password": password}
    if serveraddress:
        cfg["serveraddress"] = serveraddress
    if email:
        cfg["email"] = email
    body, headers = json_body(cfg)
    return Request("POST", "/auth", body=body, headers=headers, parse=_object_or_none)


def _object_or_none(value: Any) -> dict[str, Any] | None:
    return None if value is None else json_object(value)
