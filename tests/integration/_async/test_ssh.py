"""ssh:// hosts against the private sshd (``scripts/sshd``), whose sessions reach the
private dockerd: each connection is an ``ssh ... docker system dial-stdio`` child of
this process, with a home of the test's own (``sshenv.ssh_home``: ``~/.ssh/config``, a
key, ``known_hosts``).  dockerd only: the ssh side is the client's, whatever the engine.
The pool of whole-answer connections is bounded (``SSH_MAX_CONNECTIONS``); a stream has
a child of its own.

Every test checks that no ssh child outlives what it was for: after a client closes,
after a refused connection, after a cancelled stream (``/proc``: running or unreaped).
"""

from __future__ import annotations

import socket
import threading
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from dockproto import DockerConnectionError
from dockproto._hosts import SSH_MAX_CONNECTIONS

from ..harness import IMAGE
from ..sshenv import ssh_children, ssh_home
from .support import Containers, Docker, Loop

pytestmark = pytest.mark.engines("docker")


async def test_version_over_ssh(docker: Docker, loop: Loop, tmp_path: Path) -> None:
    """version() through ssh is the daemon's (the same as over its socket), the ssh
    config's alias, port, user and key honoured; closing the client ends its children."""
    with ssh_home(tmp_path) as ssh:
        async with loop.open_docker(ssh.host, env=ssh.env) as remote:
            assert remote._io.spec.kind == "ssh"
            version = await remote.version()
            assert version.version == (await docker.version()).version
            assert version.api_version
            assert 1 <= len(ssh_children()) <= SSH_MAX_CONNECTIONS
        assert ssh_children() == []


async def test_run_with_stdin_half_close(loop: Loop, tmp_path: Path) -> None:
    """containers.run with stdin over ssh: the attach is a hijacked stream through the
    ssh child, stdin ends by closing ssh's stdin, and the output still comes back."""
    with ssh_home(tmp_path) as ssh:
        async with loop.open_docker(ssh.host, env=ssh.env) as remote:
            result = await remote.containers.run(
                IMAGE,
                ["sh", "-c", "tr a-z A-Z; echo done >&2"],
                stdin=b"over ssh\n",
                remove=True,
                networking=False,
            )
            assert (result.exit_code, result.stdout, result.stderr) == (
                0,
                b"OVER SSH\n",
                b"done\n",
            )
        assert ssh_children() == []


async def test_logs_stream(containers: Containers, loop: Loop, tmp_path: Path) -> None:
    """A followed log through ssh streams each line as it comes (the second is written
    only once the first has come through), and ends with the container."""
    script = "echo one; while [ ! -e /tmp/go ]; do sleep 0.02; done; echo two >&2"
    cid = await containers.create(["sh", "-c", script])
    await containers.docker.containers.start(cid)
    got: list[tuple[str, bytes]] = []
    with ssh_home(tmp_path) as ssh:
        async with loop.open_docker(ssh.host, env=ssh.env) as remote:
            async with loop.fail_after(60):
                async with remote.containers.logs(cid, follow=True) as logs:
                    async for chunk in logs:
                        got.append((chunk.stream.name, chunk.data))
                        if len(got) == 1:
                            await containers.docker.exec.run(cid, ["touch", "/tmp/go"])
            assert got == [("STDOUT", b"one\n"), ("STDERR", b"two\n")]
        assert ssh_children() == []


class Sampler:
    """The most ssh children this process had at once, seen every millisecond by a
    thread of its own while the block runs (whatever the client's loop)."""

    def __init__(self) -> None:
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.001):
            self.most = max(self.most, len(ssh_children()))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def test_concurrent_requests_stay_within_the_bound(loop: Loop, tmp_path: Path) -> None:
    """Many requests at once over ssh: never more than SSH_MAX_CONNECTIONS ssh children
    (each one an ssh login; sshd's MaxStartups refuses bursts), every request answered."""
    answers: list[str] = []

    with ssh_home(tmp_path) as ssh:
        async with loop.open_docker(ssh.host, env=ssh.env, api_version="1.41") as remote:

            async def many(n: int) -> None:
                if n == 1:
                    answers.append((await remote.version()).version)
                    return
                half = n // 2
                await loop.run_both(lambda: many(half), lambda: many(n - half))

            with Sampler() as sampler:
                async with loop.fail_after(60):
                    await many(12)
            assert len(answers) == 12 and len(set(answers)) == 1
            assert 1 <= sampler.most <= SSH_MAX_CONNECTIONS, sampler.most
            assert remote._pool.opened <= SSH_MAX_CONNECTIONS
            assert len(ssh_children()) == remote._pool.idle
        assert ssh_children() == []


