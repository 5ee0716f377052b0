"""API version negotiation and the import hygiene of the sans-IO package."""

from __future__ import annotations

import subprocess
import sys

import pytest

import dockproto
from dockproto import Response, Version, negotiate


def test_lower_of_client_and_daemon() -> None:
    """The negotiated version is the lower of the client's maximum and the daemon's."""
    head = Response(200, ((b"api-version", b"1.41"),))
    assert negotiate(head, client_max="1.44") == "1.41"
    assert negotiate(head, client_max="1.40") == "1.40"
    assert negotiate({"API-Version": "1.55"}) == dockproto.CLIENT_MAX_API
    assert negotiate([(b"Api-Version", b"1.43")], client_max="1.44") == "1.43"


def test_from_version_json_and_model() -> None:
    """A /version answer (JSON or model) negotiates as well as ping headers."""
    assert negotiate({"ApiVersion": "1.41"}) == "1.41"
    v = Version.from_json({"ApiVersion": "1.30"})
    assert negotiate(v) == "1.30"


def test_missing_header_means_client_max() -> None:
    """No version header: the client's maximum, as the current Go client does."""
    assert negotiate(Response(200, ()), client_max="1.41") == "1.41"


def test_too_old_or_malformed() -> None:
    """A daemon below the oldest known version, or a malformed one, is a ValueError."""
    with pytest.raises(ValueError):
        negotiate({"API-Version": "1.12"})
    with pytest.raises(ValueError):
        negotiate({"API-Version": "one.two"})


def test_import_pulls_in_no_io() -> None:
    """Importing dockproto loads no socket, ssl, selectors, threading, asyncio or trio."""
    code = (
        "import sys, dockproto, dockproto.api;"
        "bad = {'socket','ssl','selectors','threading','asyncio','trio'} & set(sys.modules);"
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
