"""The dockproto command against both engines."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import stat
import sys
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import trio

import dockproto
import dockproto_trio

from ._async.test_build import STEP_IMAGE
from .conftest import ENGINES, IMAGE, Containers


async def cli(engine: str, *args: str, stdin: bytes = b"") -> Any:
    return await trio.run_process(
        [sys.executable, "-m", "dockproto_sync", "-H", ENGINES[engine] or "", *args],
        stdin=stdin,
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )


async def test_version_ps_images(engine: str) -> None:
    """version, ps -a and images print what the daemon knows."""
    v = await cli(engine, "version")
    assert v.returncode == 0 and b"Server:" in v.stdout and b"API" in v.stdout
    ps = await cli(engine, "ps", "-a")
    assert ps.returncode == 0 and ps.stdout.startswith(b"CONTAINER ID")
    images = await cli(engine, "images")
    assert images.returncode == 0 and IMAGE.split(":")[0].encode() in images.stdout


async def test_run_streams_apart_and_exit_code(engine: str, docker: dockproto_trio.Docker) -> None:
    """run --rm prints stdout and stderr to their own streams and exits with the code."""
    name = f"dp-cli-{uuid.uuid4().hex[:8]}"
    done = await cli(
        engine, "run", "--rm", "--name", name, IMAGE, "sh", "-c", "echo out; echo err >&2; exit 4"
    )
    assert (done.returncode, done.stdout, done.stderr) == (4, b"out\n", b"err\n")
    assert await docker.containers.list(all=True, name=[name]) == []


async def test_run_interactive(engine: str) -> None:
    """run -i pipes stdin to the container and ends when it does."""
    done = await cli(engine, "run", "--rm", "-i", IMAGE, "sh", "-c", "tr a-z A-Z", stdin=b"shout\n")
    assert done.returncode == 0 and done.stdout == b"SHOUT\n"


async def test_logs_exec_export(engine: str, containers: Containers, tmp_path: Any) -> None:
    """logs, exec and export -o work on a running container."""
    cid = await containers.create(["sh", "-c", "echo started; sleep 600"])
    await containers.docker.containers.start(cid)
    with trio.fail_after(20):
        while b"started" not in (await cli(engine, "logs", cid)).stdout:
            await trio.sleep(0.05)
    ex = await cli(engine, "exec", cid, "sh", "-c", "echo in; exit 2")
    assert (ex.returncode, ex.stdout) == (2, b"in\n")
    out = tmp_path / "fs.tar"
    exp = await cli(engine, "export", "-o", str(out), cid)
    assert exp.returncode == 0
    with tarfile.open(out) as t:
        assert "bin/busybox" in t.getnames()


async def test_import_and_events(engine: str, docker: dockproto_trio.Docker, tmp_path: Any) -> None:
    """import reads a tar file with progress; events replays a window."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo("hello")
        info.size = 2
        t.addfile(info, io.BytesIO(b"hi"))
    path = tmp_path / "rootfs.tar"
    path.write_bytes(buf.getvalue())
    ref = f"dockproto-test/cli-{uuid.uuid4().hex[:8]}:latest"
    since = str(int(time.time()) - 1)
    imp = await cli(engine, "import", str(path), ref)
    assert imp.returncode == 0, imp.stderr
    await docker.images.inspect(ref)
    await docker.images.rm(ref, force=True)
    # The window's end at least a second ahead: podman 4.3 stops replaying its log as
    # soon as ``until`` has passed, so a window that ends now or earlier gives only
    # what it read by then, often nothing (docs/engines.md).
    until = int(time.time()) + 2
    ev = await cli(engine, "events", "--since", since, "--until", str(until))
    assert ev.returncode == 0 and ref.encode() in ev.stdout


async def test_errors_are_one_line(engine: str) -> None:
    """A daemon error is one line on stderr and exit code 125, no traceback."""
    done = await cli(engine, "logs", "dockproto-no-such-container")
    assert done.returncode == 125
    assert done.stderr.startswith(b"dockproto: Error response from daemon:")
    assert b"Traceback" not in done.stderr


async def test_unreachable_daemon(tmp_path: Any) -> None:
    """An address that does not answer is named in one clear line."""
    sock = str(tmp_path / "none.sock")
    done = await trio.run_process(
        [sys.executable, "-m", "dockproto_sync", "-H", f"unix://{sock}", "ps"],
        capture_stdout=True, capture_stderr=True, check=False,
    )  # fmt: skip
    assert done.returncode == 125 and sock.encode() in done.stderr
    assert b"Traceback" not in done.stderr


REGISTRY = os.environ.get("DOCKPROTO_REGISTRY", "")


