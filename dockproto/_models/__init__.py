"""Typed results and argument types: frozen dataclasses built from the daemon's JSON.

Each model has a ``from_json`` that takes the decoded JSON and tolerates what both
engines actually send (dockerd 20.10 leaves out zero sizes; podman leaves out some
labels; newer APIs drop ``VirtualSize``).  The full JSON is kept in ``raw`` for what the
model does not name.

One module per API area (``system``, ``containers``, ``images``, ``exec``, ``swarm``)
and per argument type (``binds``, ``sources``), each loaded on first use: building a frozen
slots dataclass costs about a millisecond, so a short-lived program (one ``dockproto
version``) builds only the models it reads.  Every name is also given here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .binds import Bind, Mount, MountRO, Vol
    from .containers import Change, ContainerSummary, Port, RunResult
    from .exec import ExecInspect, ExecResult
    from .images import ImageSummary
    from .sources import FromBody, FromImage, FromSrc, ImageSource, from_image
    from .swarm import ConfigRef, Convergence, Node, SecretRef, Service, SwarmInfo, Task
    from .system import Version


_ONLY_STR = frozenset({str})


def _str_list(v: Any) -> list[str]:
    if not isinstance(v, list):
        return []
    if _ONLY_STR.issuperset(map(type, v)):  # (what JSON gives: a copy is enough)
        return v[:]
    return [str(x) for x in v]


def _str_dict(v: Any) -> dict[str, str]:
    """``{str(k): str(v)}`` of a mapping (labels, options), None or empty giving ``{}``."""
    if not v:
        return {}
    values = v.values()  # (first: what is not a mapping fails here, as it always did)
    if _ONLY_STR.issuperset(map(type, v)) and _ONLY_STR.issuperset(map(type, values)):
        return dict(v)  # (what JSON gives: a copy is enough)
    return {str(k): str(x) for k, x in v.items()}


def _slot_setters(cls: type, *names: str) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of ``cls``'s slots ``names``, to build a model the daemon sends by the
    thousand (a list's rows) without its ``__init__``: a frozen dataclass's sets each
    field through ``object.__setattr__``; the slot's own setter is one direct call, and
    gives the same object."""
    return tuple(cls.__dict__[name].__set__ for name in names)


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
    "Node": "swarm",
    "Service": "swarm",
    "Task": "swarm",
    "SwarmInfo": "swarm",
    "Convergence": "swarm",
    "SecretRef": "swarm",
    "ConfigRef": "swarm",
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
    "ConfigRef",
    "ContainerSummary",
    "Convergence",
    "ExecInspect",
    "ExecResult",
    "FromBody",
    "FromImage",
    "FromSrc",
    "ImageSource",
    "ImageSummary",
    "Mount",
    "MountRO",
    "Node",
    "Port",
    "RunResult",
    "SecretRef",
    "Service",
    "SwarmInfo",
    "Task",
    "Version",
    "Vol",
    "from_image",
]
