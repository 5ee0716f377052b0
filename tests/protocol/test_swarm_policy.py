"""The Swarm policy without I/O: the convergence judgement, the Swarm errors, the models."""

from __future__ import annotations

from typing import Any

import pytest

import dockproto
from dockproto import Node, Service, SwarmInfo, Task, api
from dockproto._errors import error_for_status
from dockproto._swarm import _time_key, is_podman, judge, needs_engine_check, podman_error

TEMPLATE = {"ContainerSpec": {"Image": "busybox", "Command": ["sleep", "9"]}, "ForceUpdate": 0}
UPDATED = "2024-01-01T10:00:00.5Z"


def service(
    mode: dict[str, Any] | None = None,
    update: dict[str, Any] | None = None,
    template: dict[str, Any] | None = None,
    updated: str = UPDATED,
) -> Service:
    raw: dict[str, Any] = {
        "ID": "svc1",
        "Version": {"Index": 10},
        "CreatedAt": "2024-01-01T09:00:00Z",
        "UpdatedAt": updated,
        "Spec": {
            "Name": "web",
            "TaskTemplate": {**(template or TEMPLATE), "Runtime": "container"},
            "Mode": mode or {"Replicated": {"Replicas": 2}},
        },
    }
    if update is not None:
        raw["UpdateStatus"] = update
    return Service.from_json(raw)


def task(
    n: int,
    state: str = "running",
    desired: str = "running",
    created: str = "2024-01-01T10:00:01.25Z",
    err: str = "",
    spec: dict[str, Any] | None = None,
    slot: int | None = None,
) -> Task:
    status: dict[str, Any] = {"State": state, "Message": state}
    if err:
        status["Err"] = err
    return Task.from_json(
        {
            "ID": f"task{n}",
            "ServiceID": "svc1",
            "NodeID": f"node{n}",
            "Slot": n if slot is None else slot,
            "CreatedAt": created,
            "UpdatedAt": created,
            "DesiredState": desired,
            "Status": status,
            "Spec": {**(spec or TEMPLATE)},
        }
    )


def test_converged_when_every_replica_runs_the_spec() -> None:
    """Replicated: as many up-to-date tasks running as replicas, no other wanted."""
    verdict = judge(service(), [task(1), task(2), task(3, "shutdown", "shutdown")])
    assert (verdict.state, verdict.running, verdict.desired) == ("converged", 2, 2)
    assert verdict.converged and not verdict.pending and not verdict.failed


def test_pending_with_the_daemons_reason() -> None:
    """A task the scheduler cannot place keeps the service pending, and says why."""
    why = "no suitable node (scheduling constraints not satisfied on 3 nodes)"
    verdict = judge(service(), [task(1), task(2, "pending", err=why)])
    assert verdict.pending and verdict.running == 1
    assert why in verdict.message and verdict.task is not None and verdict.task.id == "task2"


def test_a_failed_task_of_the_current_spec_fails() -> None:
    """A task created since the last update that failed is a failure, with its error."""
    failed = task(3, "failed", "shutdown", err="task: non-zero exit (1)")
    verdict = judge(service(), [task(1), task(2), failed])
    assert verdict.failed and "non-zero exit (1)" in verdict.message
    assert verdict.task is not None and verdict.task.id == "task3"


def test_an_old_failure_is_history() -> None:
    """A task that failed before the last update does not count."""
    old = task(3, "failed", "shutdown", created="2024-01-01T10:00:00.4999Z", err="x")
    assert judge(service(), [task(1), task(2), old]).converged


def test_rejected_and_completed_tasks_fail() -> None:
    """Rejected is a failure; so is a service task that completed (it should run)."""
    assert judge(service(), [task(1, "rejected", err="No such image")]).failed
    done = judge(service(), [task(1), task(2, "complete", "shutdown")])
    assert done.failed and "exited (code 0)" in done.message


@pytest.mark.parametrize("state", ["paused", "rollback_paused", "rollback_completed"])
def test_a_paused_or_rolled_back_update_fails(state: str) -> None:
    """An update the daemon paused or rolled back is a failure, with its message."""
    update = {"State": state, "Message": "update paused due to failure"}
    verdict = judge(service(update=update), [task(1), task(2)])
    assert verdict.failed and "update paused due to failure" in verdict.message


def test_an_update_under_way_is_pending() -> None:
    """While the update rolls (or its outdated tasks still run), it is pending."""
    old_spec = {"ContainerSpec": {"Image": "busybox", "Command": ["sleep", "1"]}}
    rolling = service(update={"State": "updating", "Message": "update in progress"})
    verdict = judge(rolling, [task(1), task(2, spec=old_spec)])
    assert verdict.pending and "update under way" in verdict.message
    # Before the updater says "updating" (the status is reset by the update itself):
    verdict = judge(service(), [task(1), task(2, spec=old_spec)])
    assert verdict.pending and verdict.running == 1 and "outdated" in verdict.message


