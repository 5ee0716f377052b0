"""Volumes: list, create, inspect, rm, prune."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from .._request import (
    Expect,
    Request,
    filters_param,
    flag,
    json_body,
    json_object,
    json_objects,
    seg,
)


def _vid(volume: str) -> str:
    return seg(volume, "volume name")


def list(filters: Mapping[str, Any] | None = None) -> Request[builtins.list[dict[str, Any]]]:
    """``GET /volumes``: the list of volume dicts (the ``Volumes`` field)."""
    return Request(
        "GET",
        "/volumes",
        query=tuple(filters_param(filters)),
        parse=lambda v: json_objects(json_object(v).get("Volumes")),
    )


def create(
    name: str | None = None,
    driver: str | None = None,
    driver_opts: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Request[dict[str, Any]]:
    """``POST /volumes/create``: the volume's dict."""
    cfg: dict[str, Any] = {}
    if name is not None:
        cfg["Name"] = _vid(name) and name
    if driver:
        cfg["Driver"] = driver
    if driver_opts:
        cfg["DriverOpts"] = dict(driver_opts)
    if labels:
        cfg["Labels"] = dict(labels)
    body, headers = json_body(cfg)
    return Request("POST", "/volumes/create", body=body, headers=headers, parse=json_object)


def inspect(name: str) -> Request[dict[str, Any]]:
    """``GET /volumes/{name}`` as a dict."""
    return Request("GET", f"/volumes/{_vid(name)}", parse=json_object)


def rm(name: str, force: bool = False) -> Request[None]:
    """``DELETE /volumes/{name}``."""
    return Request(
        "DELETE", f"/volumes/{_vid(name)}", query=(("force", flag(force)),), expect=Expect.EMPTY
    )


def prune(filters: Mapping[str, Any] | None = None) -> Request[dict[str, Any]]:
    """``POST /volumes/prune``: ``{"VolumesDeleted": [...], "SpaceReclaimed": n}``."""
    return Request("POST", "/volumes/prune", query=tuple(filters_param(filters)), parse=json_object)
