"""Exec results: ``ExecInspect`` and ``ExecResult``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ExecInspect:
    """``GET /exec/{id}/json``: ``exit_code`` is None while the process runs."""

    id: str
    running: bool
    exit_code: int | None
    pid: int
    container_id: str
    tty: bool
    open_stdin: bool
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> ExecInspect:
        running = bool(j.get("Running"))
        code = j.get("ExitCode")
        pc = j.get("ProcessConfig") or {}
        return cls(
            id=str(j.get("ID") or j.get("Id") or ""),
            running=running,
            exit_code=None if running or code is None else int(code),
            pid=int(j.get("Pid") or 0),
            container_id=str(j.get("ContainerID") or ""),
            tty=bool(pc.get("tty", j.get("Tty", False))),
            open_stdin=bool(j.get("OpenStdin")),
            raw=j,
        )


@dataclass(frozen=True, slots=True)
class ExecResult:
    """What ``exec.run`` returns: the exit code and each stream's bytes."""

    exit_code: int
    stdout: bytes
    stderr: bytes
