"""Swarm results: ``Node``, ``Service``, ``Task``, ``SwarmInfo``, and ``Convergence``
(what ``services.wait_converged`` judges), plus the references a service spec takes to
its secrets and configs (``SecretRef``, ``ConfigRef``).

The daemon sends every object with its ``Version`` (``{"Index": n}``), which an update
must send back (``version``): the models give it as an int.  Times are kept as the
daemon's RFC 3339 strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import _str_dict


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _version(j: dict[str, Any]) -> int:
    return int(_dict(j.get("Version")).get("Index") or 0)


@dataclass(frozen=True, slots=True)
class Node:
    """One node of ``GET /nodes`` (or ``GET /nodes/{id}``).

    ``role`` and ``availability`` are the spec's (what was asked), ``state`` the status's
    (``ready``, ``down``, ...); ``address`` is the node's IP as the managers see it;
    ``leader`` is true for the raft leader only."""

    id: str
    hostname: str
    role: str
    availability: str
    state: str
    address: str
    leader: bool
    version: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> Node:
        spec = _dict(j.get("Spec"))
        status = _dict(j.get("Status"))
        return cls(
            id=str(j.get("ID") or ""),
            hostname=str(_dict(j.get("Description")).get("Hostname") or ""),
            role=str(spec.get("Role") or ""),
            availability=str(spec.get("Availability") or ""),
            state=str(status.get("State") or ""),
            address=str(status.get("Addr") or ""),
            leader=bool(_dict(j.get("ManagerStatus")).get("Leader")),
            version=_version(j),
            labels=_str_dict(spec.get("Labels")),
            raw=j,
        )

    @property
    def spec(self) -> dict[str, Any]:
        """The node's spec as the daemon sent it (what an update starts from)."""
        return _dict(self.raw.get("Spec"))


_MODES = {
    "Replicated": "replicated",
    "Global": "global",
    "ReplicatedJob": "replicated-job",
    "GlobalJob": "global-job",
}


@dataclass(frozen=True, slots=True)
class Service:
    """One service of ``GET /services`` (or ``GET /services/{id}``).

    ``mode`` is ``replicated``, ``global``, ``replicated-job`` or ``global-job``;
    ``replicas`` the replicas asked for (a job's total completions; None when global);
    ``update_status`` the state of the last update (``updating``, ``paused``,
    ``completed``, ``rollback_started``, ...; None before any), ``update_message`` its
    message.  ``running_tasks``/``desired_tasks`` are given by ``list(status=True)``."""

    id: str
    name: str
    mode: str
    replicas: int | None
    image: str
    update_status: str | None
    update_message: str = ""
    version: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    tty: bool = False
    created_at: str = ""
    updated_at: str = ""
    running_tasks: int | None = None
    desired_tasks: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> Service:
        spec = _dict(j.get("Spec"))
        modes = _dict(spec.get("Mode"))
        mode, replicas = "replicated", None
        for key, name in _MODES.items():
            if key in modes:
                mode = name
                m = _dict(modes[key])
                value = m.get("Replicas") if key == "Replicated" else m.get("TotalCompletions")
                if key == "ReplicatedJob" and value is None:
                    value = m.get("MaxConcurrent", 1)
                if key in ("Replicated", "ReplicatedJob"):
                    replicas = int(value or 0)
                break
        container = _dict(_dict(spec.get("TaskTemplate")).get("ContainerSpec"))
        update = _dict(j.get("UpdateStatus"))
        status = j.get("ServiceStatus")
        return cls(
            id=str(j.get("ID") or ""),
            name=str(spec.get("Name") or ""),
            mode=mode,
            replicas=replicas,
            image=str(container.get("Image") or ""),
            update_status=str(update.get("State") or "") or None,
            update_message=str(update.get("Message") or ""),
            version=_version(j),
            labels=_str_dict(spec.get("Labels")),
            tty=bool(container.get("TTY")),
            created_at=str(j.get("CreatedAt") or ""),
            updated_at=str(j.get("UpdatedAt") or ""),
            running_tasks=int(status.get("RunningTasks") or 0)
            if isinstance(status, dict)
            else None,
            desired_tasks=int(status.get("DesiredTasks") or 0)
            if isinstance(status, dict)
            else None,
            raw=j,
        )

    @property
    def spec(self) -> dict[str, Any]:
        """The service's spec as the daemon sent it (what an update starts from)."""
        return _dict(self.raw.get("Spec"))


