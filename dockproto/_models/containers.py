"""Container results: ``ContainerSummary`` (with its ``Port`` list) and ``Change``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import _str_list


@dataclass(frozen=True, slots=True)
class Port:
    """A port of a container summary: private port, public port (0 if unpublished), type."""

    priv: int
    pub: int
    typ: str
    ip: str = ""

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> Port:
        return cls(
            priv=int(j.get("PrivatePort") or 0),
            pub=int(j.get("PublicPort") or 0),
            typ=str(j.get("Type") or "tcp"),
            ip=str(j.get("IP") or ""),
        )


@dataclass(frozen=True, slots=True)
class ContainerSummary:
    """One row of ``GET /containers/json``."""

    id: str
    names: list[str]
    image: str
    command: str
    created: float
    status: str
    ports: list[Port]
    size_rw: int | None
    size_root_fs: int | None
    state: str
    labels: dict[str, str]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: dict[str, Any], *, size: bool = False) -> ContainerSummary:
        return cls(
            id=str(j["Id"]),
            names=_str_list(j.get("Names")),
            image=str(j.get("Image") or ""),
            command=str(j.get("Command") or ""),
            created=float(j.get("Created") or 0),
            status=str(j.get("Status") or ""),
            ports=[Port.from_json(p) for p in (j.get("Ports") or [])],
            size_rw=int(j.get("SizeRw") or 0) if size else None,
            size_root_fs=int(j.get("SizeRootFs") or 0) if size else None,
            state=str(j.get("State") or ""),
            labels={str(k): str(v) for k, v in (j.get("Labels") or {}).items()},
            raw=j,
        )


@dataclass(frozen=True, slots=True)
class RunResult:
    """What ``containers.run`` returns (attached): the exit code and each stream's
    bytes (with a TTY, all output is in ``stdout``)."""

    exit_code: int
    stdout: bytes
    stderr: bytes


_CHANGE_KINDS = {0: "modified", 1: "added", 2: "deleted"}


@dataclass(frozen=True, slots=True)
class Change:
    """A filesystem change of a container: ``kind`` is "modified", "added" or "deleted"."""

    path: str
    kind: str

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> Change:
        return cls(path=str(j["Path"]), kind=_CHANGE_KINDS.get(int(j["Kind"]), str(j["Kind"])))
