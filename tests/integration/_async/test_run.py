"""``containers.run`` on every client and both engines: output kept apart and whole,
exit codes, stdin, TTY, detach, remove, and a cancelled or timed-out run that leaves no
container running (none at all with ``remove=True``)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import dockproto

from ...leaks import captured_log
from ..harness import IMAGE
from .support import Docker, Loop

LABEL = "dockproto-test-run"


def labelled() -> tuple[dict[str, str], dict[str, list[str]]]:
    """A label of this test's own, and the filter that lists what carries it."""
    token = uuid.uuid4().hex[:12]
    return {LABEL: token}, {"label": [f"{LABEL}={token}"]}


async def _ours(docker: Docker, filters: dict[str, list[str]]) -> list[Any]:
    return await docker.containers.list(all=True, filters=filters)


async def _remove(docker: Docker, filters: dict[str, list[str]]) -> None:
    for c in await _ours(docker, filters):
        await docker.containers.rm(c.id, force=True)


async def test_output_apart_and_removed(docker: Docker) -> None:
    """stdout and stderr apart, exit 0, and with remove=True no container is left."""
    labels, filters = labelled()
    result = await docker.containers.run(
        IMAGE, ["sh", "-c", "echo out; echo err >&2"], remove=True, labels=labels
    )
    assert result == dockproto.RunResult(0, b"out\n", b"err\n")
    assert await _ours(docker, filters) == []


async def test_command_as_one_string(docker: Docker) -> None:
    """docker-py's first call: the command as one string, split as a shell does."""
    result = await docker.containers.run(IMAGE, "echo 'hello world'", remove=True)
    assert result.stdout == b"hello world\n"


async def test_output_of_a_quick_exit_is_whole(docker: Docker) -> None:
    """Attached before the start: a container that writes and exits at once loses
    nothing (64 KiB on each stream, ended by a marker)."""
    script = (
        "head -c 65536 /dev/zero | tr '\\0' o; echo END; head -c 65536 /dev/zero | tr '\\0' e >&2"
    )
    result = await docker.containers.run(IMAGE, ["sh", "-c", script], remove=True)
    assert result.stdout == b"o" * 65536 + b"END\n"
    assert result.stderr == b"e" * 65536


async def test_nonzero_exit(docker: Docker) -> None:
    """A non-zero exit raises ContainerError (code, command, image, stderr's tail);
    check=False returns the result instead."""
    cmd = ["sh", "-c", "echo partial; echo 'it broke' >&2; exit 3"]
    with pytest.raises(dockproto.ContainerError) as info:
        await docker.containers.run(IMAGE, cmd, remove=True)
    err = info.value
    assert isinstance(err, dockproto.DockerError)
    assert (err.exit_code, err.command, err.image) == (3, cmd, IMAGE)
    assert err.stderr == b"it broke\n" and err.result.stdout == b"partial\n"
    assert "exited with code 3: it broke" in str(err)
    result = await docker.containers.run(IMAGE, cmd, remove=True, check=False)
    assert (result.exit_code, result.stdout) == (3, b"partial\n")


async def test_stdin_then_half_closed(docker: Docker) -> None:
    """stdin bytes are written, then half-closed: ``cat`` sees its end and exits."""
    data = bytes(range(256)) * 512
    result = await docker.containers.run(
        IMAGE, ["sh", "-c", "cat; echo done >&2"], stdin=data, remove=True
    )
    assert result.stdout == data and result.stderr == b"done\n"


async def test_tty_output_all_in_stdout(docker: Docker) -> None:
    result = await docker.containers.run(
        IMAGE, ["sh", "-c", "echo out; echo err >&2"], tty=True, remove=True
    )
    assert result.stdout.replace(b"\r\n", b"\n") == b"out\nerr\n" and result.stderr == b""


async def test_detach(docker: Docker) -> None:
    """detach=True returns the id of a running container; with remove=True the
    engine removes it once it stops."""
    labels, filters = labelled()
    try:
        cid = await docker.containers.run(IMAGE, ["sleep", "60"], detach=True, labels=labels)
        assert (await docker.containers.inspect(cid))["State"]["Running"] is True
        gone = await docker.containers.run(IMAGE, ["true"], detach=True, remove=True, labels=labels)
        assert isinstance(gone, str) and len(gone) == 64
        await docker.containers.wait(gone, condition="removed")
        assert [c.id for c in await _ours(docker, filters)] == [cid]
    finally:
        await _remove(docker, filters)


async def test_missing_image_never_pulled(docker: Docker) -> None:
    """pull="never" with a missing image: NotFound naming the image, no container."""
    image = f"dockproto-test/missing-{uuid.uuid4().hex[:8]}:1"
    with pytest.raises(dockproto.NotFound) as info:
        await docker.containers.run(image, ["true"], pull="never")
    assert "missing-" in str(info.value)


async def test_bad_image_name_sends_nothing(docker: Docker) -> None:
    """An image name that does not parse is a ValueError before anything is sent."""
    with captured_log() as log:
        with pytest.raises(ValueError, match="invalid image reference"):
            await docker.containers.run("Not An/Image", ["true"])
    assert log.getvalue() == ""


@pytest.mark.parametrize("remove", [False, True], ids=["keep", "remove"])
async def test_cancelled_run_leaves_nothing_running(
    docker: Docker, loop: Loop, remove: bool
) -> None:
    """A run cancelled (or, blocking, timed out) while its container runs kills the
    container, and removes it with remove=True."""
    labels, filters = labelled()
    cmd = ["sh", "-c", "echo started; exec sleep 600"]

    class Running(Exception):
        pass

    ended: list[bool] = []

    async def run() -> None:
        kwargs: dict[str, Any] = {"timeout": 3} if loop.name == "sync" else {}
        try:
            await docker.containers.run(IMAGE, cmd, remove=remove, labels=labels, **kwargs)
        finally:
            ended.append(True)

    async def cancel_once_running() -> None:
        # (the blocking client's run times out on its own, 3 s after the output stops:
        # this only watches)
        while not ended and not [c for c in await _ours(docker, filters) if c.state == "running"]:
            await loop.sleep(0.05)
        if loop.name != "sync":
            raise Running

    try:
        async with loop.fail_after(120):
            with pytest.raises((Running, TimeoutError)):
                await loop.run_both(run, cancel_once_running)
        left = await _ours(docker, filters)
        if remove:
            assert left == []
        else:
            assert len(left) == 1 and left[0].state != "running", left
    finally:
        await _remove(docker, filters)
