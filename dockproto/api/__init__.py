"""Pure request builders, one module per Engine API area.

Each function returns a ``dockproto.Request`` that also knows how its answer is decoded;
none does any I/O.  Each area's module is loaded on first use (``api.images`` and its
models cost nothing to a program that never touches images).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import (
        configs,
        containers,
        distribution,
        exec,
        images,
        networks,
        nodes,
        plugins,
        secrets,
        services,
        swarm,
        system,
        tasks,
        volumes,
    )

__all__ = [
    "configs",
    "containers",
    "exec",
    "images",
    "networks",
    "nodes",
    "plugins",
    "secrets",
    "services",
    "swarm",
    "system",
    "tasks",
    "volumes",
]
__all__ += ["distribution"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return importlib.import_module(f"{__name__}.{name}")  # (which binds it here)
