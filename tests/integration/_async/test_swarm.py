"""Swarm against a real 3-node cluster (``scripts/engines swarm start``: three dockerd
nodes in network namespaces, the first a manager), and the typed ``SwarmUnavailable``
of the shared engines (a dockerd outside any swarm, podman without a Swarm API).

The cluster tests run on trio and the blocking client (the driver is the same code on
asyncio), against the manager at ``DOCKPROTO_SWARM_HOST``; the cluster is shared by the
whole suite, so each test removes what it made and puts back what it changed (a label,
an availability, a worker that left).  No sleeps stand in for synchronisation: waits
poll a condition with a deadline (``wait_converged``, ``until``).  This kernel has no
IPVS: services use ``endpoint_mode="dnsrr"`` (VIPs and ingress are pinned by the
golden tests of ``tests/protocol/test_swarm_builders.py`` only).
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest

import dockproto
from dockproto import ConfigRef, SecretRef, StreamKind

from ...leaks import captured_log, everything_said, leaks
from ..harness import IMAGE
from .support import Docker, Loop, open_client

T = TypeVar("T")

SWARM_HOST = os.environ.get("DOCKPROTO_SWARM_HOST")
SWARM_HOSTS = [h for h in os.environ.get("DOCKPROTO_SWARM_HOSTS", "").split(",") if h]

# A task's command that ends at once on SIGTERM (a shell as PID 1 ignores it, and its
# task would take the whole stop grace period to be replaced).
FOREVER = "trap 'exit 0' TERM; while :; do sleep 1; done"


# The clients of the cluster tests: trio for the bodies of _async/, the blocking client
# for their copies in _sync/ (made by scripts/generate): the driver is the same code on
# asyncio, and the cluster's time is spent once per client.
CLUSTER_CLIENTS = ["sync"] if "._sync." in __name__ else ["trio"]


def cluster(fn: Any) -> Any:
    """A cluster test: trio and the blocking client, once (the engine is the cluster's)."""
    for mark in (
        pytest.mark.clients(*CLUSTER_CLIENTS),
        pytest.mark.engines("docker"),
        pytest.mark.timeout(120),
    ):
        fn = mark(fn)
    return fn


@pytest.fixture
def swarm_host() -> str:
    """The manager's address; the tests are skipped without a cluster (an error in CI)."""
    if not SWARM_HOST:
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail("no swarm cluster: run scripts/engines swarm start")
        pytest.skip("no swarm cluster (DOCKPROTO_SWARM_HOST: scripts/engines swarm start)")
    return SWARM_HOST


def unique(prefix: str = "dp") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Made:
    """Services, secrets and configs a test made, removed at its end."""

    def __init__(self, swarm: Docker) -> None:
        self.swarm = swarm
        self.services: list[str] = []
        self.secrets: list[str] = []
        self.configs: list[str] = []

    async def service(self, command: str = FOREVER, **kwargs: Any) -> str:
        kwargs.setdefault("name", unique())
        kwargs.setdefault("endpoint_mode", "dnsrr")
        kwargs.setdefault("stop_grace_period", 2)
        sid: str = await self.swarm.services.create(IMAGE, ["sh", "-c", command], **kwargs)
        self.services.append(sid)
        return sid

    async def secret(self, data: bytes, **kwargs: Any) -> str:
        sid: str = await self.swarm.secrets.create(unique("dps"), data, **kwargs)
        self.secrets.append(sid)
        return sid

    async def config(self, data: bytes, **kwargs: Any) -> str:
        cid: str = await self.swarm.configs.create(unique("dpc"), data, **kwargs)
        self.configs.append(cid)
        return cid

    async def remove_all(self) -> None:
        # (services first: a secret or config in use cannot be removed)
        for rm, ids in (
            (self.swarm.services.rm, self.services),
            (self.swarm.secrets.rm, self.secrets),
            (self.swarm.configs.rm, self.configs),
        ):
            for ident in ids:
                try:
                    await rm(ident)
                except dockproto.NotFound:
                    pass  # (the test removed it already)


@asynccontextmanager
async def made_in_swarm(loop: Loop, swarm: Docker) -> AsyncIterator[Made]:
    made = Made(swarm)
    try:
        yield made
    finally:
        async with loop.teardown_limit():
            await made.remove_all()


async def converged(loop: Loop, swarm: Docker, service: str, seconds: float = 60, **kw: Any) -> Any:
    """``wait_converged`` within ``seconds`` (the blocking client's ``timeout=``)."""
    if loop.name == "sync":
        kw["timeout"] = seconds
    async with loop.fail_after(seconds + 10):
        return await swarm.services.wait_converged(service, **kw)


async def until(loop: Loop, seconds: float, probe: Callable[[], Awaitable[T]]) -> T:
    """``probe()`` again (0.1 s apart) until it gives something true, within ``seconds``."""
    async with loop.fail_after(seconds):
        while True:
            found = await probe()
            if found:
                return found
            await loop.sleep(0.1)


async def running(swarm: Docker, service: str) -> list[dockproto.Task]:
    """The service's tasks wanted and found running."""
    tasks = await swarm.tasks.list({"service": service, "desired-state": "running"})
    return [t for t in tasks if t.state == "running"]


async def log_lines(swarm: Docker, service: str, **kw: Any) -> list[tuple[StreamKind, bytes]]:
    """The service's log so far, line by line, with the stream of each."""
    out: list[tuple[StreamKind, bytes]] = []
    async with swarm.services.logs(service, **kw) as logs:
        async for chunk in logs:
            out.extend((chunk.stream, line) for line in chunk.data.splitlines())
    return out


# -- the shared engines: no Swarm -------------------------------------------------------------


async def test_no_swarm_on_the_shared_engines(docker: Docker, engine: str) -> None:
    """The shared dockerd is no swarm manager (503), podman has no Swarm API (a bare 404
    on lists, told from "no such service" by its /version): both SwarmUnavailable."""
    calls = [
        docker.services.list,
        docker.nodes.list,
        docker.swarm.inspect,
        docker.tasks.list,
        docker.configs.list,
        lambda: docker.services.inspect("dp-no-such-service"),
    ]
    for call in calls:
        with pytest.raises(dockproto.SwarmUnavailable) as caught:
            await call()
        exc = caught.value
        assert isinstance(exc, dockproto.DockerError) and exc.engine == engine
        if engine == "docker":
            assert exc.status_code == 503
            assert exc.message.startswith("the daemon is not a swarm manager: This node is not")
        else:
            assert exc.status_code in (404, 503)
            assert exc.message.startswith("podman has no Swarm API: ")
    if engine == "podman":  # (asked once, then remembered)
        assert docker._podman is True
    # A plain "no such" on the same engine stays NotFound.
    with pytest.raises(dockproto.NotFound) as missing:
        await docker.containers.inspect("dp-no-such-container")
    assert not isinstance(missing.value, dockproto.SwarmUnavailable)


# -- the cluster ----------------------------------------------------------------------------


@cluster
async def test_replicas_spread_over_every_node_with_merged_logs(
    loop: Loop, swarm_host: str
) -> None:
    """replicas=3 puts one task on each of the three nodes (by node id); the service's
    log merges every node's, stdout and stderr kept apart."""
    async with open_client(loop, swarm_host) as swarm, made_in_swarm(loop, swarm) as made:
        nodes = await swarm.nodes.list()
        assert len(nodes) == 3 and all(n.state == "ready" for n in nodes), nodes
        command = f'echo "out $(hostname)"; echo "err $(hostname)" >&2; {FOREVER}'
        sid = await made.service(command, replicas=3, labels={"dockproto.test": "spread"})
        seen: list[dockproto.Convergence] = []
        verdict = await converged(loop, swarm, sid, progress=seen.append)
        assert (verdict.state, verdict.running, verdict.desired) == ("converged", 3, 3)
        assert seen[-1] == verdict and all(not v.failed for v in seen)
        tasks = await running(swarm, sid)
        assert sorted(t.node_id for t in tasks) == sorted(n.id for n in nodes)
        assert sorted(t.slot or 0 for t in tasks) == [1, 2, 3] and all(
            t.container_id for t in tasks
        )

        async def every_node_said() -> list[tuple[StreamKind, bytes]] | None:
            lines = await log_lines(swarm, sid, details=True)
            nodes_out = {line.split(b",")[0] for kind, line in lines if kind == StreamKind.STDOUT}
            nodes_err = {line.split(b",")[0] for kind, line in lines if kind == StreamKind.STDERR}
            return lines if len(nodes_out) == len(nodes_err) == 3 else None

        lines = await until(loop, 30, every_node_said)
        ids = {b"com.docker.swarm.node.id=" + n.id.encode() for n in nodes}
        assert {line.split(b",")[0] for _, line in lines} == ids
        for kind, line in lines:  # (each line on its own stream)
            said = line.split(b" ", 1)[1]
            assert said.startswith(b"out " if kind == StreamKind.STDOUT else b"err "), lines
        service = await swarm.services.inspect(sid)
        assert (service.mode, service.replicas, service.image, service.tty) == (
            "replicated",
            3,
            IMAGE,
            False,
        )
        listed = await swarm.services.list({"label": "dockproto.test=spread"}, status=True)
        assert [s.id for s in listed] == [sid] and listed[0].running_tasks == 3


@cluster
async def test_scale_up_and_down_and_a_stale_version(loop: Loop, swarm_host: str) -> None:
    """scale() re-reads the version: up to 5 then down to 1; an update with a stale
    version is a Conflict (20.10's 500) saying what to re-read."""
    async with open_client(loop, swarm_host) as swarm, made_in_swarm(loop, swarm) as made:
        sid = await made.service(replicas=1)
        first = await converged(loop, swarm, sid)
        assert first.running == 1
        stale = await swarm.services.inspect(sid)
        assert await swarm.services.scale(sid, 5) == []
        assert (await converged(loop, swarm, sid)).running == 5
        assert len(await running(swarm, sid)) == 5
        await swarm.services.scale(stale, 1)  # (a stale model: scale reads it afresh)
        assert (await converged(loop, swarm, sid)).running == 1
        assert (await swarm.services.inspect(sid)).replicas == 1
        with pytest.raises(dockproto.Conflict) as caught:
            await swarm.services.update(stale, replicas=2)
        assert caught.value.status_code == 500
        assert "update out of sequence" in caught.value.message
        assert "inspect the object again" in caught.value.message


@cluster
async def test_rolling_update_honours_its_config(loop: Loop, swarm_host: str) -> None:
    """An update of the command with parallelism 1 and start-first replaces one slot at
    a time, each new task running before its old one is shut down (as the daemon
    recorded the tasks' states: no clock of ours)."""
    async with open_client(loop, swarm_host) as swarm, made_in_swarm(loop, swarm) as made:
        config = {"parallelism": 1, "order": "start-first", "monitor": 0.2, "delay": 0}
        sid = await made.service(f"echo v1; {FOREVER}", replicas=3, update_config=config)
        await converged(loop, swarm, sid)
        before = {t.id: t for t in await running(swarm, sid)}
        service = await swarm.services.inspect(sid)
        assert service.raw["Spec"]["UpdateConfig"]["Order"] == "start-first"
        await swarm.services.update(service, command=["sh", "-c", f"echo v2; {FOREVER}"])
        verdict = await converged(loop, swarm, sid)
        assert verdict.running == 3
        updated = await swarm.services.inspect(sid)
        assert updated.update_status == "completed"
        tasks = await swarm.tasks.list({"service": sid})
        new = sorted((t for t in tasks if t.desired_state == "running"), key=lambda t: t.created_at)
        assert len(new) == 3 and not {t.id for t in new} & set(before)
        for t in new:
            assert t.raw["Spec"]["ContainerSpec"]["Command"][-1].startswith("echo v2")

        async def old_shut_down() -> dict[int | None, dockproto.Task] | None:
            tasks = await swarm.tasks.list({"service": sid})
            old = {t.slot: t for t in tasks if t.id in before}
            return old if all(t.state == "shutdown" for t in old.values()) else None

        old = await until(loop, 30, old_shut_down)  # (each stops within a second)
        assert sorted(s or 0 for s in old) == [1, 2, 3]
        started = {t.id: t.raw["Status"]["Timestamp"] for t in new}  # (when it ran)
        for t in new:  # start-first: the new one ran before its old one was shut down
            assert key(started[t.id]) <= key(old[t.slot].raw["Status"]["Timestamp"])
        for i in range(1, len(new)):  # parallelism 1: one slot after the other
            assert key(started[new[i - 1].id]) <= key(new[i].created_at)


def key(stamp: str) -> tuple[str, int]:
    from dockproto._swarm import _time_key

    return _time_key(stamp)


@cluster
async def test_drain_moves_tasks_off_the_node(loop: Loop, swarm_host: str) -> None:
    """Draining a node moves its tasks to the others; the node is made active again."""
    async with open_client(loop, swarm_host) as swarm, made_in_swarm(loop, swarm) as made:
        sid = await made.service(replicas=3)
        await converged(loop, swarm, sid)
        workers = await swarm.nodes.list({"role": "worker"})
        placed = {t.node_id for t in await running(swarm, sid)}
        target = next(n for n in workers if n.id in placed)
        await swarm.nodes.update(target, availability="drain")
        try:
            drained = await swarm.nodes.inspect(target.id)
            assert drained.availability == "drain" and drained.role == "worker"

            async def moved() -> list[dockproto.Task] | None:
                now = await running(swarm, sid)
                off = len(now) == 3 and target.id not in {t.node_id for t in now}
                return now if off else None

            now = await until(loop, 60, moved)
            assert (await converged(loop, swarm, sid)).running == 3
            assert target.id not in {t.node_id for t in now}
        finally:
            async with loop.teardown_limit():
                current = await swarm.nodes.inspect(target.id)
                await swarm.nodes.update(current, availability="active")
        assert (await swarm.nodes.inspect(target.id)).availability == "active"


@cluster
async def test_global_service_one_task_per_node(loop: Loop, swarm_host: str) -> None:
    """A global service runs exactly one task on each node."""
    async with open_client(loop, swarm_host) as swarm, made_in_swarm(loop, swarm) as made:
        sid = await made.service(mode="global")
        verdict = await converged(loop, swarm, sid)
        nodes = await swarm.nodes.list()
        assert verdict.running == verdict.desired == len(nodes) == 3
        tasks = await running(swarm, sid)
        assert sorted(t.node_id for t in tasks) == sorted(n.id for n in nodes)
        assert (await swarm.services.inspect(sid)).mode == "global"


@cluster
async def test_placement_constraints(loop: Loop, swarm_host: str) -> None:
    """A constraint on a node label and one on a hostname place the tasks there; one no
    node satisfies leaves the service pending, which wait_converged reports and never
    waits past its deadline."""
    async with open_client(loop, swarm_host) as swarm, made_in_swarm(loop, swarm) as made:
        nodes = sorted(await swarm.nodes.list(), key=lambda n: n.hostname)
        labelled, named = nodes[1], nodes[2]
        zone = unique("zone")
        await swarm.nodes.update(labelled, labels={**labelled.labels, "dp.zone": zone})
        try:
            by_label = await made.service(replicas=2, constraints=[f"node.labels.dp.zone=={zone}"])
            by_name = await made.service(constraints=[f"node.hostname=={named.hostname}"])
            nowhere = await made.service(constraints=[f"node.labels.dp.zone=={zone}-none"])
            await converged(loop, swarm, by_label)
            await converged(loop, swarm, by_name)
            assert {t.node_id for t in await running(swarm, by_label)} == {labelled.id}
            assert [t.node_id for t in await running(swarm, by_name)] == [named.id]

            seen: list[dockproto.Convergence] = []
            if loop.name == "sync":
                with pytest.raises(TimeoutError, match="no suitable node") as caught:
                    await swarm.services.wait_converged(nowhere, progress=seen.append, timeout=2)
                assert "did not converge in 2 s" in str(caught.value)
            else:  # (the caller's scope: trio's TooSlowError, asyncio's TimeoutError)
                with pytest.raises(Exception) as timed_out:
                    async with loop.fail_after(2):
                        await swarm.services.wait_converged(nowhere, progress=seen.append)
                assert type(timed_out.value).__name__ in ("TooSlowError", "TimeoutError")
            assert seen and seen[-1].pending and seen[-1].running == 0
            assert "no suitable node" in seen[-1].message, seen[-1]
            assert seen[-1].task is not None and seen[-1].task.state == "pending"
        finally:
            async with loop.teardown_limit():
                current = await swarm.nodes.inspect(labelled.id)
                labels = {k: v for k, v in current.labels.items() if k != "dp.zone"}
                await swarm.nodes.update(current, labels=labels)
        assert "dp.zone" not in (await swarm.nodes.inspect(labelled.id)).labels


@cluster
async def test_secrets_and_configs_reach_the_tasks(loop: Loop, swarm_host: str) -> None:
    """A secret and a templated config mounted into a task read back through the
    service's log (the secret as its SHA-256: it never shows), labels updated; the
    secret's data in nothing dockproto said, the request's repr or the DEBUG log."""
    secret = b'dp-\x00-s3cret "with" \\ bytes\xff\n'
    async with open_client(loop, swarm_host) as swarm, made_in_swarm(loop, swarm) as made:
        with captured_log() as log:
            secret_id = await made.secret(secret, labels={"a": "1"})
            config_id = await made.config(
                b"svc={{.Service.Name}} plain", templating="golang", labels={"b": "2"}
            )
            secret_info = await swarm.secrets.inspect(secret_id)
            config_info = await swarm.configs.inspect(config_id)
            name = unique()
            command = (
                f"sha256sum /run/secrets/db | cut -d' ' -f1; cat /etc/app.conf; echo; {FOREVER}"
            )
            sid = await made.service(
                command,
                name=name,
                secrets=[SecretRef(secret_id, secret_info["Spec"]["Name"], filename="db")],
                configs=[ConfigRef(config_id, config_info["Spec"]["Name"], "/etc/app.conf")],
            )
            await converged(loop, swarm, sid)

            async def both_said() -> list[bytes] | None:
                out = [
                    line for kind, line in await log_lines(swarm, sid) if kind == StreamKind.STDOUT
                ]
                return out if len(out) >= 2 else None

            out = await until(loop, 30, both_said)
        assert out[:2] == [
            hashlib.sha256(secret).hexdigest().encode(),
            f"svc={name} plain".encode(),
        ]
        assert "Data" not in secret_info["Spec"]  # (never given back)
        assert base64.b64decode(config_info["Spec"]["Data"]) == b"svc={{.Service.Name}} plain"
        assert config_info["Spec"]["Templating"]["Name"] == "golang"
        await swarm.secrets.update(secret_info, labels={"a": "2"})
        await swarm.configs.update(config_info, labels={"b": "3"})
        assert (await swarm.secrets.inspect(secret_id))["Spec"]["Labels"] == {"a": "2"}
        assert (await swarm.configs.inspect(config_id))["Spec"]["Labels"] == {"b": "3"}
        listed = await swarm.secrets.list({"name": secret_info["Spec"]["Name"]})
        assert [s["ID"] for s in listed] == [secret_id]
        request = dockproto.api.secrets.create("x", secret)
        text = everything_said(request, secret_info, *await swarm.secrets.list())
        secret_text = secret.decode("latin-1")
        assert leaks(text + log.getvalue(), secret_text) == []
        assert "POST /v1." in log.getvalue() and "/secrets/create" in log.getvalue()


@cluster
async def test_tty_service_logs_are_raw(loop: Loop, swarm_host: str) -> None:
    """A service whose spec has a TTY logs one raw stream (stderr too comes as stdout),
    and so does its task: the decoder follows the spec, learnt by the client."""
    async with open_client(loop, swarm_host) as swarm, made_in_swarm(loop, swarm) as made:
        sid = await made.service(f"echo tty-out; echo tty-err >&2; {FOREVER}", tty=True)
        await converged(loop, swarm, sid)

        async def said() -> list[tuple[StreamKind, bytes]] | None:
            lines = await log_lines(swarm, sid)
            return (
                lines if {b"tty-out", b"tty-err"} <= {line.strip() for _, line in lines} else None
            )

        lines = await until(loop, 30, said)
        assert {kind for kind, _ in lines} == {StreamKind.STDOUT}
        (task,) = await running(swarm, sid)
        assert task.tty
        chunks = []
        async with swarm.tasks.logs(task.id) as logs:
            async for chunk in logs:
                chunks.append(chunk)
        assert {c.stream for c in chunks} == {StreamKind.STDOUT}
        assert b"tty-err" in b"".join(c.data for c in chunks)
        assert (await swarm.tasks.inspect(task.id)).service_id == sid


@cluster
async def test_a_failing_task_fails_the_wait(loop: Loop, swarm_host: str) -> None:
    """A task that cannot start ends wait_converged with ServiceError and the daemon's
    message (a task that runs, even for a moment, is running: the command is one that
    does not exist, so that no poll can find it running)."""
    async with open_client(loop, swarm_host) as swarm, made_in_swarm(loop, swarm) as made:
        sid = await swarm.services.create(
            IMAGE, ["/dp/no/such/program"], name=unique(), restart_policy={"condition": "none"}
        )
        made.services.append(sid)
        with pytest.raises(dockproto.ServiceError) as caught:
            await converged(loop, swarm, sid)
        exc = caught.value
        assert exc.status_code == 0 and exc.convergence.failed
        assert exc.convergence.task is not None and exc.convergence.task.state in (
            "failed",
            "rejected",
        )
        assert "/dp/no/such/program" in str(exc) and str(exc).startswith("service '")


async def swarm_of(loop: Loop, host: str) -> dict[str, Any]:
    async with open_client(loop, host) as node:
        info: dict[str, Any] = (await node.info())["Swarm"]
        return info


@cluster
async def test_zz_a_worker_leaves_is_removed_and_joins_again(loop: Loop, swarm_host: str) -> None:
    """A worker (which cannot list services: SwarmUnavailable) leaves and is removed; a
    malformed join token, a wrong one and a wrong manager address are refused with the
    daemon's words (BadParameter; BadParameter on trio, ServerError on the blocking
    client); it joins again.  (Last of
    the cluster tests; the cluster is whole again at its end, the worker a new node.)"""
    infos = [(host, await swarm_of(loop, host)) for host in SWARM_HOSTS]
    worker_host, worker = next((h, i) for h, i in infos if not i.get("ControlAvailable"))
    async with open_client(loop, swarm_host) as swarm, open_client(loop, worker_host) as node:
        with pytest.raises(dockproto.SwarmUnavailable) as refused:
            await node.services.list()
        assert "Worker nodes can't be used" in refused.value.message
        tokens = await swarm.swarm.inspect()
        manager_addr = (await swarm.info())["Swarm"]["NodeAddr"]
        manager = f"{manager_addr}:2377"
        old_id = worker["NodeID"]
        await node.swarm.leave()
        try:
            assert (await node.info())["Swarm"]["LocalNodeState"] == "inactive"
            await swarm.nodes.rm(old_id, force=True)  # (not waiting the ~10 s till "down")
            assert old_id not in {n.id for n in await swarm.nodes.list()}
            with pytest.raises(dockproto.BadParameter, match="invalid join token"):
                await node.swarm.join([manager], "SWMTKN-1-malformed")
            # (swarmkit spends 10 s on a token of another swarm, and as long on a wrong
            # address: the one on trio, the other on the blocking client)
            if loop.name == "sync":
                with pytest.raises(dockproto.ServerError, match="connection refused") as nobody:
                    await node.swarm.join([f"{manager_addr}:9"], tokens.worker_token)
                assert not isinstance(nobody.value, dockproto.SwarmUnavailable)
            else:
                other_swarm = tokens.worker_token[:-5] + "xxxxx"
                with pytest.raises(dockproto.BadParameter, match="A valid join token is"):
                    await node.swarm.join([manager], other_swarm)
            assert (await node.info())["Swarm"]["LocalNodeState"] == "inactive"
        finally:
            async with loop.teardown_limit():
                if (await node.info())["Swarm"]["LocalNodeState"] != "active":
                    await node.swarm.join(
                        [manager], tokens.worker_token, advertise_addr=worker["NodeAddr"]
                    )
        new_id = (await node.info())["Swarm"]["NodeID"]
        assert new_id and new_id != old_id

        async def ready() -> bool:
            found = {n.id: n for n in await swarm.nodes.list()}
            return new_id in found and found[new_id].state == "ready" and len(found) == 3

        await until(loop, 60, ready)
