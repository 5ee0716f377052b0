"""The client's decisions, without I/O: what every client (trio, asyncio, blocking)
decides the same way, so that a client is only connect, send, receive, wait.

* version: a pinned version (argument, else ``DOCKER_API_VERSION``) or one negotiation
  through ``/_ping``;
* TTY knowledge: a container's TTY setting (which decides whether its output is
  multiplexed) learnt from ``create`` or one ``inspect``, remembered by full id;
* answers: a whole answer is exactly one ``Result``; an upgrade answered without ``101``
  is a stream all the same; an ended cycle keeps its connection only when reusable;
* streams: where a stream ends, and which in-stream errors raise;
* the exec exit-code race: the daemon records the code a moment after the output ends,
  so it is asked again with a growing delay;
* uploads: bytes, a file path, or an iterable of bytes, never read whole.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterator, Mapping
from typing import Any

from ._content import Content
from ._errors import ProtocolError
from ._events import (
    ConnectionClosed,
    EndOfMessage,
    Hijacked,
    JSONMessage,
    Response,
    Result,
)
from ._request import Request
from ._version import CLIENT_MAX_API, negotiate, parse_api_version

# Plain requests at once per client (more wait their turn): measured best with as many
# idle connections kept (see docs/performance.md), far below the default limit of 1,024
# open files.
MAX_CONCURRENT_REQUESTS = 64
# Idle connections kept for reuse: as many as requests may run at once.
MAX_IDLE = 64
# TTY settings remembered per container id.
MAX_TTY_CACHE = 1024
# Reads start at RECEIVE_SIZE and double up to MAX_RECEIVE_SIZE while the socket fills
# them; a streamed body that keeps filling them is then read into one reused buffer of
# STREAM_BUFFER bytes (docs/performance.md has the measurements).
RECEIVE_SIZE = 1 << 16
MAX_RECEIVE_SIZE = 1 << 17
STREAM_BUFFER = 1 << 18
# Items handed out from memory between two turns for other tasks.
SCHEDULE_EVERY = 64
# The longest a cancelled ``containers.run`` spends killing (and removing) its container.
CLEANUP_SECONDS = 30.0
# Streamed uploads are read from files in pieces of this size.
UPLOAD_PIECE = 1 << 16
# The exec exit-code poll: first delay, growth, last delay (seconds).
EXIT_POLL_FIRST = 0.001
EXIT_POLL_MAX = 0.1


def pinned_version(api_version: str | None, env: Mapping[str, str]) -> str | None:
    """The version a client is pinned to: the argument, else ``DOCKER_API_VERSION``, else
    None (negotiate).  A malformed version is a ``ValueError`` before anything is sent."""
    pinned = api_version or env.get("DOCKER_API_VERSION") or None
    if pinned is not None:
        parse_api_version(pinned)
    return pinned


def negotiated(ping_head: Response) -> str:
    """The version to speak after ``/_ping`` answered with ``ping_head``."""
    return negotiate(ping_head, client_max=CLIENT_MAX_API)


class TtyCache:
    """Containers' TTY settings, by full id (a name can be given to another container
    later), least recently used out past ``MAX_TTY_CACHE``."""

    def __init__(self, size: int = MAX_TTY_CACHE) -> None:
        self._size = size
        self._tty: collections.OrderedDict[str, bool] = collections.OrderedDict()

    # The blocking client is shared between threads: another thread may evict an entry
    # between two steps below, which is no error (a KeyError, from it, is let go).

    def remember(self, container_id: str, tty: bool) -> None:
        self._tty[container_id] = tty
        try:
            self._tty.move_to_end(container_id)
            while len(self._tty) > self._size:
                self._tty.popitem(last=False)
        except KeyError:
            pass

    def get(self, container: str) -> bool | None:
        """The setting if known, else None (then ask ``learn`` with an inspect)."""
        tty = self._tty.get(container)
        if tty is not None:
            try:
                self._tty.move_to_end(container)
            except KeyError:
                pass
        return tty

    def learn(self, inspect_value: Mapping[str, Any]) -> bool:
        """The setting from a container's ``inspect``, remembered by its id."""
        tty = bool((inspect_value.get("Config") or {}).get("Tty"))
        if inspect_value.get("Id"):
            self.remember(str(inspect_value["Id"]), tty)
        return tty


def whole_value(events: list[Any]) -> Any:
    """The value of a whole answer: its events must be exactly one ``Result``."""
    if len(events) != 1 or not isinstance(events[0], Result):
        raise ProtocolError(f"unexpected events for a whole answer: {events!r}")
    return events[0].value


def hijacked(request: Request[Any], head: Response | Hijacked) -> Hijacked:
    """The ``Hijacked`` of an upgrade request.  A daemon that answers 200 without
    upgrading sends output until it closes, but takes no stdin: a stream all the same."""
    if isinstance(head, Hijacked):
        return head
    return Hijacked(head.headers, request.content is Content.MUX)


def error_head(event: Any) -> bool:
    """Whether a head is an error status (its ``ErrorResponse`` follows)."""
    return isinstance(event, Response) and event.status_code >= 400


def ends_stream(event: Any) -> bool:
    """Whether an event ends a streamed answer."""
    cls = type(event)
    return cls is EndOfMessage or cls is ConnectionClosed


def keeps_connection(reusable: bool, eof: bool) -> bool:
    """Whether an ended cycle's connection goes back to the pool."""
    return reusable and not eof


def in_stream_error(event: Any) -> BaseException | None:
    """The error an in-stream message carries (``JSONMessage.error``), if any."""
    if type(event) is JSONMessage:
        return event.exception()
    return None


def exit_code_delays() -> Iterator[float]:
    """The waits between the exec ``inspect``s that look for the exit code."""
    delay = EXIT_POLL_FIRST
    while True:
        yield delay
        delay = min(delay * 2, EXIT_POLL_MAX)


def upload_kind(data: Any) -> str:
    """How an upload body is given: ``"bytes"``, ``"path"`` or ``"iterable"``; anything
    else is a ``ValueError`` before anything is sent."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(data, (str, os.PathLike)):
        return "path"
    if hasattr(data, "__aiter__") or (hasattr(data, "__iter__") and not isinstance(data, Mapping)):
        return "iterable"
    raise ValueError("upload data is bytes, a file path, or an iterable of bytes")
