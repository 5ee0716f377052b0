"""Networks: list, create, inspect, connect, disconnect, rm, prune."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from .._request import (
    Expect,
    Request,
    filters_param,
    json_body,
    json_object,
    json_objects,
    seg,
)


def _nid(network: str) -> str:
    return seg(network, "network id or name")


def list(filters: Mapping[str, Any] | None = None) -> Request[builtins.list[dict[str, Any]]]:
    """``GET /networks``: a list of dicts."""
    return Request("GET", "/networks", query=tuple(filters_param(filters)), parse=json_objects)


def create(
    name: str,
    driver: str | None = None,
    *,
    internal: bool = False,
    attachable: bool = False,
    labels: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
    ipam: Mapping[str, Any] | None = None,
    enable_ipv6: bool = False,
) -> Request[dict[str, Any]]:
    """``POST /networks/create``: ``{"Id": ..., "Warning": ...}``."""
    cfg: dict[str, Any] = {"Name": _nid(name) and name, "CheckDuplicate": True}
    if driver:
        cfg["Driver"] = driver
    if internal:
        cfg["Internal"] = True
    if attachable:
        cfg["Attachable"] = True
    if enable_ipv6:
        cfg["EnableIPv6"] = True
    if labels:
        cfg["Labels"] = dict(labels)
    if options:
        cfg["Options"] = dict(options)
    if ipam:
        cfg["IPAM"] = dict(ipam)
    body, headers = json_body(cfg)
    return Request("POST", "/networks/create", body=body, headers=headers, parse=json_object)


def inspect(
    network: str, verbose: bool = False, scope: str | None = None
) -> Request[dict[str, Any]]:
    """``GET /networks/{id}`` as a dict; ``scope`` (``swarm``, ``global``, ``local``)
    looks for the network in that scope only."""
    query: builtins.list[tuple[str, str]] = [("verbose", "true")] if verbose else []
    if scope is not None:
        if scope not in ("swarm", "global", "local"):
            raise ValueError(f"a network scope is swarm, global or local, not {scope!r}")
        query.append(("scope", scope))
    return Request("GET", f"/networks/{_nid(network)}", query=tuple(query), parse=json_object)


def connect(
    network: str,
    container: str,
    aliases: Sequence[str] | None = None,
    ipv4_address: str | None = None,
) -> Request[None]:
    """``POST /networks/{id}/connect``."""
    endpoint: dict[str, Any] = {}
    if aliases:
        endpoint["Aliases"] = [*aliases]
    if ipv4_address:
        endpoint["IPAMConfig"] = {"IPv4Address": ipv4_address}
    cfg: dict[str, Any] = {"Container": seg(container, "container id or name")}
    if endpoint:
        cfg["EndpointConfig"] = endpoint
    body, headers = json_body(cfg)
    return Request(
        "POST",
        f"/networks/{_nid(network)}/connect",
        body=body,
        headers=headers,
        expect=Expect.EMPTY,
    )


def disconnect(network: str, container: str, force: bool = False) -> Request[None]:
    """``POST /networks/{id}/disconnect``."""
    body, headers = json_body({"Container": seg(container, "container id or name"), "Force": force})
    return Request(
        "POST",
        f"/networks/{_nid(network)}/disconnect",
        body=body,
        headers=headers,
        expect=Expect.EMPTY,
    )


def rm(network: str) -> Request[None]:
    """``DELETE /networks/{id}``."""
    return Request("DELETE", f"/networks/{_nid(network)}", expect=Expect.EMPTY)


def prune(filters: Mapping[str, Any] | None = None) -> Request[dict[str, Any]]:
    """``POST /networks/prune``: ``{"NetworksDeleted": [...]}``."""
    return Request(
        "POST", "/networks/prune", query=tuple(filters_param(filters)), parse=json_object
    )


__all__ = ["connect", "create", "disconnect", "inspect", "list", "prune", "rm"]
