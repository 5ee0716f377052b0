"""Typed results and argument types: frozen dataclasses built from the daemon's JSON.

Each model has a ``from_json`` that takes the decoded JSON and tolerates what both
engines actually send (dockerd 20.10 leaves out zero sizes; podman leaves out some
labels; newer APIs drop ``VirtualSize``).  The full JSON is kept in ``raw`` for what the
model does not name.

One module per API area (``system``, ``containers``, ``images``, ``exec``) and per
argument type (``binds``, ``sources``), each loaded on first use: building a frozen
slots dataclass costs about a millisecond, so a short-lived program (one ``dockproto
version``) builds only the models it reads.  Every name is also given here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .binds import Bind, Mount, MountRO, Vol
    from .containers import Change, ContainerSummary, Port, RunResult
    from .exec import ExecInspect, ExecResult
    from .images import ImageSummary
    from .sources import FromBody, FromImage, FromSrc, ImageSource, from_image
    from .system import Version


def _str_list(v: Any) -> list[str]:
    return [str(x) for x in v] if isinstance(v, list) else []


_HOMES = {
    "Version": "system",
    "Port": "containers",
    "ContainerSummary": "containers",
    "Change": "containers",
    "RunResult": "containers",
    "ImageSummary": "images",
    "ExecInspect": "exec",
    "ExecResult": "exec",
    "Vol": "binds",
    "Mount": "binds",
    "MountRO": "binds",
    "Bind": "binds",
    "FromImage": "sources",
    "FromSrc": "sources",
    "FromBody": "sources",
    "ImageSource": "sources",
    "from_image": "sources",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Bind",
    "Change",
    "ContainerSummary",
    "ExecInspect",
    "ExecResult",
    "FromBody",
    "FromImage",
    "FromSrc",
    "ImageSource",
    "ImageSummary",
    "Mount",
    "MountRO",
    "Port",
    "RunResult",
    "Version",
    "Vol",
    "from_image",
]
