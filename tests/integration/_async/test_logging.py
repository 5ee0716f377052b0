"""Logging, as a user switches it on: the ``dockproto`` logger tree, one DEBUG line per
request (method, redacted target, status, duration, bytes), one per stream opened and
closed, and nothing at INFO."""

from __future__ import annotations

import logging
import re

import pytest

import dockproto

from ...leaks import captured_log
from .support import Containers, Docker, Loop

LINE = re.compile(
    r"^dockproto\.(?P<client>\w+) DEBUG (?P<stream>stream closed: )?(?P<method>[A-Z]+) "
    r"(?P<target>\S+) (?P<status>\d+|-) in (?P<ms>\d+\.\d) ms, (?P<sent>\d+) B sent, "
    r"(?P<received>\d+) B received(?P<cut> \(cut short\))?$"
)


def lines(text: str) -> list[re.Match[str]]:
    found = [LINE.match(line) for line in text.splitlines() if " stream opened: " not in line]
    assert all(found), text
    return [m for m in found if m is not None]


async def test_debug_lines(docker: Docker, loop: Loop, containers: Containers) -> None:
    """At DEBUG: a line per request with its status, time and bytes, under the client's
    own logger; a stream's opening and closing; an error status is logged too."""
    cid = await containers.create(["sh", "-c", "echo out; echo err >&2"])
    await docker.containers.start(cid)
    await docker.containers.wait(cid)
    with captured_log() as log:
        await docker.version()
        async for _ in docker.containers.logs(cid, stdout=True, stderr=True):
            pass
        with pytest.raises(dockproto.NotFound):
            await docker.containers.inspect("dockproto-no-such-container")
    text = log.getvalue()
    found = lines(text)
    client = "asyncio" if loop.name == "uvloop" else loop.name
    assert {m["client"] for m in found} == {client}, text
    v = f"/v{docker.api_version}"
    version_line, logs_line, missing_line = found
    assert (version_line["method"], version_line["target"]) == ("GET", f"{v}/version")
    assert version_line["status"] == "200" and not version_line["stream"]
    assert int(version_line["sent"]) > 20 and int(version_line["received"]) > 200
    assert logs_line["stream"] and logs_line["target"].startswith(f"{v}/containers/{cid}/logs?")
    assert not logs_line["cut"]
    opened = f"stream opened: GET {logs_line['target']} 200"
    assert text.count(opened) == 1, text
    assert missing_line["target"].endswith("/containers/dockproto-no-such-container/json")
    assert missing_line["status"] == "404"


async def test_stream_closed_early(docker: Docker, loop: Loop, containers: Containers) -> None:
    """A stream closed before its end says so."""
    cid = await containers.create(["sh", "-c", "echo ready; sleep 60"])
    await docker.containers.start(cid)
    with captured_log() as log:
        async with loop.fail_after(60):
            stream = docker.containers.logs(cid, stdout=True, follow=True)
            async for _ in stream:
                break
            await stream.aclose()
    (closed,) = lines(log.getvalue())
    assert closed["stream"] and closed["cut"], log.getvalue()


async def test_nothing_at_info(docker: Docker, containers: Containers) -> None:
    """At INFO (and with DEBUG off) nothing is written per request."""
    with captured_log() as log:
        logging.getLogger("dockproto").setLevel(logging.INFO)
        await docker.version()
        await docker.containers.list()
    assert log.getvalue() == ""
