"""The swarm itself: init, join, leave, inspect, update, unlock_key, unlock.

A daemon outside a swarm (or a worker) answers the others 503, which the clients raise
as ``SwarmUnavailable``; so does podman, which has no Swarm API.  The join token and the
unlock key are credentials: they travel in the body, which a ``Request``'s repr shows
only as its size, and ``SwarmInfo``'s repr leaves them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._models.swarm import SwarmInfo
from .._request import Expect, Request, flag, json_body, json_object, non_negative
from ._swarmspec import version_param

DEFAULT_LISTEN = "0.0.0.0:2377"


def _addr(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise ValueError(f"{what} is an address (ip[:port] or interface[:port]), not {value!r}")
    return value


def init(
    advertise_addr: str | None = None,
    listen_addr: str = DEFAULT_LISTEN,
    *,
    data_path_addr: str | None = None,
    data_path_port: int | None = None,
    default_addr_pool: Sequence[str] | None = None,
    subnet_size: int | None = None,
    force_new_cluster: bool = False,
    autolock: bool = False,
    spec: Mapping[str, Any] | None = None,
) -> Request[str]:
    """``POST /swarm/init``; the answer is this node's id in the new swarm.

    ``spec`` is a ``SwarmSpec`` (orchestration, raft, dispatcher, CA, encryption...);
    ``autolock`` sets its ``EncryptionConfig.AutoLockManagers``.
    """
    body: dict[str, Any] = {"ListenAddr": _addr(listen_addr, "listen_addr")}
    if advertise_addr is not None:
        body["AdvertiseAddr"] = _addr(advertise_addr, "advertise_addr")
    if data_path_addr is not None:
        body["DataPathAddr"] = _addr(data_path_addr, "data_path_addr")
    if data_path_port is not None:
        if not isinstance(data_path_port, int) or not (
            data_path_port == 0 or 1024 <= data_path_port <= 49151
        ):
            raise ValueError(f"data_path_port is 0 or within 1024..49151, not {data_path_port!r}")
        body["DataPathPort"] = data_path_port
    if default_addr_pool is not None:
        if isinstance(default_addr_pool, str):
            raise ValueError("default_addr_pool is a list of subnets (CIDR strings)")
        body["DefaultAddrPool"] = [str(p) for p in default_addr_pool]
    if subnet_size is not None:
        non_negative(subnet_size, "subnet_size")
        body["SubnetSize"] = subnet_size
    body["ForceNewCluster"] = bool(force_new_cluster)
    swarm_spec: dict[str, Any] = dict(spec) if spec else {}
    if autolock:
        encryption = dict(swarm_spec.get("EncryptionConfig") or {})
        encryption["AutoLockManagers"] = True
        swarm_spec["EncryptionConfig"] = encryption
    body["Spec"] = swarm_spec
    data, headers = json_body(body)
    return Request("POST", "/swarm/init", body=data, headers=headers, parse=_node_id)


def _node_id(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected the node id, a JSON string")
    return value


def join(
    remote_addrs: Sequence[str],
    join_token: str,
    listen_addr: str = DEFAULT_LISTEN,
    advertise_addr: str | None = None,
    data_path_addr: str | None = None,
) -> Request[None]:
    """``POST /swarm/join``: join the swarm of the managers at ``remote_addrs`` with
    ``join_token`` (a worker's or a manager's, from ``inspect``).  A wrong token or
    address is refused with the daemon's own message."""
    if isinstance(remote_addrs, str) or not remote_addrs:
        raise ValueError("remote_addrs is a non-empty list of manager addresses")
    if not isinstance(join_token, str) or not join_token:
        raise ValueError("join needs the swarm's join token")
    body: dict[str, Any] = {
        "ListenAddr": _addr(listen_addr, "listen_addr"),
        "RemoteAddrs": [_addr(a, "a remote address") for a in remote_addrs],
        "JoinToken": join_token,
    }
    if advertise_addr is not None:
        body["AdvertiseAddr"] = _addr(advertise_addr, "advertise_addr")
    if data_path_addr is not None:
        body["DataPathAddr"] = _addr(data_path_addr, "data_path_addr")
    data, headers = json_body(body)
    return Request("POST", "/swarm/join", body=data, headers=headers, expect=Expect.EMPTY)


def leave(force: bool = False) -> Request[None]:
    """``POST /swarm/leave`` (``force``: even the last manager, breaking the swarm)."""
    return Request("POST", "/swarm/leave", query=(("force", flag(force)),), expect=Expect.EMPTY)


def inspect() -> Request[SwarmInfo]:
    """``GET /swarm`` as ``SwarmInfo`` (a manager only)."""
    return Request("GET", "/swarm", parse=lambda v: SwarmInfo.from_json(json_object(v)))


def update(
    version: int,
    spec: Mapping[str, Any],
    *,
    rotate_worker_token: bool = False,
    rotate_manager_token: bool = False,
    rotate_manager_unlock_key: bool = False,
) -> Request[None]:
    """``POST /swarm/update``: ``spec`` (a whole ``SwarmSpec``: ``SwarmInfo.spec``
    changed) at ``version`` (``SwarmInfo.version``); rotate tokens or the unlock key."""
    if not isinstance(spec, Mapping):
        raise ValueError("spec is the swarm's whole SwarmSpec (SwarmInfo.spec, changed)")
    query = [version_param(version, "swarm.update")]
    for name, on in (
        ("rotateWorkerToken", rotate_worker_token),
        ("rotateManagerToken", rotate_manager_token),
        ("rotateManagerUnlockKey", rotate_manager_unlock_key),
    ):
        if on:
            query.append((name, "true"))
    data, headers = json_body(dict(spec))
    return Request(
        "POST",
        "/swarm/update",
        query=tuple(query),
        body=data,
        headers=headers,
        expect=Expect.EMPTY,
    )


def unlock_key() -> Request[str]:
    """``GET /swarm/unlockkey``: the key that unlocks a locked manager ("" if none)."""
    return Request(
        "GET", "/swarm/unlockkey", parse=lambda v: str(json_object(v).get("UnlockKey") or "")
    )


def unlock(key: str) -> Request[None]:
    """``POST /swarm/unlock``: unlock a manager locked at its start (autolock)."""
    if not isinstance(key, str) or not key:
        raise ValueError("unlock needs the swarm's unlock key")
    data, headers = json_body({"UnlockKey": key})
    return Request("POST", "/swarm/unlock", body=data, headers=headers, expect=Expect.EMPTY)


__all__ = ["init", "inspect", "join", "leave", "unlock", "unlock_key", "update"]