async def test_streams_beyond_the_pool(containers: Containers, loop: Loop, tmp_path: Path) -> None:
    """A stream has an ssh child of its own while it is open (the pool's bound is for
    whole answers, so that a call holding a stream never waits for itself): more streams
    than SSH_MAX_CONNECTIONS at once, each streaming, and requests answered meanwhile."""
    cid = await containers.create(["sh", "-c", "echo hi; exec sleep 600"])
    await containers.docker.containers.start(cid)
    with ssh_home(tmp_path) as ssh:
        async with loop.open_docker(ssh.host, env=ssh.env, api_version="1.41") as remote:
            async with AsyncExitStack() as stack:
                for _ in range(SSH_MAX_CONNECTIONS + 1):
                    logs = await stack.enter_async_context(remote.containers.logs(cid, follow=True))
                    assert (await logs.__anext__()).data == b"hi\n"
                assert (await remote.ping()) == "OK"
                assert len(ssh_children()) == SSH_MAX_CONNECTIONS + 1 + remote._pool.idle
            assert len(ssh_children()) == remote._pool.idle
        assert ssh_children() == []


async def test_unknown_host_key_refused(loop: Loop, tmp_path: Path) -> None:
    """A host key known_hosts does not hold: refused (never asked: BatchMode), one
    DockerConnectionError naming the host and ssh's reason; no child left."""
    with ssh_home(tmp_path, known=False) as ssh:
        async with loop.open_docker(ssh.host, env=ssh.env) as remote:
            with pytest.raises(DockerConnectionError) as info:
                async with loop.fail_after(30):
                    await remote.version()
            assert ssh_children() == []
        assert info.value.address == ssh.host
        assert "Host key verification failed" in info.value.reason
        assert str(info.value).startswith(f"cannot connect to the Docker daemon at {ssh.host}: ")
        assert (ssh.home / ".ssh" / "known_hosts").read_text() == ""  # (nothing added)
        assert ssh_children() == []


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_refused_port(loop: Loop, tmp_path: Path) -> None:
    """Nothing listening on the port: one DockerConnectionError naming the host and the
    refusal; no child left."""
    port = closed_port()
    host = f"ssh://root@127.0.0.1:{port}"
    with ssh_home(tmp_path) as ssh:
        async with loop.open_docker(host, env=ssh.env) as remote:
            with pytest.raises(DockerConnectionError) as info:
                async with loop.fail_after(30):
                    await remote.ping()
            assert ssh_children() == []
    assert info.value.address == host
    assert f"port {port}: Connection refused" in info.value.reason
    assert "ssh exited with status 255" in info.value.reason


async def test_cancelled_stream_leaves_no_ssh_child(
    containers: Containers, loop: Loop, tmp_path: Path
) -> None:
    """A followed log cancelled mid-stream (trio's and asyncio's cancellation; the
    blocking client's timeout): its ssh child is ended and reaped at once."""
    cid = await containers.create(["sh", "-c", "echo first; exec sleep 600"])
    await containers.docker.containers.start(cid)

    class Cancel(Exception):
        pass

    got: list[bytes] = []
    ended: list[bool] = []
    with ssh_home(tmp_path) as ssh:
        async with loop.open_docker(ssh.host, env=ssh.env) as remote:
            # (the login first: the stream then takes the pooled connection, so that
            # the blocking client's timeout counts idle time only, never a login's)
            assert await remote.ping() == "OK"

            async def follow() -> None:
                kwargs: dict[str, Any] = {"timeout": 1} if loop.name == "sync" else {}
                try:
                    async with remote.containers.logs(cid, follow=True, **kwargs) as logs:
                        async for chunk in logs:
                            got.append(chunk.data)
                finally:
                    ended.append(True)

            async def cancel_once_streaming() -> None:
                # (the blocking client's follow times out on its own, 1 s after the
                # output stops: this only watches)
                while not got and not ended:
                    await loop.sleep(0.02)
                if loop.name != "sync":
                    assert len(ssh_children()) == 1  # the stream's
                    raise Cancel

            async with loop.fail_after(60):
                with pytest.raises((Cancel, TimeoutError)):
                    await loop.run_both(follow, cancel_once_streaming)
            assert got == [b"first\n"]
            assert ssh_children() == []  # (the stream had the one connection)
            assert (await remote.ping()) == "OK"  # and the client goes on
        assert ssh_children() == []