@pytest.mark.skipif(
    not REGISTRY and os.environ.get("DOCKPROTO_REQUIRE_ENGINES") != "1",
    reason="no registry (scripts/registry start)",
)
async def test_login_and_push(
    engine: str, docker: dockproto_trio.Docker, tmp_path: Any, monkeypatch: Any
) -> None:
    """login checks the password with the daemon (a wrong one stores nothing), then
    stores it as the docker CLI does: in config.json's auths (owner-only), or in the
    credential helper config.json names; push shows progress and prints the digest."""
    assert REGISTRY, "no registry: run scripts/registry start and export its lines"
    user = os.environ["DOCKPROTO_REGISTRY_USER"]
    password = os.environ["DOCKPROTO_REGISTRY_PASSWORD"]
    config = tmp_path / "docker-config"  # (login makes it)
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    login = ("login", REGISTRY, "-u", user, "--password-stdin")
    wrong = await cli(engine, *login, stdin=b"x" + password.encode() + b"\n")
    assert wrong.returncode == 125 and b"401 Unauthorized" in wrong.stderr, wrong.stderr
    assert not config.exists()
    ok = await cli(engine, *login, stdin=password.encode() + b"\n")
    assert (ok.returncode, ok.stdout) == (0, b"Login Succeeded\n"), ok.stderr
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    path = config / "config.json"
    assert json.loads(path.read_text()) == {"auths": {REGISTRY: {"auth": token}}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    name = f"{REGISTRY}/dp/cli-{uuid.uuid4().hex[:8]}"
    await docker.images.tag(IMAGE, name, "v1")
    try:
        pushed = await cli(engine, "push", f"{name}:v1")  # (with what login stored)
    finally:
        await docker.images.rm(f"{name}:v1")
    assert pushed.returncode == 0, pushed.stderr
    assert re.fullmatch(rb"v1: digest: sha256:[0-9a-f]{64} size: \d+\n", pushed.stdout)
    assert f"The push refers to repository [{name}".encode() in pushed.stderr

    # a credential helper for the registry: the secret goes to it, not into config.json
    helper = tmp_path / "bin" / "docker-credential-dptest"
    helper.parent.mkdir()
    stored = tmp_path / "stored.json"
    helper.write_text(
        f"#!{sys.executable}\nimport sys\nassert sys.argv[1:] == ['store']\n"
        f"open({str(stored)!r}, 'w').write(sys.stdin.read())\n"
    )
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{helper.parent}{os.pathsep}{os.environ['PATH']}")
    path.write_text(json.dumps({"credHelpers": {REGISTRY: "dptest"}}))
    again = await cli(engine, *login, stdin=password.encode())
    assert again.returncode == 0, again.stderr
    assert json.loads(stored.read_text()) == {
        "ServerURL": REGISTRY, "Username": user, "Secret": password,
    }  # fmt: skip
    assert json.loads(path.read_text()) == {
        "credHelpers": {REGISTRY: "dptest"}, "auths": {REGISTRY: {}},
    }  # fmt: skip


async def test_build(engine: str, docker: dockproto_trio.Docker, tmp_path: Any) -> None:
    """build -t with a build arg, -f (relative to the working directory) and --target
    prints the build's lines and tags the image; a failing step exits 1 with the
    daemon's message; a context that is not there exits 1 before anything is sent."""
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "data").write_text("in the context\n")
    (tmp_path / "Build.df").write_text(
        f"FROM {IMAGE} AS first\nLABEL dockproto.cli={uuid.uuid4().hex}\n"  # (no cache)
        'ARG WORD\nCOPY data /data\nRUN echo "word=$WORD" && cat /data\n'
        "FROM first AS second\nRUN exit 9\n"
    )
    ref = f"dockproto-test/cli-build-{uuid.uuid4().hex[:8]}:v1"
    # (run from tmp_path, for -f: this tree's packages first, as from the project's root)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    base = (await docker.images.inspect(IMAGE))["Id"].split(":")[-1]
    made = []
    try:
        done = await trio.run_process(
            [sys.executable, "-m", "dockproto_sync", "-H", ENGINES[engine] or "", "build",
             "-t", ref, "--build-arg", "WORD=hello", "-f", "Build.df", "--target", "first",
             "ctx"],
            cwd=str(tmp_path), env=env, capture_stdout=True, capture_stderr=True, check=False,
        )  # fmt: skip
        made += STEP_IMAGE.findall(done.stdout.decode())
        assert done.returncode == 0, done.stderr
        assert b"word=hello\n" in done.stdout and b"in the context\n" in done.stdout
        made.append((await docker.images.inspect(ref))["Id"])
        failed = await trio.run_process(
            [sys.executable, "-m", "dockproto_sync", "-H", ENGINES[engine] or "", "build",
             "-f", "Build.df", "--build-arg", "WORD=x", "--force-rm", "ctx"],
            cwd=str(tmp_path), env=env, capture_stdout=True, capture_stderr=True, check=False,
        )  # fmt: skip
        made += STEP_IMAGE.findall(failed.stdout.decode())
        assert failed.returncode == 1 and b"Traceback" not in failed.stderr
        assert failed.stderr.startswith(b"dockproto: ") and b"9" in failed.stderr
        assert b"word=x" in failed.stdout
    finally:
        try:
            await docker.images.rm(ref)
        except dockproto.DockerError:
            pass  # (never made)
        for image in reversed(made):
            if not base.startswith(image.split(":")[-1]):
                try:
                    await docker.images.rm(image, force=True)
                except dockproto.DockerError:
                    pass  # (gone with the image it was a layer of)
    missing = await cli(engine, "build", "-t", ref, str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and b"does not exist" in missing.stderr
