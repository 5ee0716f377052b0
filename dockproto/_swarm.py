"""Swarm policy, without I/O: whether a service has converged, and how the clients tell
an engine without Swarm.

Convergence (``judge``): a service has converged when every task its spec asks for runs
the current spec, and no update is under way.  The judgement reads one inspect of the
service and the list of its tasks (the clients poll both, ``converge_delays`` apart):

* the tasks that count are those the orchestrator wants running (``DesiredState``
  ``running``); a task it shut down (scaled away, drained, replaced) is history;
* a task whose spec differs from the service's task template is outdated: an update
  still has to replace it (``Placement`` is left out of the comparison, as swarmkit
  leaves it when the node still satisfies it);
* replicated: as many up-to-date tasks running as replicas, and no others wanted;
  global: at least one task, each running and up to date (until the orchestrator has
  made a task the service is pending, as the docker CLI judges it: it cannot know how
  many nodes satisfy the constraints);
* jobs (``replicated-job``, ``global-job``): their tasks are wanted ``complete``; done
  when as many completed as asked (a global job: all of them, at least one);
* failed: a task created since the service's last update that failed, was rejected, or
  (not a job) completed, since a service's tasks are meant to keep running; or an
  update paused or rolled back (``UpdateStatus``);
* anything else is pending, with the daemon's reason when a task gives one
  (``no suitable node (scheduling constraints not satisfied on 3 nodes)``).

Engines without Swarm: dockerd's and podman's 503s are told by their message
(``_errors.error_for_status``); podman's bare ``404 Not Found`` on a list route it
does not have is told from "no such object" only by asking ``/version`` once
(``needs_engine_check``, ``is_podman``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._errors import DockerError, NotFound, SwarmUnavailable, podman_swarm_unavailable
from ._models.swarm import Convergence, Service, Task
from ._request import Request

# The Swarm API's routes, by the first segment of their path.
SWARM_ROUTES = frozenset({"swarm", "nodes", "services", "tasks", "secrets", "configs"})

# The poll of ``wait_converged``: first delay, growth, last delay (seconds).
CONVERGE_POLL_FIRST = 0.05
CONVERGE_POLL_MAX = 0.5
# Times ``services.scale`` re-reads the version after a conflicting write.
SCALE_ATTEMPTS = 5

_FAILED = frozenset({"failed", "rejected"})
_UPDATE_FAILED = frozenset({"paused", "rollback_paused", "rollback_completed"})
_UPDATE_RUNNING = frozenset({"updating", "rollback_started"})
# Left out of the comparison of a task's spec with its service's task template: the
# placement (swarmkit keeps a task whose node still satisfies a new one) and what the
# daemon adds to the template only (``Runtime``).
_IGNORED_SPEC_KEYS = frozenset({"Placement", "Runtime"})


def converge_delays() -> Iterator[float]:
    """The waits between two polls of ``wait_converged``."""
    delay = CONVERGE_POLL_FIRST
    while True:
        yield delay
        delay = min(delay * 1.5, CONVERGE_POLL_MAX)


def _time_key(stamp: str) -> tuple[str, int]:
    """An RFC 3339 time (Go's, with 0 to 9 fraction digits) as a sortable key."""
    head, dot, rest = stamp.partition(".")
    if not dot:
        return stamp.rstrip("Z"), 0
    digits = ""
    for ch in rest:
        if not ch.isdigit():
            break
        digits += ch
    return head, int((digits + "000000000")[:9])


def _spec_of(value: Any) -> Any:
    """A task spec for comparison: without ``_IGNORED_SPEC_KEYS``, and without empty
    values at any depth (the daemon writes ``{}``, ``0`` or nothing alike)."""
    if not isinstance(value, dict):
        return {}
    return _pruned({k: v for k, v in value.items() if k not in _IGNORED_SPEC_KEYS})


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", 0, False, {}, [])}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def up_to_date(service: Service, task: Task) -> bool:
    """Whether ``task`` runs the service's current task template."""
    template = service.spec.get("TaskTemplate")
    return bool(_spec_of(task.raw.get("Spec")) == _spec_of(template))


def _where(task: Task) -> str:
    name = f"task {task.id[:12]}"
    if task.slot is not None:
        name += f" (slot {task.slot})"
    if task.node_id:
        name += f" on node {task.node_id[:12]}"
    return name


def _why(task: Task) -> str:
    said = task.error or task.message
    return f"{_where(task)}: {task.state}" + (f": {said}" if said else "")


def judge(service: Service, tasks: Sequence[Task]) -> Convergence:
    """Where ``service`` stands, given its tasks (all of them, old ones too)."""
    job = service.mode.endswith("-job")
    since = _time_key(service.updated_at or service.created_at)
    mine = [t for t in tasks if t.service_id in ("", service.id)]
    for task in sorted(mine, key=lambda t: _time_key(t.updated_at), reverse=True):
        if _time_key(task.created_at) < since:
            continue
        if task.state in _FAILED or (task.state == "complete" and not job):
            if task.state == "complete":
                reason = f"{_where(task)} exited (code 0) but a service's tasks keep running"
            else:
                reason = _why(task)
            return Convergence("failed", 0, service.replicas, reason, task)
    update = service.update_status
    if update in _UPDATE_FAILED:
        said = service.update_message or f"the update is {update}"
        return Convergence("failed", 0, service.replicas, f"update {update}: {said}")
    if job:
        return _judge_job(service, mine)
    wanted = [t for t in mine if t.desired_state == "running"]
    running = [t for t in wanted if t.state == "running" and up_to_date(service, t)]
    desired = service.replicas if service.mode == "replicated" else (len(wanted) or None)
    if update in _UPDATE_RUNNING:
        said = service.update_message or update
        return _pending(running, desired, wanted, service, f"update under way: {said}")
    if desired is None:
        return Convergence("pending", 0, None, "waiting for the orchestrator to make tasks")
    if len(running) == desired == len(wanted):
        return Convergence("converged", len(running), desired, f"{desired}/{desired} running")
    return _pending(running, desired, wanted, service, "")


def _pending(
    running: list[Task], desired: int | None, wanted: list[Task], service: Service, why: str
) -> Convergence:
    count = f"{len(running)}/{desired if desired is not None else '?'} running"
    ready = {t.id for t in running}
    waiting = [t for t in wanted if t.id not in ready]
    blamed = next((t for t in waiting if t.error or t.message), waiting[0] if waiting else None)
    parts = [count]
    if why:
        parts.append(why)
    if blamed is not None:
        outdated = blamed.state == "running"  # (running, but not the current spec)
        parts.append(f"{_where(blamed)}: outdated" if outdated else _why(blamed))
    return Convergence("pending", len(running), desired, "; ".join(parts), blamed)


def _judge_job(service: Service, mine: list[Task]) -> Convergence:
    wanted = [t for t in mine if t.desired_state in ("complete", "running")]
    done = [t for t in wanted if t.state == "complete" and up_to_date(service, t)]
    desired = service.replicas if service.mode == "replicated-job" else (len(wanted) or None)
    if desired is not None and len(done) >= desired:
        return Convergence("converged", len(done), desired, f"{len(done)}/{desired} complete")
    finished = {t.id for t in done}
    blamed = next((t for t in wanted if t.id not in finished and (t.error or t.message)), None)
    count = f"{len(done)}/{desired if desired is not None else '?'} complete"
    message = f"{count}; {_why(blamed)}" if blamed is not None else count
    return Convergence("pending", len(done), desired, message, blamed)


# -- engines without Swarm ----------------------------------------------------------------


def swarm_route(path: str) -> bool:
    """Whether ``path`` (unversioned) is one of the Swarm API's."""
    return path.lstrip("/").partition("/")[0] in SWARM_ROUTES


def needs_engine_check(request: Request[Any], error: DockerError) -> bool:
    """Whether ``error`` may be podman's bare 404 for a Swarm route it lacks (then the
    engine is asked once what it is; a real "no such object" carries a message)."""
    return (
        isinstance(error, NotFound)
        and error.message.strip() == "Not Found"
        and swarm_route(request.path)
    )


def is_podman(version: Mapping[str, Any]) -> bool:
    """Whether ``GET /version``'s answer (its raw JSON) is podman's: a component of its
    ``Components`` is named "Podman Engine"."""
    components = version.get("Components")
    if not isinstance(components, list):
        return False
    return any(
        isinstance(c, dict) and "podman" in str(c.get("Name") or "").lower() for c in components
    )


def podman_error(request: Request[Any], error: DockerError) -> SwarmUnavailable:
    """The ``SwarmUnavailable`` for podman's bare 404 on ``request``."""
    return podman_swarm_unavailable(
        request.method, request.path, error.status_code, error.message.strip()
    )


def spec_tty(spec: Mapping[str, Any]) -> bool:
    """The TTY setting of a service's spec (or a task's: its ``ContainerSpec``)."""
    template = spec.get("TaskTemplate", spec)
    container = template.get("ContainerSpec") if isinstance(template, dict) else None
    return bool(container.get("TTY")) if isinstance(container, dict) else False
