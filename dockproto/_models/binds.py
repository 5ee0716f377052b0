"""Binds (the OCaml ``bind`` type): ``Vol``, ``Mount``, ``MountRO``; ``Bind`` is any of them."""

from __future__ import annotations

import os
from dataclasses import dataclass


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
