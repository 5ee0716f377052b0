"""Hostile archives served by a fake daemon for export, get_archive and image save.

``await tar.extract(dest)`` must refuse them as ``extract_items`` does, close the
connection it read them from, and leave the client working, with or without
``async with`` around the stream.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import trio
import trio.testing

import dockproto
import dockproto_trio
from dockproto import UnsafeArchiveError

from ..fakedaemon import Seen, json_answer
from ..faults.wire import CHUNKED_HEAD, chunk, open_fds, serve
from .archives import M, build, snapshot

VERSION = {"ApiVersion": "1.41", "Version": "20.10.24"}


def hostile(out: str) -> dict[str, bytes]:
    return {
        "benign": build(
            [
                M("etc/", kind="dir", mode=0o755),
                M("etc/hosts", data=b"127.0.0.1\n"),
                M("bin/sh", kind="symlink", link="/bin/busybox"),
            ]
        ),
        "dotdot": build([M("ok", data=b"1"), M("../outside/pwned", data=b"x")]),
        "absolute": build([M(f"{out}/pwned", data=b"x")]),
        "symlink-escape": build([M("l", kind="symlink", link=out), M("l/pwned", data=b"x")]),
        "hardlink-escape": build(
            [M("d", kind="symlink", link=out), M("h", kind="hardlink", link="d/secret")]
        ),
        "device": build([M("dev/sda", kind="blk"), M("ok", data=b"1")]),
        "cut-off": build([M("big", data=b"z" * 20000)])[:9000],
    }


def answer(archive: bytes, cut: bool) -> bytes:
    head = CHUNKED_HEAD.replace(
        b"\r\n\r\n", b"\r\nX-Docker-Container-Path-Stat: eyJuYW1lIjoiLyJ9\r\n\r\n"
    )
    body = b"".join(chunk(archive[i : i + 4096]) for i in range(0, len(archive), 4096))
    return head + body + (b"" if cut else b"0\r\n\r\n")


def open_tar(docker: dockproto_trio.Docker, endpoint: str) -> dockproto_trio.TarStream:
    if endpoint == "export":
        return docker.containers.export("c1")
    if endpoint == "get_archive":
        return docker.containers.get_archive("c1", "/")
    return docker.images.save("busybox")


@pytest.mark.parametrize("style", ["async-with", "bare"])
@pytest.mark.parametrize("endpoint", ["export", "get_archive", "save"])
@pytest.mark.parametrize(
    "case",
    ["benign", "dotdot", "absolute", "symlink-escape", "hardlink-escape", "device", "cut-off"],
)
async def test_extract_from_the_daemon(case: str, endpoint: str, style: str, tmp_path: Any) -> None:
    """Served archives extract safely or are refused; the socket is closed, no fd leaks."""
    out = str(tmp_path / "outside")
    os.makedirs(out)
    with open(os.path.join(out, "secret"), "wb") as f:
        f.write(b"secret")
    dest = str(tmp_path / "dest")
    world = snapshot(str(tmp_path), dest)
    archive = hostile(out)[case]

    async def handler(seen: Seen, stream: Any) -> bool:
        if seen.target.endswith("/version"):
            await stream.send_all(json_answer(VERSION))
            return True
        await stream.send_all(answer(archive, cut=case == "cut-off"))
        return case != "cut-off"

    expected: type[Exception] | None = {
        "benign": None,
        "device": None,
        "cut-off": dockproto.ProtocolError,
    }.get(case, UnsafeArchiveError)
    before = len(open_fds())
    async with serve(handler) as d:
        async with dockproto_trio.open_docker(d.host, api_version="1.41") as docker:
            written: list[str] = []
            tar = open_tar(docker, endpoint)  # (held: the garbage collector may not close it)
            try:
                if style == "async-with":
                    async with tar:
                        written = await tar.extract(dest)
                else:
                    written = await tar.extract(dest)
            except Exception as exc:
                assert expected is not None and isinstance(exc, expected), repr(exc)
            else:
                assert expected is None
            assert snapshot(str(tmp_path), dest) == world
            # Every connection the daemon took is closed or back in the pool: none is
            # left open waiting for the garbage collector.
            await trio.testing.wait_all_tasks_blocked()
            assert d.daemon.closed + docker._pool.idle == d.daemon.opened
            assert (await docker.version()).version == "20.10.24"
            assert docker._pool.idle <= 1
    assert len(open_fds()) == before
    if case == "benign":
        assert written == ["etc", "etc/hosts", "bin/sh"]
        with open(os.path.join(dest, "etc/hosts"), "rb") as hosts:
            assert hosts.read() == b"127.0.0.1\n"
    if case == "device":
        assert written == ["ok"]
