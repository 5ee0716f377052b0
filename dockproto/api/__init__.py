"""Pure request builders, one module per Engine API area.

Each function returns a ``dockproto.Request`` that also knows how its answer is decoded;
none does any I/O.
"""

from . import containers, exec, images, networks, system, volumes

__all__ = ["containers", "exec", "images", "networks", "system", "volumes"]
