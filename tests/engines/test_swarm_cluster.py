"""The multi-node Swarm cluster of ``scripts/swarm`` (``scripts/engines swarm start``).

``scripts/test`` starts it after the engines and exports its lines:
``DOCKPROTO_SWARM_HOST`` (the manager's socket), ``DOCKPROTO_SWARM_HOSTS`` (every node's,
the manager first) and ``DOCKPROTO_SWARM_NODES``.  Without them the cluster tests are
skipped, unless ``DOCKPROTO_REQUIRE_ENGINES=1``, which makes a missing cluster an error.
The subnet choice (``scripts/swarm pick-subnets``) is a pure function and always runs.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

import dockproto
import dockproto_sync

SWARM = Path(__file__).resolve().parents[2] / "scripts" / "swarm"
IMAGE = os.environ.get("DOCKPROTO_TEST_IMAGE", "dockproto-test/busybox:latest")


def cluster() -> tuple[str, list[str], int]:
    """The manager, every node's host and the node count, or skip (fail when required)."""
    manager = os.environ.get("DOCKPROTO_SWARM_HOST")
    if not manager:
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail("no swarm cluster: run scripts/engines swarm start")
        pytest.skip("no swarm cluster (set DOCKPROTO_SWARM_HOST: scripts/engines swarm start)")
    hosts = os.environ.get("DOCKPROTO_SWARM_HOSTS", "").split(",")
    return manager, hosts, int(os.environ.get("DOCKPROTO_SWARM_NODES", "0"))


def test_env_lines_agree() -> None:
    """One host per node, each a Unix socket of its own, the manager first."""
    manager, hosts, nodes = cluster()
    assert nodes >= 2, "a cluster of one node tests nothing multi-node"
    assert len(hosts) == nodes and len(set(hosts)) == nodes
    assert hosts[0] == manager
    assert all(h.startswith("unix://") and h.endswith("/docker.sock") for h in hosts)


def test_manager_lists_every_node_ready_with_its_own_hostname() -> None:
    """GET /nodes on the manager: N nodes, all ready, distinct hostnames, one leader."""
    manager, _, nodes = cluster()
    with dockproto_sync.open_docker(manager) as docker:
        listed: list[dict[str, Any]] = docker.request(dockproto.Request("GET", "/nodes"))
    assert len(listed) == nodes
    assert [n["Status"]["State"] for n in listed] == ["ready"] * nodes
    hostnames = {n["Description"]["Hostname"] for n in listed}
    assert len(hostnames) == nodes
    leaders = [n for n in listed if n.get("ManagerStatus", {}).get("Leader")]
    assert len(leaders) == 1
    addrs = {n["Status"]["Addr"] for n in listed}
    assert len(addrs) == nodes  # each node in a network namespace of its own


def test_every_node_is_an_active_member_and_has_the_test_image() -> None:
    """Each node's /info: swarm active, its own name and node id, in the manager's list;
    and the test image is on every node (services start offline from it)."""
    manager, hosts, nodes = cluster()
    with dockproto_sync.open_docker(manager) as docker:
        listed: list[dict[str, Any]] = docker.request(dockproto.Request("GET", "/nodes"))
    by_id = {n["ID"]: n["Description"]["Hostname"] for n in listed}
    names = set()
    for host in hosts:
        with dockproto_sync.open_docker(host) as docker:
            info = docker.info()
            image = docker.images.inspect(IMAGE)
        swarm = info["Swarm"]
        assert swarm["LocalNodeState"] == "active", (host, swarm)
        assert by_id.get(swarm["NodeID"]) == info["Name"], (host, swarm["NodeID"], by_id)
        assert swarm["ControlAvailable"] is (host == manager)
        names.add(info["Name"])
        assert image["Id"].startswith("sha256:")
        assert IMAGE in image["RepoTags"]
    assert len(names) == nodes


# -------------------------------------------------------------- subnet choice (pure)


def pick(nodes: int, in_use: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DOCKPROTO_")}
    clean.pop("LD_PRELOAD", None)  # the sanitizer pass's libasan aborts `ip` and its kin
    clean["DOCKPROTO_SWARM_RUN"] = f"/tmp/dpsw-none-{uuid.uuid4().hex[:12]}"
    return subprocess.run(
        [str(SWARM), "pick-subnets", str(nodes), "--in-use", "-"],
        env={**clean, **env},
        input=in_use,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_pick_subnets_avoids_what_is_in_use() -> None:
    """The bridge, each node's docker0 and the overlay pool: distinct, and clear of every
    address and route in use; what our own bridge holds from an earlier run is free."""
    in_use = "10.214.10.1/24 eth1 address\n10.214.12.0/24 - route\n10.215.0.0/16 wg0 route\n"
    result = pick(3, in_use + "10.214.13.1/24 dpswbr0 address\n")
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    got = {tuple(line[:-1]): ipaddress.IPv4Network(line[-1]) for line in lines}
    assert got == {
        ("bridge",): ipaddress.IPv4Network("10.214.11.0/24"),
        ("bip", "1"): ipaddress.IPv4Network("10.214.13.0/24"),
        ("bip", "2"): ipaddress.IPv4Network("10.214.14.0/24"),
        ("bip", "3"): ipaddress.IPv4Network("10.214.15.0/24"),
        ("pool",): ipaddress.IPv4Network("10.216.0.0/16"),
    }


def test_pick_subnets_override_in_use_is_a_clear_error() -> None:
    """DOCKPROTO_SWARM_SUBNET overlapping something in use: exit 1 naming it."""
    result = pick(3, "10.214.0.0/16 tun0 route\n", DOCKPROTO_SWARM_SUBNET="10.214.50.0/24")
    assert result.returncode == 1 and result.stdout == ""
    assert "DOCKPROTO_SWARM_SUBNET=10.214.50.0/24 overlaps" in result.stderr
    assert "10.214.0.0/16 dev tun0" in result.stderr
