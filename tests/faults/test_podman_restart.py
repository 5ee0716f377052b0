"""The podman service restarted during a logs follow.

The shared podman service is never touched: this test starts a second ``podman system
service`` of its own on a private socket, over the same storage (podman is daemonless:
any number of podman processes share one store, as the CLI and the service do), follows
a container's logs through it, stops it, starts it again, and checks that the follow
ended with a typed error or a clean end and that the same client works afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator

import pytest
import trio

import dockproto
import dockproto_trio

from ..limits import teardown_limit
from .engines import IMAGE, engine_socket, unique
from .wire import open_fds

pytestmark = pytest.mark.integration


class PrivateService:
    """``podman system service`` on ``sock``, with the flags ``scripts/engines`` uses."""

    def __init__(self, run: str, sock: str, log: str) -> None:
        pod = os.path.join(run, "podman")
        with open(os.path.join(pod, "storage-driver")) as f:
            driver = f.read().strip() or "overlay"
        self.argv = [
            "podman", "--root", f"{pod}/root", "--runroot", f"{pod}/runroot",
            "--tmpdir", f"{pod}/tmp", "--storage-driver", driver,
            "--cgroup-manager", "cgroupfs", "--events-backend", "file",
            "--network-config-dir", f"{pod}/networks",
            "system", "service", "--time", "0", f"unix://{sock}",
        ]  # fmt: skip
        self.env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "CONTAINERS_CONF": f"{pod}/containers.conf",
            "CONTAINERS_STORAGE_CONF": f"{pod}/storage.conf",
            "XDG_RUNTIME_DIR": f"{pod}/xdg",
            "TMPDIR": f"{pod}/tmp",
        }
        self.sock = sock
        self.log = log
        self.proc: trio.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = await trio.lowlevel.open_process(
                self.argv, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        self.starts += 1

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s; waits for the process to be gone."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        with trio.move_on_after(15):
            await proc.wait()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    async def ready(self, docker: dockproto_trio.Docker) -> None:
        """Wait until the service answers (it is another process: polling is all we have)."""
        with trio.fail_after(60):
            while True:
                try:
                    assert await docker.ping() == "OK"
                    return
                except (dockproto_trio.DockerConnectionError, dockproto.ProtocolError):
                    await trio.sleep(0.1)


@pytest.fixture
async def private_podman() -> AsyncIterator[PrivateService]:
    shared = engine_socket("podman")
    run = os.path.dirname(shared)
    if not os.path.exists(os.path.join(run, "podman", "storage.conf")) or not shutil.which(
        "podman"
    ):
        pytest.skip("the podman engine is not the one scripts/engines runs")
    folder = tempfile.mkdtemp(prefix="dpp")
    service = PrivateService(run, os.path.join(folder, "p.sock"), os.path.join(folder, "log"))
    await service.start()
    try:
        yield service
    finally:
        with trio.CancelScope(shield=True), teardown_limit():
            await service.stop()
        shutil.rmtree(folder, ignore_errors=True)


COUNTER = "i=0; while [ $i -lt 1200 ]; do echo line$i; i=$((i+1)); sleep 0.05; done"


async def test_podman_restarted_during_follow(private_podman: PrivateService) -> None:
    """A follow across a service restart ends cleanly or with ProtocolError, never hangs;
    the same client then follows again, and no descriptor is left open."""
    service = private_podman
    before = len(open_fds())
    async with dockproto_trio.open_docker(f"unix://{service.sock}") as docker:
        await service.ready(docker)
        cid = await docker.containers.create(IMAGE, ["sh", "-c", COUNTER], name=unique())
        try:
            await docker.containers.start(cid)
            await docker.version()  # leaves an idle pooled connection to go stale
            got: list[bytes] = []
            outcome = ""
            with trio.fail_after(60):
                try:
                    async for chunk in docker.containers.logs(cid, follow=True, tty=False):
                        got.append(chunk.data)
                        if len(got) == 3:
                            await service.stop()
                    outcome = "clean end"
                except dockproto.ProtocolError as exc:
                    outcome = f"ProtocolError: {exc}"
            assert outcome, "the follow neither ended nor raised"
            assert len(got) >= 3 and got[0].startswith(b"line0")

            await service.start()
            await service.ready(docker)
            after: list[bytes] = []
            with trio.fail_after(60):
                async for chunk in docker.containers.logs(cid, follow=True, tty=False, tail=1):
                    after.append(chunk.data)
                    if len(after) == 3:
                        break
            assert all(line.startswith(b"line") for line in after)
            assert (await docker.containers.inspect(cid))["State"]["Running"]
        finally:
            with trio.CancelScope(shield=True):
                if service.proc is None:
                    await service.start()
                    await service.ready(docker)
                await docker.containers.rm(cid, force=True)
    print(f"follow across a restart: {outcome}")
    assert len(open_fds()) == before
