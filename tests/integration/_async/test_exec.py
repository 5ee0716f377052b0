"""Exec on both engines: create, start, inspect, resize, and run with exit codes."""

from __future__ import annotations

import pytest

import dockproto
from dockproto import StreamKind

from .support import Containers, Docker


async def _running(containers: Containers) -> str:
    cid = await containers.create(["sleep", "600"])
    await containers.docker.containers.start(cid)
    return cid


async def test_run_exit_code_and_streams(docker: Docker, containers: Containers) -> None:
    """exec.run gives stdout, stderr and the exit code."""
    cid = await _running(containers)
    res = await docker.exec.run(cid, ["sh", "-c", "echo out; echo err >&2; exit 5"])
    assert res == dockproto.ExecResult(5, b"out\n", b"err\n")


@pytest.mark.uvloop
async def test_run_with_stdin(docker: Docker, containers: Containers) -> None:
    """stdin bytes reach the process; its output after end of stdin is kept."""
    cid = await _running(containers)
    res = await docker.exec.run(cid, ["sh", "-c", "wc -c; echo done"], stdin=b"x" * 100_000)
    assert res.exit_code == 0 and res.stdout.split() == [b"100000", b"done"]


@pytest.mark.uvloop
async def test_streamed_exec_then_exit_code(docker: Docker, containers: Containers) -> None:
    """An exec read as a stream still gives its exit code, and inspect says so."""
    cid = await _running(containers)
    eid = await docker.exec.create(cid, ["sh", "-c", "seq 1 20000; exit 3"], user="nobody")
    lines = 0
    async with docker.exec.start(eid) as stream:
        async for chunk in stream:
            assert chunk.stream == StreamKind.STDOUT
            lines += chunk.data.count(b"\n")
        assert await stream.exit_code() == 3
    assert lines == 20000
    assert await docker.exec.exit_code(eid) == 3
    info = await docker.exec.inspect(eid)
    assert info.exit_code == 3 and not info.running and info.container_id == cid


async def test_tty_exec_and_resize(docker: Docker, containers: Containers) -> None:
    """A TTY exec is one raw stream; resize applies to it."""
    cid = await _running(containers)
    eid = await docker.exec.create(cid, ["sh", "-c", "sleep 0.5; stty size"], tty=True)
    async with docker.exec.start(eid, tty=True) as stream:
        await docker.exec.resize(eid, height=20, width=70)
        out, err = await stream.collect()
    assert err == b"" and out.strip() == b"20 70"


async def test_exec_in_missing_container(docker: Docker) -> None:
    """An exec in a container that does not exist is NoSuchContainer."""
    try:
        await docker.exec.create("dockproto-missing", ["true"])
    except dockproto.NotFound as exc:
        assert exc.status_code == 404
    else:
        raise AssertionError("exec create in a missing container succeeded")
