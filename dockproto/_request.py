"""``Request``: what a builder in ``dockproto.api`` returns.

A request knows its method, its unversioned path and query, its headers and body, and
how its answer is decoded (``expect``): a whole JSON value turned into a model
(``JSON``), no body (``EMPTY``), plain text (``TEXT``), a streamed body (``STREAM``,
with the ``Content`` it carries), or an upgrade to a raw bidirectional stream
(``HIJACK``: attach and exec start).  The API version prefix is added when the request
is sent, by the ``Connection`` that knows the negotiated version.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._content import Content

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_UNRESERVED_BYTES = frozenset(_UNRESERVED.encode())


def quote(text: str, safe: str = "") -> str:
    """``urllib.parse.quote(text, safe=safe)``: UTF-8, every byte but the unreserved
    ones and ``safe`` (ASCII) as ``%XX``.  Written out so that building a request does
    not load ``urllib.parse`` (and the ``ipaddress`` it imports) in every program."""
    if not text.rstrip(_UNRESERVED + safe):  # (nothing to escape: the common case)
        return text
    keep = _UNRESERVED_BYTES.union(safe.encode("ascii"))
    return "".join(chr(b) if b in keep else f"%{b:02X}" for b in text.encode())


def urlencode(pairs: Iterable[tuple[str, str]]) -> str:
    """``urllib.parse.urlencode(pairs, quote_via=quote)``: ``k=v`` joined by ``&``, each
    side quoted with nothing kept but the unreserved characters."""
    return "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in pairs)


class Expect(enum.Enum):
    """How the answer to a request is decoded."""

    JSON = "json"
    EMPTY = "empty"
    TEXT = "text"
    STREAM = "stream"
    HIJACK = "hijack"


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to the Engine API, and how its answer is decoded."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    streamed_body: bool = False
    expect: Expect = Expect.JSON
    parse: Callable[[Any], Any] = _identity
    content: Content | None = None
    frames: bool = False
    container: bool = False
    versioned: bool = True

    def target(self, api_version: str | None) -> str:
        """The request target: ``/v1.NN`` (when versioned and known), the path, the query."""
        prefix = f"/v{api_version}" if api_version and self.versioned else ""
        qs = f"?{urlencode(self.query)}" if self.query else ""
        return f"{prefix}{self.path}{qs}"


# -- helpers the builders share ------------------------------------------------------

_NAME_RE = re.compile(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]*")


def check_name(name: str, what: str = "container name") -> str:
    """Check a container (or exec, volume, network) name or id against the daemon's rule."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValueError(f"invalid {what} {name!r}: must match /?[a-zA-Z0-9][a-zA-Z0-9_.-]*")
    return name


def seg(value: str, what: str = "container name") -> str:
    """A checked id or name as one percent-encoded path segment."""
    return quote(check_name(value, what).lstrip("/"), safe="")


def check_image(name: str) -> str:
    """Check an image reference (no blanks, no ``?`` or ``#``); return it unchanged."""
    if not isinstance(name, str) or not name or any(c in name for c in " \t\r\n?#"):
        raise ValueError(f"invalid image reference {name!r}")
    return name


def split_reference(ref: str) -> tuple[str, str | None, str | None]:
    """An image reference as ``(name, tag, digest)``, ``None`` for what it does not carry.

    The tag is after a ``:`` in the last path component only: ``localhost:5000/x`` has
    none (``:5000`` is the registry's port), ``localhost:5000/x:v1`` has ``v1``."""
    name, at, digest = ref.partition("@")
    head, slash, last = name.rpartition("/")
    last, colon, tag = last.partition(":")
    return head + slash + last, (tag if colon else None), (digest if at else None)


_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def with_tag(repo: str, tag: str) -> str:
    """``repo:tag``, refusing a repo that already names a tag or a digest (the engines
    disagree on which wins: dockerd takes ``tag=``, podman the repo's own)."""
    if not isinstance(tag, str) or not _TAG_RE.fullmatch(tag):
        raise ValueError(f"invalid tag {tag!r}: must match [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}")
    _, has_tag, digest = split_reference(check_image(repo))
    if digest is not None:
        raise ValueError(f"repo {repo!r} carries a digest; it cannot also take tag={tag!r}")
    if has_tag is not None:
        raise ValueError(
            f"repo {repo!r} already carries the tag {has_tag!r}; give the tag once, "
            f"in the repo or as tag={tag!r}, not both"
        )
    return f"{repo}:{tag}"


def image_seg(name: str) -> str:
    """An image reference in a path (``/`` and ``:`` stay, the router takes ``{name:.*}``)."""
    return quote(check_image(name), safe="/:@")


def flag(value: bool) -> str:
    return "true" if value else "false"


def json_body(value: Any) -> tuple[bytes, tuple[tuple[str, str], ...]]:
    """A JSON body and its content type header."""
    body = json.dumps(value, separators=(",", ":")).encode()
    return body, (("Content-Type", "application/json"),)


def filters_param(filters: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """``filters=`` as the daemon takes it: a JSON map of name to list of strings."""
    if not filters:
        return []
    out: dict[str, list[str]] = {}
    for key, val in filters.items():
        if val is None:
            continue
        vals: Iterable[Any] = val if isinstance(val, (list, tuple, set, frozenset)) else [val]
        items = [_filter_value(v) for v in vals]
        if items:
            out.setdefault(key, []).extend(items)
    return [("filters", json.dumps(out, separators=(",", ":")))] if out else []


def _filter_value(v: Any) -> str:
    if isinstance(v, bool):
        return flag(v)
    if isinstance(v, (str, int)):
        return str(v)
    raise ValueError(f"filter values are strings or ints, not {v!r}")


def non_negative(value: int | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, not {value!r}")
    return value
