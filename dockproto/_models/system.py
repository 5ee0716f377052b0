"""``Version``: what ``GET /version`` answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