@dataclass(frozen=True, slots=True)
class Task:
    """One task of ``GET /tasks`` (or ``GET /tasks/{id}``).

    ``state`` is where the task is (``pending``, ``running``, ``failed``, ...),
    ``desired_state`` where the orchestrator wants it (``running``, ``shutdown``...);
    ``error`` is the status's ``Err`` (``no suitable node (...)``, ``non-zero exit
    (1)``), ``message`` its ``Message``; ``slot`` is None for a global service's task."""

    id: str
    service_id: str
    node_id: str
    slot: int | None
    desired_state: str
    state: str
    error: str
    container_id: str
    message: str = ""
    exit_code: int | None = None
    version: int = 0
    created_at: str = ""
    updated_at: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> Task:
        status = _dict(j.get("Status"))
        cstatus = _dict(status.get("ContainerStatus"))
        slot = j.get("Slot")
        code = cstatus.get("ExitCode")
        return cls(
            id=str(j.get("ID") or ""),
            service_id=str(j.get("ServiceID") or ""),
            node_id=str(j.get("NodeID") or ""),
            slot=int(slot) if slot else None,
            desired_state=str(j.get("DesiredState") or ""),
            state=str(status.get("State") or ""),
            error=str(status.get("Err") or ""),
            container_id=str(cstatus.get("ContainerID") or ""),
            message=str(status.get("Message") or ""),
            exit_code=int(code) if isinstance(code, int) else None,
            version=_version(j),
            created_at=str(j.get("CreatedAt") or ""),
            updated_at=str(j.get("UpdatedAt") or ""),
            raw=j,
        )

    @property
    def tty(self) -> bool:
        """The task's TTY setting (its spec's), which decides how its logs are framed."""
        spec = _dict(self.raw.get("Spec"))
        return bool(_dict(spec.get("ContainerSpec")).get("TTY"))


@dataclass(frozen=True, slots=True)
class SwarmInfo:
    """``GET /swarm``: the swarm as a manager sees it.

    The join tokens are credentials: they are fields (``worker_token``,
    ``manager_token``) but not in the ``repr``."""

    id: str
    version: int
    created_at: str
    updated_at: str
    spec: dict[str, Any]
    worker_token: str = field(default="", repr=False)
    manager_token: str = field(default="", repr=False)
    default_addr_pool: list[str] = field(default_factory=list)
    subnet_size: int = 0
    data_path_port: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> SwarmInfo:
        tokens = _dict(j.get("JoinTokens"))
        pool = j.get("DefaultAddrPool")
        return cls(
            id=str(j.get("ID") or ""),
            version=_version(j),
            created_at=str(j.get("CreatedAt") or ""),
            updated_at=str(j.get("UpdatedAt") or ""),
            spec=_dict(j.get("Spec")),
            worker_token=str(tokens.get("Worker") or ""),
            manager_token=str(tokens.get("Manager") or ""),
            default_addr_pool=[str(p) for p in pool] if isinstance(pool, list) else [],
            subnet_size=int(j.get("SubnetSize") or 0),
            data_path_port=int(j.get("DataPathPort") or 0),
            raw=j,
        )


@dataclass(frozen=True, slots=True)
class Convergence:
    """Where a service stands against what its spec asks (``services.wait_converged``).

    ``state`` is ``"converged"`` (every task it wants runs, no update under way),
    ``"pending"`` (not yet: tasks starting, waiting for a node, an update rolling) or
    ``"failed"`` (a task of the current spec failed or was rejected, or the update was
    paused or rolled back).  ``running`` counts the tasks running as wanted, ``desired``
    those wanted (None while a global service has no task yet); ``message`` says why in
    words (the daemon's, for a failure or a pending task); ``task`` is the task that
    says it, if one does."""

    state: str
    running: int
    desired: int | None
    message: str
    task: Task | None = None

    @property
    def converged(self) -> bool:
        return self.state == "converged"

    @property
    def failed(self) -> bool:
        return self.state == "failed"

    @property
    def pending(self) -> bool:
        return self.state == "pending"


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A secret given to a service's tasks: ``secret_id`` (from ``secrets.create`` or
    ``secrets.inspect``) and ``secret_name``; the file is ``/run/secrets/<filename>``
    (``filename`` defaults to the name), owned by ``uid``:``gid`` with ``mode``."""

    secret_id: str
    secret_name: str
    filename: str | None = None
    uid: str = "0"
    gid: str = "0"
    mode: int = 0o444

    def to_json(self) -> dict[str, Any]:
        return {
            "SecretID": self.secret_id,
            "SecretName": self.secret_name,
            "File": _file(self.filename or self.secret_name, self.uid, self.gid, self.mode),
        }


@dataclass(frozen=True, slots=True)
class ConfigRef:
    """A config given to a service's tasks: ``config_id`` and ``config_name``; the file is
    ``filename`` (an absolute path, or relative to ``/``; defaults to ``/<name>``), owned
    by ``uid``:``gid`` with ``mode``."""

    config_id: str
    config_name: str
    filename: str | None = None
    uid: str = "0"
    gid: str = "0"
    mode: int = 0o444

    def to_json(self) -> dict[str, Any]:
        return {
            "ConfigID": self.config_id,
            "ConfigName": self.config_name,
            "File": _file(self.filename or f"/{self.config_name}", self.uid, self.gid, self.mode),
        }


def _file(name: str, uid: str, gid: str, mode: int) -> dict[str, Any]:
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o7777:
        raise ValueError(f"a file mode is an int from 0 to 0o7777, not {mode!r}")
    return {"Name": name, "UID": str(uid), "GID": str(gid), "Mode": mode}
