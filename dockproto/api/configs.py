"""Configs: list, create, inspect, update (labels), rm.

A config is as a secret, but readable back (``inspect`` gives its data, as base64)
and mounted anywhere in a task's file system; its data may be a template (``golang``)
that each task renders with its own values.
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


def _path(config: str | Mapping[str, Any], suffix: str = "") -> str:
    ident = config if isinstance(config, str) else object_id_of(config, "config")
    return f"/configs/{object_seg(ident, 'config id or name')}{suffix}"


def list(filters: Mapping[str, Any] | None = None) -> Request[builtins.list[dict[str, Any]]]:
    """``GET /configs``: a list of dicts (ID, Version, Spec: Name, Labels, Data...);
    filters: id, label, name, names."""
    return Request("GET", "/configs", query=tuple(filters_param(filters)), parse=json_objects)


def create(
    name: str,
    data: bytes | str,
    labels: Mapping[str, str] | None = None,
    *,
    templating: str | None = None,
    templating_options: Mapping[str, str] | None = None,
) -> Request[str]:
    """``POST /configs/create``; the answer is the new config's id.

    ``data`` (bytes, or text as UTF-8; at most 1000 KB) goes as base64; ``templating``
    names a templating driver (``golang``) that renders it per task.
    """
    spec: dict[str, Any] = {
        "Name": object_name(name, "config"),
        "Data": data_field(data, "a config's"),
    }
    labels_ = str_map(labels, "labels")
    if labels_:
        spec["Labels"] = labels_
    if templating is not None:
        spec["Templating"] = driver(templating, templating_options, "templating")
    body, headers = json_body(spec)
    return Request(
        "POST",
        "/configs/create",
        body=body,
        headers=headers,
        parse=lambda v: str(json_object(v)["ID"]),
    )


def inspect(config: str) -> Request[dict[str, Any]]:
    """``GET /configs/{id}`` as a dict (``Spec.Data`` is the data, as base64)."""
    return Request("GET", _path(config), parse=json_object)


def update(
    config: str | Mapping[str, Any],
    version: int | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    spec: Mapping[str, Any] | None = None,
) -> Request[None]:
    """``POST /configs/{id}/update``: set the labels (the only thing the daemon lets
    change).  Given the config's ``inspect`` dict, its spec and version are the base;
    given an id or a name, ``version`` and ``spec`` (the current ones) are needed."""
    base, version = update_spec(config, version, spec, "config")
    if labels is not None:
        base["Labels"] = str_map(labels, "labels")
    body, headers = json_body(base)
    return Request(
        "POST",
        _path(config, "/update"),
        query=(version_param(version, "configs.update"),),
        body=body,
        headers=headers,
        expect=Expect.EMPTY,
    )


def rm(config: str) -> Request[None]:
    """``DELETE /configs/{id}``."""
    return Request("DELETE", _path(config), expect=Expect.EMPTY)


__all__ = ["create", "inspect", "list", "rm", "update"]