def test_empty_values_and_placement_do_not_make_a_task_outdated() -> None:
    """The daemon's ``Runtime``, empty maps and zeros, and the placement are ignored."""
    spec = {**TEMPLATE, "Resources": {"Limits": {}}, "Placement": {"Constraints": ["a==b"]}}
    assert judge(service(), [task(1, spec=spec), task(2)]).converged


def test_too_many_wanted_is_pending() -> None:
    """A third task still wanted running (scale-down not applied yet) is pending."""
    assert judge(service(), [task(1), task(2), task(3)]).pending


def test_global() -> None:
    """Global: pending until the orchestrator made tasks, then each must run."""
    glob = service(mode={"Global": {}})
    assert glob.replicas is None and glob.mode == "global"
    assert judge(glob, []).pending and judge(glob, []).desired is None
    assert judge(glob, [task(1), task(2, "starting")]).pending
    verdict = judge(glob, [task(1, slot=0), task(2, slot=0), task(3, slot=0)])
    assert verdict.converged and verdict.desired == 3


def test_jobs() -> None:
    """A job converges when as many tasks completed as asked."""
    job = service(mode={"ReplicatedJob": {"MaxConcurrent": 1, "TotalCompletions": 2}})
    assert job.mode == "replicated-job" and job.replicas == 2
    one = [task(1, "complete", "complete")]
    assert judge(job, one).pending
    assert judge(job, [*one, task(2, "complete", "complete")]).converged
    assert judge(job, [task(1, "failed", "shutdown", err="exit 1")]).failed


def test_time_keys_compare_whatever_the_fraction() -> None:
    """Go trims trailing zeros from fractions: .5 is later than .4999, earlier than .51."""
    keys = [_time_key(t) for t in ("2024-01-01T10:00:00.4999Z", UPDATED, "2024-01-01T10:00:00.51Z")]
    assert keys == sorted(keys) and _time_key("2024-01-01T10:00:00Z") < keys[0]


# -- errors -------------------------------------------------------------------------------

NOT_MANAGER = (
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to '
    "connect this node to swarm and try again."
)
WORKER = (
    "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster "
    "state. Please run this command on a manager node or promote the current node to a manager."
)


@pytest.mark.parametrize("message", [NOT_MANAGER, WORKER])
def test_not_a_manager_is_swarm_unavailable(message: str) -> None:
    """dockerd's 503 on a Swarm route: SwarmUnavailable, saying so, the daemon's words kept."""
    exc = error_for_status(503, message)
    assert isinstance(exc, dockproto.SwarmUnavailable) and isinstance(exc, dockproto.DockerError)
    assert exc.status_code == 503 and exc.engine == "docker"
    assert exc.message.startswith("the daemon is not a swarm manager: ") and message in exc.message


def test_other_swarm_503s() -> None:
    """Not in a swarm: SwarmUnavailable; podman's "does not support": SwarmUnavailable
    (podman); already in a swarm: a Conflict that keeps its 503."""
    exc = error_for_status(503, "This node is not part of a swarm")
    assert isinstance(exc, dockproto.SwarmUnavailable) and "not in a swarm" in exc.message
    exc = error_for_status(503, "Podman does not support service: /v1.41/services/x")
    assert isinstance(exc, dockproto.SwarmUnavailable) and exc.engine == "podman"
    assert exc.message.startswith("podman has no Swarm API: ")
    exc = error_for_status(503, "This node is already part of a swarm. Use ...")
    assert type(exc) is dockproto.Conflict and exc.status_code == 503


@pytest.mark.parametrize("status", [500, 409])
def test_update_out_of_sequence_is_a_conflict(status: int) -> None:
    """swarmkit's stale-version answer is a Conflict with its status, saying what to re-read."""
    exc = error_for_status(status, "rpc error: code = Unknown desc = update out of sequence")
    assert type(exc) is dockproto.Conflict and exc.status_code == status
    assert "update out of sequence" in exc.message and "inspect the object again" in exc.message


def test_join_errors() -> None:
    """A malformed join token (dockerd's 500) is a BadParameter keeping its status; a
    wrong one is swarmkit's 400; an unreachable manager's 503 stays a ServerError (it is
    no "not a manager"), each with the daemon's words."""
    exc = error_for_status(500, "invalid join token")
    assert type(exc) is dockproto.BadParameter and exc.status_code == 500
    wrong = "rpc error: code = InvalidArgument desc = A valid join token is necessary to join"
    assert type(error_for_status(400, wrong)) is dockproto.BadParameter
    refused = 'rpc error: code = Unavailable desc = connection error: desc = "transport: ..."'
    exc = error_for_status(503, refused)
    assert type(exc) is dockproto.ServerError and exc.message == refused


def test_plain_errors_stay_as_they_were() -> None:
    """Other answers keep their usual classes."""
    assert type(error_for_status(500, "boom")) is dockproto.ServerError
    assert type(error_for_status(404, "service x not found")) is dockproto.NotFound


