"""Typed results and argument types: frozen dataclasses built from the daemon's JSON.

Each model has a ``from_json`` that takes the decoded JSON and tolerates what both
engines actually send (dockerd 20.10 leaves out zero sizes; podman leaves out some
labels; newer APIs drop ``VirtualSize``).  The full JSON is kept in ``raw`` for what the
model does not name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


def _str_list(v: Any) -> list[str]:
    return [str(x) for x in v] if isinstance(v, list) else []


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


_CHANGE_KINDS = {0: "modified", 1: "added", 2: "deleted"}


@dataclass(frozen=True, slots=True)
class Change:
    """A filesystem change of a container: ``kind`` is "modified", "added" or "deleted"."""

    path: str
    kind: str

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> Change:
        return cls(path=str(j["Path"]), kind=_CHANGE_KINDS.get(int(j["Kind"]), str(j["Kind"])))


@dataclass(frozen=True, slots=True)
class Version:
    """``GET /version``."""

    api_version: str
    version: str
    git_commit: str
    go_version: str
    os: str
    arch: str
    kernel_version: str = ""
    min_api_version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> Version:
        return cls(
            api_version=str(j.get("ApiVersion") or ""),
            version=str(j.get("Version") or ""),
            git_commit=str(j.get("GitCommit") or ""),
            go_version=str(j.get("GoVersion") or ""),
            os=str(j.get("Os") or ""),
            arch=str(j.get("Arch") or ""),
            kernel_version=str(j.get("KernelVersion") or ""),
            min_api_version=str(j.get("MinAPIVersion") or ""),
            raw=j,
        )


@dataclass(frozen=True, slots=True)
class ImageSummary:
    """One row of ``GET /images/json``."""

    id: str
    created: float
    size: int
    virtual_size: int
    tags: list[str]
    digests: list[str]
    labels: dict[str, str]
    containers: int
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> ImageSummary:
        size = int(j.get("Size") or 0)
        tags = [t for t in _str_list(j.get("RepoTags")) if t != "<none>:<none>"]
        return cls(
            id=str(j["Id"]),
            created=float(j.get("Created") or 0),
            size=size,
            virtual_size=int(j.get("VirtualSize") or size),
            tags=tags,
            digests=[d for d in _str_list(j.get("RepoDigests")) if d != "<none>@<none>"],
            labels={str(k): str(v) for k, v in (j.get("Labels") or {}).items()},
            containers=int(j.get("Containers") or 0),
            raw=j,
        )


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


# -- binds (the OCaml ``bind`` type) -------------------------------------------------


def _check_bind_path(p: str) -> str:
    if not isinstance(p, str) or not p:
        raise ValueError(f"bind path must be a non-empty string, not {p!r}")
    if ":" in p:
        raise ValueError(f"bind path may not hold ':': {p!r}")
    return p


@dataclass(frozen=True, slots=True)
class Vol:
    """A new anonymous volume mounted at ``container_path``."""

    container_path: str

    def __post_init__(self) -> None:
        _check_bind_path(self.container_path)

    def to_bind(self) -> str:
        return self.container_path


@dataclass(frozen=True, slots=True)
class _HostBind:
    host_path: str
    container_path: str

    def __post_init__(self) -> None:
        _check_bind_path(self.host_path)
        _check_bind_path(self.container_path)

    def _bind(self, suffix: str) -> str:
        return f"{os.path.abspath(self.host_path)}:{self.container_path}{suffix}"


@dataclass(frozen=True, slots=True)
class Mount(_HostBind):
    """Bind-mount ``host_path`` (made absolute against the cwd at the call) read-write."""

    def to_bind(self) -> str:
        return self._bind("")


@dataclass(frozen=True, slots=True)
class MountRO(_HostBind):
    """As ``Mount``, read-only inside the container."""

    def to_bind(self) -> str:
        return self._bind(":ro")


Bind = Vol | Mount | MountRO


# -- image sources (the OCaml ``Image.source`` type) --------------------------------


@dataclass(frozen=True, slots=True)
class FromImage:
    """Pull ``name`` (optionally from ``repo``, at ``tag``)."""

    name: str
    repo: str | None = None
    tag: str | None = None


def from_image(name: str, repo: str | None = None, tag: str | None = None) -> FromImage:
    """The pull source, as OCaml's ``Image.from_image ?repo ?tag name``."""
    return FromImage(name, repo, tag)


@dataclass(frozen=True, slots=True)
class FromSrc:
    """Import the tarball the daemon fetches from ``url``."""

    url: str

    def __post_init__(self) -> None:
        if not self.url or self.url == "-":
            raise ValueError("FromSrc needs a URL; to send a body use FromBody")


@dataclass(frozen=True, slots=True)
class FromBody:
    """Import a tarball the client streams: bytes, a file path, or an async iterable."""

    data: Any


ImageSource = FromImage | FromSrc | FromBody
