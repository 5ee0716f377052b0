"""Secrets: list, create, inspect, update (labels), rm.

A secret's data is sent once, at its creation, as base64 in the body; no answer gives it
back.  It never shows in what dockproto says: a ``Request``'s repr shows its body only
as a size, the DEBUG log line names the request without its body, and the daemon's
errors do not quote it.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from .._request import Expect, Request, filters_param, json_body, json_object, json_objects
from ._swarmspec import (
    data_field,
    driver,
    object_id_of,
    object_name,
    object_seg,
    str_map,
    update_spec,
    version_param,
)


def _path(secret: str | Mapping[str, Any], suffix: str = "") -> str:
    ident = secret if isinstance(secret, str) else object_id_of(secret, "secret")
    return f"/secrets/{object_seg(ident, 'secret id or name')}{suffix}"


def list(filters: Mapping[str, Any] | None = None) -> Request[builtins.list[dict[str, Any]]]:
    """``GET /secrets``: a list of dicts (ID, Version, Spec: Name, Labels...); filters:
    id, label, name, names."""
    return Request("GET", "/secrets", query=tuple(filters_param(filters)), parse=json_objects)


def create(
    name: str,
    data: bytes | str | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    driver_name: str | None = None,
    driver_options: Mapping[str, str] | None = None,
    templating: str | None = None,
    templating_options: Mapping[str, str] | None = None,
) -> Request[str]:
    """``POST /secrets/create``; the answer is the new secret's id.

    ``data`` (bytes, or text as UTF-8; at most 500 KB) goes as base64; with
    ``driver_name`` the secret is the driver's, and has no data.  ``templating`` names
    a templating driver (``golang``) that renders the data per task.
    """
    spec: dict[str, Any] = {"Name": object_name(name, "secret")}
    labels_ = str_map(labels, "labels")
    if labels_:
        spec["Labels"] = labels_
    if driver_name is not None:
        if data is not None:
            raise ValueError("a secret from a driver has no data of its own")
        spec["Driver"] = driver(driver_name, driver_options, "driver_name")
    elif data is None:
        raise ValueError("a secret needs its data (or a driver_name)")
    else:
        spec["Data"] = data_field(data, "a secret's")
    if templating is not None:
        spec["Templating"] = driver(templating, templating_options, "templating")
    body, headers = json_body(spec)
    return Request(
        "POST",
        "/secrets/create",
        body=body,
        headers=headers,
        parse=lambda v: str(json_object(v)["ID"]),
    )


def inspect(secret: str) -> Request[dict[str, Any]]:
    """``GET /secrets/{id}`` as a dict (its data is not in it)."""
    return Request("GET", _path(secret), parse=json_object)


def update(
    secret: str | Mapping[str, Any],
    version: int | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    spec: Mapping[str, Any] | None = None,
) -> Request[None]:
    """``POST /secrets/{id}/update``: set the labels (the only thing the daemon lets
    change).  Given the secret's ``inspect`` dict, its spec and version are the base;
    given an id or a name, ``version`` and ``spec`` (the current ones) are needed."""
    base, version = update_spec(secret, version, spec, "secret", keep_data=False)
    if labels is not None:
        base["Labels"] = str_map(labels, "labels")
    body, headers = json_body(base)
    return Request(
        "POST",
        _path(secret, "/update"),
        query=(version_param(version, "secrets.update"),),
        body=body,
        headers=headers,
        expect=Expect.EMPTY,
    )


def rm(secret: str) -> Request[None]:
    """``DELETE /secrets/{id}``."""
    return Request("DELETE", _path(secret), expect=Expect.EMPTY)


__all__ = ["create", "inspect", "list", "rm", "update"]
