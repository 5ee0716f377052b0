"""Hunting a secret in text: as it is, JSON-escaped, or inside a base64 token.

``leaks(text, secret)`` names every form in which ``secret`` shows in ``text``:

* ``plain``: the secret itself;
* ``json``: the secret as a JSON string escapes it (``"`` and ``\\`` doubled up, ...);
* ``repr``: either of those as Python's ``repr`` of a ``str`` or ``bytes`` escapes it;
* ``base64``: inside any run of base64 characters, decoded in the standard and in the
  URL-safe alphabet from each of the four character offsets of the run, so that the
  secret is found whatever its byte offset in the encoded data (plain or JSON-escaped).

``captured_log()`` collects the DEBUG lines of the ``dockproto`` logger tree.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

# A secret with characters that JSON escapes, so that "plain" and "json" differ.
SECRET = 'Pw"4-dockproto\\leak-7e1'

_RUN = re.compile(r"[A-Za-z0-9+/_-]{6,}={0,2}")
_TO_STANDARD = str.maketrans("-_", "+/")


def _decodings(token: str) -> Iterator[bytes]:
    """``token`` decoded from each of its first four offsets, in both alphabets."""
    body = token.rstrip("=")
    for offset in range(4):
        part = body[offset:]
        part = part[: len(part) - len(part) % 4] if len(part) % 4 == 1 else part
        padded = part + "=" * (-len(part) % 4)
        for text in {padded, padded.translate(_TO_STANDARD)}:
            try:
                yield base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                continue


def leaks(text: str, secret: str = SECRET) -> list[str]:
    """The forms (``plain``, ``json``, ``base64``) in which ``secret`` appears in ``text``."""
    found = []
    escaped = json.dumps(secret)[1:-1]
    if secret in text:
        found.append("plain")
    if escaped in text:
        found.append("json")
    if any(repr(form)[1:-1] in text for form in (secret, escaped)):
        found.append("repr")
    needles = (secret.encode(), escaped.encode())
    for match in _RUN.finditer(text):
        if any(n in data for data in _decodings(match.group()) for n in needles):
            found.append("base64")
            break
    return found


def everything_said(*things: object) -> str:
    """``repr`` and ``str`` of each thing, and of the causes and contexts of exceptions."""
    out: list[str] = []
    seen: set[int] = set()
    todo = list(things)
    while todo:
        thing = todo.pop()
        if id(thing) in seen or thing is None:
            continue
        seen.add(id(thing))
        out += [repr(thing), str(thing)]
        if isinstance(thing, BaseException):
            out += [repr(a) for a in thing.args]
            todo += [thing.__cause__, thing.__context__]
            todo += list(getattr(thing, "events", []))  # (a ProtocolError's)
            todo += list(getattr(thing, "exceptions", []))  # (an exception group's)
    return "\n".join(out)


@contextmanager
def captured_log() -> Iterator[io.StringIO]:
    """Every record of the ``dockproto`` loggers at DEBUG, formatted, in a ``StringIO``."""
    logger = logging.getLogger("dockproto")
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield text
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
