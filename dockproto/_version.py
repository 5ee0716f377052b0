"""API version negotiation, as the Go client does it.

The daemon names its highest API version in the ``API-Version`` header of every answer
(``/_ping`` is the cheap one) and in ``ApiVersion`` of ``/version``.  The client speaks
the lower of that and its own maximum, and never below the oldest version it knows the
wire format of.  A missing header means the daemon predates the header; like the current
Go client we then assume the client's maximum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CLIENT_MAX_API = "1.44"
CLIENT_MIN_API = "1.24"


def parse_api_version(value: str) -> tuple[int, int]:
    """``"1.41"`` -> ``(1, 41)``; a ``ValueError`` for anything else."""
    text = value.strip().lstrip("v")
    parts = text.split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not an API version: {value!r}")
    return int(parts[0]), int(parts[1])


def _daemon_version(source: Any) -> str | None:
    # A Version model, a Response, a mapping of headers or of /version JSON, or pairs.
    api = getattr(source, "api_version", None)
    if isinstance(api, str):
        return api or None
    header = getattr(source, "header", None)
    if callable(header):
        value = header("api-version")
        return value if isinstance(value, str) else None
    if isinstance(source, Mapping):
        items: Iterable[tuple[Any, Any]] = source.items()
    else:
        items = source
    for k, v in items:
        key = k.decode("latin-1") if isinstance(k, bytes) else str(k)
        if key.lower() in ("api-version", "apiversion"):
            return v.decode("latin-1") if isinstance(v, bytes) else str(v)
    return None


def negotiate(ping_or_version_headers: Any, client_max: str = CLIENT_MAX_API) -> str:
    """The API version to speak: the lower of ``client_max`` and the daemon's.

    Args:
        ping_or_version_headers: the ``Response`` of ``/_ping`` (or its headers, as a
            mapping or pairs), or the ``Version`` (or JSON) of ``/version``.
        client_max: the highest version the caller speaks.

    Raises:
        ValueError: the daemon's version is malformed or older than ``CLIENT_MIN_API``.
    """
    mine = parse_api_version(client_max)
    theirs_text = _daemon_version(ping_or_version_headers)
    if theirs_text is None:
        return f"{mine[0]}.{mine[1]}"
    theirs = parse_api_version(theirs_text)
    if theirs < parse_api_version(CLIENT_MIN_API):
        raise ValueError(
            f"the daemon speaks API {theirs_text}, older than the oldest this client knows "
            f"({CLIENT_MIN_API})"
        )
    best = min(mine, theirs)
    return f"{best[0]}.{best[1]}"
