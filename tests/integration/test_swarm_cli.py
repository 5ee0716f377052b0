"""The dockproto command's Swarm commands (node, service, swarm) against the 3-node
cluster (``scripts/engines swarm start``), and their error on the shared dockerd."""

from __future__ import annotations

import os
import sys
import uuid
from typing import Any

import pytest
import trio

import dockproto_trio

from .conftest import ENGINES, IMAGE

SWARM_HOST = os.environ.get("DOCKPROTO_SWARM_HOST", "")
SWARM_HOSTS = [h for h in os.environ.get("DOCKPROTO_SWARM_HOSTS", "").split(",") if h]


@pytest.fixture
def swarm_host() -> str:
    if not SWARM_HOST:
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail("no swarm cluster: run scripts/engines swarm start")
        pytest.skip("no swarm cluster (DOCKPROTO_SWARM_HOST: scripts/engines swarm start)")
    return SWARM_HOST


async def cli(host: str, *args: str) -> Any:
    return await trio.run_process(
        [sys.executable, "-m", "dockproto_sync", "-H", host, *args],
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )


@pytest.mark.timeout(120)
async def test_node_and_service_commands(swarm_host: str) -> None:
    """node ls; service create (waiting for its tasks), ls, ps, logs (stdout and stderr
    apart), scale, rm."""
    nodes = await cli(swarm_host, "node", "ls")
    assert nodes.returncode == 0, nodes.stderr
    rows = nodes.stdout.decode().splitlines()
    assert rows[0].split() == ["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER", "STATUS"]
    assert len(rows) == 4 and sum("Leader" in r for r in rows) == 1
    assert (
        all("Ready" in r and "Active" in r for r in rows[1:]) and "*" in rows[1] + rows[2] + rows[3]
    )

    name = f"dp-cli-{uuid.uuid4().hex[:8]}"
    created = await cli(
        swarm_host, "service", "create", "--name", name, "--replicas", "2",
        "--endpoint-mode", "dnsrr", "--timeout", "60", IMAGE,
        "sh", "-c", "echo to-out; echo to-err >&2; trap 'exit 0' TERM; while :; do sleep 1; done",
    )  # fmt: skip
    try:
        assert created.returncode == 0, created.stderr
        sid = created.stdout.decode().strip()
        assert len(sid) == 25 and f"{name}: 2/2 running".encode() in created.stderr
        listed = await cli(swarm_host, "service", "ls")
        line = next(r for r in listed.stdout.decode().splitlines() if f" {name} " in r)
        assert line.split()[:4] == [sid[:12], name, "replicated", "2/2"]
        ps = await cli(swarm_host, "service", "ps", name)
        tasks = [r.split() for r in ps.stdout.decode().splitlines()[1:]]
        assert sorted(t[1] for t in tasks) == [f"{name}.1", f"{name}.2"]
        assert all(t[3:5] == ["running", "running"] for t in tasks)
        with trio.fail_after(30):
            while True:
                logs = await cli(swarm_host, "service", "logs", name)
                if logs.stdout.count(b"to-out") == 2 and logs.stderr.count(b"to-err") == 2:
                    break
                await trio.sleep(0.1)
        assert set(logs.stdout.splitlines()) == {b"to-out"}
        assert set(logs.stderr.splitlines()) == {b"to-err"}
        scaled = await cli(swarm_host, "service", "scale", f"{name}=1", "--timeout", "60")
        assert scaled.returncode == 0 and scaled.stdout == f"{name} scaled to 1\n".encode()
        async with dockproto_trio.open_docker(swarm_host) as swarm:
            assert (await swarm.services.inspect(name)).replicas == 1
    finally:
        removed = await cli(swarm_host, "service", "rm", name)
    assert removed.returncode == 0 and removed.stdout == f"{name}\n".encode()
    again = await cli(swarm_host, "service", "rm", name)
    assert again.returncode == 1 and b"not found" in again.stderr


@pytest.mark.timeout(120)
async def test_swarm_leave_init_join(swarm_host: str) -> None:
    """A worker leaves; swarm init makes it a swarm of its own, which it leaves (-f);
    swarm join --token puts it back in the cluster."""
    async with dockproto_trio.open_docker(swarm_host) as swarm:
        tokens = await swarm.swarm.inspect()
        manager = (await swarm.info())["Swarm"]["NodeAddr"] + ":2377"
        worker_host, worker = "", {}
        for host in SWARM_HOSTS:
            async with dockproto_trio.open_docker(host) as node:
                info = (await node.info())["Swarm"]
            if not info.get("ControlAvailable"):
                worker_host, worker = host, info
                break
        left = await cli(worker_host, "swarm", "leave")
        try:
            assert (left.returncode, left.stdout) == (0, b"Node left the swarm.\n"), left.stderr
            await swarm.nodes.rm(worker["NodeID"], force=True)
            init = await cli(worker_host, "swarm", "init", "--advertise-addr", worker["NodeAddr"])
            assert init.returncode == 0, init.stderr
            out = init.stdout.decode()
            assert "is now a manager" in out and "--token SWMTKN-1-" in out
            assert f"{worker['NodeAddr']}:2377" in out
            own = await cli(worker_host, "node", "ls")
            assert own.returncode == 0 and len(own.stdout.splitlines()) == 2
            gone = await cli(worker_host, "swarm", "leave", "--force")
            assert gone.returncode == 0, gone.stderr
        finally:
            joined = await cli(
                worker_host, "swarm", "join", "--token", tokens.worker_token,
                "--advertise-addr", worker["NodeAddr"], manager,
            )  # fmt: skip
        assert (joined.returncode, joined.stdout) == (0, b"This node joined a swarm.\n"), (
            joined.stderr
        )
        with trio.fail_after(60):
            while True:
                found = await swarm.nodes.list()
                if len(found) == 3 and all(n.state == "ready" for n in found):
                    break
                await trio.sleep(0.1)


async def test_no_swarm_is_one_line() -> None:
    """On the shared dockerd (no swarm manager) a Swarm command says so in one line, 125."""
    host = ENGINES["docker"]
    if not host:
        pytest.skip("no docker engine")
    done = await cli(host, "service", "ls")
    assert done.returncode == 125 and done.stdout == b""
    assert done.stderr.startswith(
        b"dockproto: Error response from daemon: the daemon is not a swarm manager"
    )
    assert done.stderr.count(b"\n") == 1
