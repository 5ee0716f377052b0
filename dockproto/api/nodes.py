"""Nodes: list, inspect, update (availability, role, labels, with the version), rm."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from .._models.swarm import Node
from .._request import (
    Expect,
    Request,
    filters_param,
    flag,
    json_body,
    json_object,
    json_objects,
)
from ._swarmspec import object_id, object_seg, str_map, version_param

_AVAILABILITY = ("active", "pause", "drain")
_ROLES = ("worker", "manager")


def _path(node: str | Node, suffix: str = "") -> str:
    return f"/nodes/{object_seg(object_id(node, 'node'), 'node id or name')}{suffix}"


def list(filters: Mapping[str, Any] | None = None) -> Request[builtins.list[Node]]:
    """``GET /nodes`` as ``list[Node]`` (filters: id, label, membership, name,
    node.label, role)."""
    return Request(
        "GET",
        "/nodes",
        query=tuple(filters_param(filters)),
        parse=lambda v: [Node.from_json(n) for n in json_objects(v)],
    )


def inspect(node: str | Node) -> Request[Node]:
    """``GET /nodes/{id}`` as a ``Node``."""
    return Request("GET", _path(node), parse=lambda v: Node.from_json(json_object(v)))


def update(
    node: str | Node,
    version: int | None = None,
    *,
    availability: str | None = None,
    role: str | None = None,
    labels: Mapping[str, str] | None = None,
    name: str | None = None,
    spec: Mapping[str, Any] | None = None,
) -> Request[None]:
    """``POST /nodes/{id}/update``: set the node's availability (``active``, ``pause``,
    ``drain``), role (``worker``, ``manager``), labels (all of them) or name.

    The daemon replaces the whole spec: given a ``Node`` (from ``inspect`` or ``list``)
    its spec and version are the base; given an id, ``version`` is needed, and ``spec``
    (the current one), or what it leaves out is reset (the role to worker).
    """
    base: dict[str, Any]
    if isinstance(node, Node):
        base = dict(spec if spec is not None else node.spec)
        version = node.version if version is None else version
    else:
        base = dict(spec or {})
    query = (version_param(version, "nodes.update"),)
    if availability is not None:
        if availability not in _AVAILABILITY:
            raise ValueError(f"availability is one of {_AVAILABILITY}, not {availability!r}")
        base["Availability"] = availability
    if role is not None:
        if role not in _ROLES:
            raise ValueError(f"role is one of {_ROLES}, not {role!r}")
        base["Role"] = role
    if labels is not None:
        base["Labels"] = str_map(labels, "labels")
    if name is not None:
        base["Name"] = name
    body, headers = json_body(base)
    return Request(
        "POST", _path(node, "/update"), query=query, body=body, headers=headers, expect=Expect.EMPTY
    )


def rm(node: str | Node, force: bool = False) -> Request[None]:
    """``DELETE /nodes/{id}`` (``force``: even a node that is not down)."""
    return Request("DELETE", _path(node), query=(("force", flag(force)),), expect=Expect.EMPTY)


__all__ = ["inspect", "list", "rm", "update"]
