"""What a builder can send that only a later API version understands, and since when.

A daemon ignores a query parameter or a body field its API version does not have, and
says nothing: ``containers.stop(signal="SIGINT")`` at 1.41 stops the container with its
own stop signal.  So a builder that sends such a thing records it in ``Request.min_api``
as ``(what, version)`` pairs, and ``Connection.send_request`` refuses the request with a
``ValueError`` naming the version it needs when the connection speaks an older one.  An
unversioned connection (``api_version=None``) gets the daemon's own version: accepted.

The tables come from the Engine API's version history (v1.42 and later) read against
what the builders send: their own parameters, and the fields of the mappings that
``containers.create``, ``update`` and ``commit`` pass through into the body.  A body
field counts only when it is set to something other than its zero value (None, False,
0, empty): a daemon that ignores the field acts as if it were zero anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._version import parse_api_version

MinApi = tuple[tuple[str, str], ...]
"""``Request.min_api``: ``(what, version)`` pairs, e.g. ``("containers.stop(signal=...)",
"1.42")``."""

PARAMETERS: dict[str, str] = {
    "containers.stop(signal=...)": "1.42",
    "containers.restart(signal=...)": "1.42",
    "images.list(shared_size=True)": "1.42",
}
"""Builder parameters that exist from a later version than 1.41, by how they are named."""

FieldPath = tuple[str, ...]
"""A body field by its path of keys; ``"*"`` is every item of a list or value of a map."""

CONTAINER_CONFIG: tuple[tuple[FieldPath, str], ...] = ((("Healthcheck", "StartInterval"), "1.44"),)
"""Fields of a container config (``create``'s body, ``commit``'s ``config``)."""

CREATE_BODY: tuple[tuple[FieldPath, str], ...] = (
    *CONTAINER_CONFIG,
    (("HostConfig", "Annotations"), "1.43"),
    (("HostConfig", "Mounts", "*", "BindOptions", "CreateMountpoint"), "1.42"),
    (("HostConfig", "Mounts", "*", "BindOptions", "ReadOnlyNonRecursive"), "1.44"),
    (("HostConfig", "Mounts", "*", "BindOptions", "ReadOnlyForceRecursive"), "1.44"),
    (("HostConfig", "Mounts", "*", "VolumeOptions", "Subpath"), "1.45"),
    (("HostConfig", "Mounts", "*", "TmpfsOptions", "Options"), "1.46"),
    (("HostConfig", "Mounts", "*", "ImageOptions"), "1.48"),
    (("NetworkingConfig", "EndpointsConfig", "*", "MacAddress"), "1.44"),
    (("NetworkingConfig", "EndpointsConfig", "*", "GwPriority"), "1.48"),
)
"""Fields of ``POST /containers/create``'s body."""

UPDATE_BODY: tuple[tuple[FieldPath, str], ...] = tuple(
    ((name,), "1.55")
    for name in (
        "BlkioWeightDevice",
        "BlkioDeviceReadBps",
        "BlkioDeviceWriteBps",
        "BlkioDeviceReadIOps",
        "BlkioDeviceWriteIOps",
    )
)
"""Fields of ``POST /containers/{id}/update``'s body (in the schema before 1.55, but
ignored by the daemon until then)."""


def parameter(what: str) -> tuple[str, str]:
    """The ``min_api`` pair of a parameter of ``PARAMETERS``."""
    return what, PARAMETERS[what]


def body_fields(
    operation: str, body: Mapping[str, Any], table: Iterable[tuple[FieldPath, str]]
) -> MinApi:
    """The ``min_api`` pairs of the fields of ``table`` that ``body`` sets."""
    return tuple(
        (f"{operation}({_dotted(path)})", version) for path, version in table if _is_set(body, path)
    )


def _dotted(path: FieldPath) -> str:
    return ".".join(path).replace(".*", "[]")


def _is_set(node: Any, path: FieldPath) -> bool:
    if not path:
        return bool(node)
    key, rest = path[0], path[1:]
    if key == "*":
        items = (
            node if isinstance(node, list) else node.values() if isinstance(node, Mapping) else ()
        )
        return any(_is_set(item, rest) for item in items)
    return isinstance(node, Mapping) and _is_set(node.get(key), rest)


def check_min_api(min_api: MinApi, speaks: str) -> None:
    """Raise ``ValueError`` naming what needs a later version than ``speaks``."""
    have = parse_api_version(speaks)
    newer = [f"{what} needs API {v}" for what, v in min_api if parse_api_version(v) > have]
    if newer:
        raise ValueError(f"{'; '.join(newer)}; this connection speaks {speaks}")
