"""Tasks: list, inspect, logs."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from .._models.swarm import Task
from .._request import Request, filters_param, json_object, json_objects, logs_request
from ._swarmspec import object_id, object_seg


def _path(task: str | Task, suffix: str = "") -> str:
    return f"/tasks/{object_seg(object_id(task, 'task'), 'task id')}{suffix}"


def list(filters: Mapping[str, Any] | None = None) -> Request[builtins.list[Task]]:
    """``GET /tasks`` as ``list[Task]`` (filters: desired-state, id, label, name, node,
    service)."""
    return Request(
        "GET",
        "/tasks",
        query=tuple(filters_param(filters)),
        parse=lambda v: [Task.from_json(t) for t in json_objects(v)],
    )


def inspect(task: str | Task) -> Request[Task]:
    """``GET /tasks/{id}`` as a ``Task``."""
    return Request("GET", _path(task), parse=lambda v: Task.from_json(json_object(v)))


def logs(
    task: str | Task,
    stdout: bool = True,
    stderr: bool = True,
    follow: bool = False,
    since: int | float | None = None,
    timestamps: bool = False,
    tail: int | str | None = None,
    details: bool = False,
    *,
    tty: bool = False,
    frames: bool | None = None,
) -> Request[None]:
    """``GET /tasks/{id}/logs``: a stream of ``StreamChunk`` (raw when ``tty``, the
    task spec's setting); the parameters are those of ``services.logs``."""
    return logs_request(
        _path(task, "/logs"),
        stdout,
        stderr,
        follow,
        since,
        timestamps,
        tail,
        details=details,
        tty=tty,
        frames=frames,
    )


__all__ = ["inspect", "list", "logs"]
