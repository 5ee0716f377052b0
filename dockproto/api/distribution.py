"""Distribution: what a registry holds for an image reference, asked through the daemon.

``GET /distribution/{name}/json`` answers the manifest's descriptor (``Descriptor``:
``mediaType``, ``digest``, ``size``) and the platforms it is made for (``Platforms``:
``architecture``, ``os``, ...), without pulling anything.  The daemon asks the registry
with the credentials of ``X-Registry-Auth`` (base64url JSON, as for a pull).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._request import Request, image_seg, json_object
from .images import auth_header


def inspect(name: str, auth: Mapping[str, Any] | None = None) -> Request[dict[str, Any]]:
    """``GET /distribution/{name}/json``: ``{"Descriptor": {...}, "Platforms": [...]}``.

    ``auth`` is a ``RegistryAuth`` or a mapping of its fields (``{}`` when anonymous:
    the header is always sent, as the docker CLI sends it)."""
    return Request(
        "GET",
        f"/distribution/{image_seg(name)}/json",
        headers=auth_header(auth if auth is not None else {}),
        parse=json_object,
    )
