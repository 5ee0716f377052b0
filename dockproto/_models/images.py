"""``ImageSummary``: a row of ``GET /images/json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import _str_list


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
