"""``Request``: what a builder in ``dockproto.api`` returns.

A request knows its method, its unversioned path and query, its headers and body, and
how its answer is decoded (``expect``): a whole JSON value turned into a model
(``JSON``), no body (``EMPTY``), plain text (``TEXT``), a streamed body (``STREAM``,
with the ``Content`` it carries), an upgrade to a raw bidirectional stream (``HIJACK``:
attach and exec start), or an upgrade to WebSocket frames (``WEBSOCKET``: attach/ws).
The API version prefix is added when the request is sent, by the ``Connection`` that
knows the negotiated version.

``Request[T]`` is generic in ``T``, the type of the ``Result.value`` its answer gives:
``Request[Version]``, ``Request[list[ContainerSummary]]``, ``Request[dict[str, Any]]``
for a plain JSON object, ``Request[str]`` for text, ``Request[None]`` for an answer with
no body and for a streamed or upgraded answer (whose items are events, not a value).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import GenericAlias
from typing import TYPE_CHECKING, Any, Generic, TypeVar

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
    WEBSOCKET = "websocket"


T_co = TypeVar("T_co", covariant=True)


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True, repr=False)
class Request(Generic[T_co]):
    """One HTTP request to the Engine API, and how its answer is decoded.

    ``parse`` turns the decoded JSON of a ``JSON`` answer (None when the answer has no
    body: ``EMPTY``, a 204 or a 304) into the ``Result``'s value; a ``TEXT`` answer's
    value is the body as ``str``, unparsed.  ``T_co`` is that value's type.

    ``min_api`` names what the request sends that only a later API version has, as
    ``(what, version)`` pairs (``("containers.stop(signal=...)", "1.42")``); a
    ``Connection`` that speaks an older version refuses to send it (see ``_since``).
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    streamed_body: bool = False
    expect: Expect = Expect.JSON
    parse: Callable[[Any], T_co] = _identity
    content: Content | None = None
    frames: bool = False
    container: bool = False
    versioned: bool = True
    min_api: tuple[tuple[str, str], ...] = ()

    if not TYPE_CHECKING:
        # ``Request[T](...)`` sets ``__orig_class__`` on the new instance, which a frozen
        # slotted dataclass refuses with a TypeError that typing's alias does not catch
        # on some Pythons (3.10, 3.12.1): ``types.GenericAlias`` ignores that refusal.
        __class_getitem__ = classmethod(GenericAlias)

    def target(self, api_version: str | None) -> str:
        """The request target: ``/v1.NN`` (when versioned and known), the path, the query."""
        prefix = f"/v{api_version}" if api_version and self.versioned else ""
        qs = f"?{urlencode(self.query)}" if self.query else ""
        return f"{prefix}{self.path}{qs}"

    def redacted_target(self, api_version: str | None) -> str:
        """``target`` with secrets shown as ``<redacted>`` (the values of build args): what
        a log line or a message may show."""
        if not self.query:
            return self.target(api_version)
        redacted = replace(self, query=redact_query(self.query))  # (a log line's, only)
        return redacted.target(api_version).replace(_QUOTED_REDACTED, REDACTED)

    def __repr__(self) -> str:
        """Method, path, query and headers with their secrets redacted; the body only as
        its size: a request can be logged or printed without publishing a credential."""
        shown = [repr(self.method), repr(self.path)]
        if self.query:
            shown.append(f"query={redact_query(self.query)!r}")
        if self.headers:
            shown.append(f"headers={redact_headers(self.headers)!r}")
        if self.body is not None:
            shown.append(f"body=<{len(self.body)} bytes>")
        if self.streamed_body:
            shown.append("streamed_body=True")
        shown.append(f"expect={self.expect.name}")
        if self.min_api:
            shown.append(f"min_api={self.min_api!r}")
        return f"Request({', '.join(shown)})"

    __str__ = __repr__


# -- redaction: what a repr, a log line or a message never shows ---------------------

REDACTED = "<redacted>"
_QUOTED_REDACTED = quote(REDACTED)
# Headers whose values carry credentials: base64 JSON with passwords and tokens.
SECRET_HEADERS = frozenset({"x-registry-auth", "x-registry-config"})
# Query parameters that are JSON maps whose values may be secrets (their names are kept).
SECRET_QUERY_MAPS = frozenset({"buildargs"})


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The headers, with the values of ``SECRET_HEADERS`` replaced by ``<redacted>``."""
    return tuple(
        (name, REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers
    )


def redact_query(query: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The query, with the values inside ``SECRET_QUERY_MAPS`` replaced by ``<redacted>``
    (the whole value when it is not a JSON object)."""
    out = []
    for name, value in query:
        if name in SECRET_QUERY_MAPS:
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                value = json.dumps(dict.fromkeys(parsed, REDACTED), separators=(",", ":"))
            else:
                value = REDACTED
        out.append((name, value))
    return tuple(out)


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


# -- answer shapes ---------------------------------------------------------------------
# ``parse`` functions for answers that stay plain JSON: they check the shape the builder
# promises, so that ``Result.value`` is what the request's type says.  A ``TypeError``
# here reaches the caller as a ``ProtocolError`` ("unexpected JSON shape").


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def json_object(value: Any) -> dict[str, Any]:
    """The answer as a JSON object (a ``TypeError`` for anything else, ``null`` too)."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, not {_json_kind(value)}")
    return value


def json_objects(value: Any) -> list[dict[str, Any]]:
    """The answer as an array of JSON objects; ``null`` (or no body) is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"expected a JSON array, not {_json_kind(value)}")
    for item in value:
        if not isinstance(item, dict):
            raise TypeError(f"expected an array of JSON objects, not of {_json_kind(item)}")
    return value


def non_negative(value: int | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, not {value!r}")
    return value


def logs_request(
    path: str,
    stdout: bool,
    stderr: bool,
    follow: bool,
    since: int | float | None,
    timestamps: bool,
    tail: int | str | None,
    *,
    until: int | float | None = None,
    details: bool = False,
    tty: bool,
    frames: bool | None,
    container: bool = False,
) -> Request[None]:
    """A container's, a service's or a task's logs: the same query, the same framing
    (one raw stream with a TTY, else multiplexed; with ``timestamps`` each chunk one
    whole log entry, unless ``frames`` says otherwise)."""
    if not stdout and not stderr:
        raise ValueError("ask for stdout, stderr or both")
    query = [("stdout", flag(stdout)), ("stderr", flag(stderr))]
    if follow:
        query.append(("follow", "true"))
    for key, val in (("since", since), ("until", until)):
        if val is not None:
            if isinstance(val, bool) or not isinstance(val, (int, float)) or val < 0:
                raise ValueError(f"{key} is a non-negative Unix timestamp, not {val!r}")
            query.append((key, str(val)))
    if timestamps:
        query.append(("timestamps", "true"))
    if tail is not None:
        if tail != "all":
            non_negative(tail if isinstance(tail, int) else -1, "tail")
        query.append(("tail", str(tail)))
    if details:
        query.append(("details", "true"))
    return Request(
        "GET",
        path,
        query=tuple(query),
        expect=Expect.STREAM,
        content=Content.RAW if tty else Content.MUX,
        frames=timestamps if frames is None else frames,
        container=container,
    )