def test_podman_bare_404() -> None:
    """A bare "Not Found" on a Swarm route needs the engine check; a daemon's "no such
    service" or a bare 404 elsewhere does not; podman is told by its Components."""
    bare = dockproto.NotFound(404, "Not Found")
    assert needs_engine_check(api.services.list(), bare)
    assert needs_engine_check(api.swarm.inspect(), bare)
    assert not needs_engine_check(
        api.services.list(), dockproto.NotFound(404, "service x not found")
    )
    assert not needs_engine_check(api.containers.inspect("x"), bare)
    podman = {"Components": [{"Name": "Podman Engine", "Version": "4.3.1"}, {"Name": "Conmon"}]}
    docker = {"Components": [{"Name": "Engine", "Version": "20.10.24"}, {"Name": "containerd"}]}
    assert is_podman(podman) and not is_podman(docker) and not is_podman({})
    exc = podman_error(api.nodes.list(), bare)
    assert isinstance(exc, dockproto.SwarmUnavailable) and exc.engine == "podman"
    assert exc.status_code == 404 and "GET /nodes" in exc.message


def test_service_error() -> None:
    """A ServiceError names the service and carries the judgement."""
    verdict = judge(service(), [task(1, "failed", "shutdown", err="non-zero exit (3)")])
    exc = dockproto.ServiceError("web", verdict)
    assert str(exc) == f"service 'web' failed: {verdict.message}" and exc.status_code == 0
    assert exc.convergence is verdict


# -- models -------------------------------------------------------------------------------


def test_node_model() -> None:
    """A node as the daemon sends it, the raw dict kept."""
    raw = {
        "ID": "n1",
        "Version": {"Index": 9},
        "Spec": {"Labels": {"zone": "a"}, "Role": "manager", "Availability": "drain"},
        "Description": {"Hostname": "host1"},
        "Status": {"State": "ready", "Addr": "10.0.0.1"},
        "ManagerStatus": {"Leader": True, "Reachability": "reachable"},
    }
    node = Node.from_json(raw)
    assert (node.id, node.hostname, node.role, node.availability) == (
        "n1",
        "host1",
        "manager",
        "drain",
    )
    assert (node.state, node.address, node.leader, node.version) == ("ready", "10.0.0.1", True, 9)
    assert node.labels == {"zone": "a"} and node.raw is raw and node.spec is raw["Spec"]
    worker = Node.from_json({"ID": "n2", "Spec": {}})
    assert worker.leader is False and worker.version == 0


def test_service_and_task_models() -> None:
    """A service's mode, replicas, image, update status and list status; a task's fields."""
    svc = Service.from_json(
        {
            "ID": "s1",
            "Version": {"Index": 4},
            "Spec": {
                "Name": "web",
                "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "TTY": True}},
                "Mode": {"Replicated": {"Replicas": 3}},
            },
            "UpdateStatus": {"State": "paused", "Message": "why"},
            "ServiceStatus": {"RunningTasks": 2, "DesiredTasks": 3},
        }
    )
    assert (svc.name, svc.mode, svc.replicas, svc.image, svc.tty) == (
        "web",
        "replicated",
        3,
        "busybox",
        True,
    )
    assert (svc.update_status, svc.update_message, svc.version) == ("paused", "why", 4)
    assert (svc.running_tasks, svc.desired_tasks) == (2, 3)
    bare = Service.from_json({"ID": "s2", "Spec": {"Mode": {"GlobalJob": {}}}})
    assert bare.mode == "global-job" and bare.update_status is None and bare.running_tasks is None
    t = Task.from_json(
        {
            "ID": "t1",
            "ServiceID": "s1",
            "NodeID": "n1",
            "Slot": 2,
            "DesiredState": "running",
            "Status": {
                "State": "failed",
                "Err": "non-zero exit (1)",
                "ContainerStatus": {"ContainerID": "c1", "ExitCode": 1},
            },
            "Spec": {"ContainerSpec": {"TTY": True}},
        }
    )
    assert (t.id, t.service_id, t.node_id, t.slot, t.desired_state) == (
        "t1",
        "s1",
        "n1",
        2,
        "running",
    )
    assert (t.state, t.error, t.container_id, t.exit_code, t.tty) == (
        "failed",
        "non-zero exit (1)",
        "c1",
        1,
        True,
    )
    assert Task.from_json({"ID": "t2"}).slot is None


def test_swarm_info_hides_its_tokens() -> None:
    """The join tokens are fields, but never in the repr."""
    info = SwarmInfo.from_json(
        {
            "ID": "sw",
            "Version": {"Index": 3},
            "Spec": {"Name": "default"},
            "JoinTokens": {"Worker": "SWMTKN-1-worker", "Manager": "SWMTKN-1-manager"},
            "DefaultAddrPool": ["10.0.0.0/8"],
            "SubnetSize": 24,
            "DataPathPort": 4789,
        }
    )
    assert info.worker_token == "SWMTKN-1-worker" and info.manager_token == "SWMTKN-1-manager"
    assert "SWMTKN" not in repr(info) and info.spec == {"Name": "default"} and info.version == 3
