"""The leak hunt: every path that carries a secret, driven on every client and both
engines, and the secret found nowhere in what the library says about it.

For each path, the text searched is the ``repr`` and ``str`` of the requests (built by
the same builder with the same arguments), of the items and of the exceptions (with
their causes and contexts), and every line the ``dockproto`` loggers wrote at DEBUG.
``tests/leaks.py`` looks for the secret there as it is, JSON-escaped, and inside any
base64 token (both alphabets, every offset).  Each test also shows that the secret did
travel, unchanged: in the request's header or body, or in what a container saw.

The paths: pull, push (an error in the stream, and an error head), ``/auth``, a
credential helper (that answers, that fails printing the secret, that answers garbage
holding it), exec with a secret env, a container created with one, a Swarm secret's
creation, and a build with a secret build arg (one that passes, one that fails after it)
or credentials from the config; and, against the real registry (``scripts/registry``),
a push and a pull it accepts and one it refuses.
"""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import sys
import tarfile
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import dockproto
from dockproto import RegistryAuth, api

from ...leaks import SECRET, captured_log, everything_said, leaks
from ..harness import IMAGE
from .support import Containers, Docker, Loop
from .test_build import built

UNREACHABLE = "127.0.0.1:9"  # (the discard port: nothing listens there)


async def said(loop: Loop, call: Callable[[], Awaitable[Any]]) -> tuple[BaseException | None, str]:
    """Run ``call`` with the DEBUG log captured: the exception it raised (or None) and
    the log's text."""
    with captured_log() as log:
        error: BaseException | None = None
        try:
            async with loop.fail_after(120):
                await call()
        except Exception as exc:
            error = exc
    return error, log.getvalue()


def sent_auth(request: dockproto.Request[Any]) -> dict[str, Any]:
    """The credentials a request carries on the wire (its X-Registry-Auth, decoded)."""
    value = dict(request.headers)["X-Registry-Auth"]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(value))
    return decoded


def assert_clean(text: str, log: str, *expected: str) -> None:
    """No form of the secret in ``text`` or ``log``; and the log did see the requests
    (each of ``expected`` is in it), so that a silent log cannot pass for a clean one."""
    for part in expected:
        assert part in log, f"{part!r} not logged:\n{log}"
    assert leaks(text + "\n" + log) == [], f"the secret leaked:\n{text}\n{log}"


def auth_of(form: str) -> Any:
    if form == "RegistryAuth":
        return RegistryAuth(username="leaktest", password=SECRET, serveraddress=UNREACHABLE)
    return {"username": "leaktest", "password": SECRET, "serveraddress": UNREACHABLE}


@pytest.mark.slow_on("podman", "podman 4.3 retries an unreachable registry for 3 s")
@pytest.mark.parametrize("form", ["RegistryAuth", "dict"])
async def test_pull(docker: Docker, loop: Loop, form: str) -> None:
    """A pull with credentials that the daemon cannot use: its error, the request, the
    progress and the log never show the password."""
    auth = auth_of(form)
    name = f"{UNREACHABLE}/dockproto/leak"
    items: list[Any] = []

    async def pull() -> None:
        async for item in docker.images.pull(name, tag="x", auth=auth):
            items.append(item)

    error, log = await said(loop, pull)
    assert isinstance(error, dockproto.DockerError)
    request = api.images.pull(name, tag="x", auth=auth)
    assert sent_auth(request)["password"] == SECRET  # sent unchanged
    mine = [auth] if isinstance(auth, RegistryAuth) else []  # (a dict is the user's own)
    text = everything_said(error, request, *mine, *items)
    assert_clean(text, log, "POST /v1.", "/images/create?fromImage=127.0.0.1%3A9")


@pytest.mark.slow_on("podman", "podman 4.3 retries an unreachable registry for 3 s")
async def test_push(docker: Docker, loop: Loop) -> None:
    """Push with credentials: to an unreachable registry (an error in the stream or in
    the head), and of an image that does not exist (an error head)."""
    auth = auth_of("RegistryAuth")
    name = f"{UNREACHABLE}/dockproto-leak-{uuid.uuid4().hex[:10]}"
    missing = f"dockproto-leak/missing-{uuid.uuid4().hex[:10]}"
    await docker.images.tag(IMAGE, name, "v1")
    try:
        errors: list[BaseException | None] = []
        logs = []
        for image in (name, missing):

            async def push(image: str = image) -> None:
                async for _ in docker.images.push(image, tag="v1", auth=auth):
                    pass

            error, log = await said(loop, push)
            errors.append(error)
            logs.append(log)
    finally:
        await docker.images.rm(f"{name}:v1")
    assert all(isinstance(e, dockproto.DockerError) for e in errors), errors
    request = api.images.push(name, tag="v1", auth=auth)
    assert sent_auth(request)["password"] == SECRET
    text = everything_said(*errors, request, api.images.push(missing, "v1", auth))
    assert_clean(text, "\n".join(logs), "/push?tag=v1")


async def test_auth(docker: Docker, loop: Loop) -> None:
    """``POST /auth`` against a registry that is not there: the daemon's refusal, the
    request (whose body holds the password) and the log never show it."""
    error, log = await said(loop, lambda: docker.auth("leaktest", SECRET, UNREACHABLE))
    assert isinstance(error, dockproto.DockerError)
    request = api.system.auth("leaktest", SECRET, UNREACHABLE)
    assert request.body is not None and json.loads(request.body)["password"] == SECRET
    assert_clean(everything_said(error, request), log, "POST /v1.", "/auth ")


HELPER = """\
import json, sys
server = sys.stdin.read().strip()
secret = {secret!r}
mode = sys.argv[0].rsplit("-", 1)[-1]
if mode == "ok":
    print(json.dumps({{"ServerURL": server, "Username": "leaktest", "Secret": secret}}))
elif mode == "fail":
    print("no credentials for " + server + ": " + secret)
    print(secret, file=sys.stderr)
    sys.exit(1)
else:
    print("Username=leaktest Secret=" + secret)
"""


def install_helpers(tmp_path: Any, monkeypatch: Any) -> None:
    """``docker-credential-dockproto-{ok,fail,garbage}`` on PATH, and a config.json that
    names them for three registries."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for mode in ("ok", "fail", "garbage"):
        script = bin_dir / f"docker-credential-dockproto-{mode}"
        script.write_text(f"#!{sys.executable}\n" + HELPER.format(secret=SECRET))
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    helpers = {
        UNREACHABLE: "dockproto-ok",
        "127.0.0.1:10": "dockproto-fail",
        "127.0.0.1:11": "dockproto-garbage",
    }
    (tmp_path / "config.json").write_text(json.dumps({"credHelpers": helpers}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


async def test_credential_helper(
    docker: Docker, loop: Loop, tmp_path: Any, monkeypatch: Any
) -> None:
    """A helper's answer is used (and shown only redacted); a helper that fails, or
    answers something that is not JSON, while printing the secret, is a
    ``CredentialError`` without it."""
    install_helpers(tmp_path, monkeypatch)
    found = await docker.auth_for(f"{UNREACHABLE}/dockproto/leak")
    assert isinstance(found, RegistryAuth) and found["password"] == SECRET

    async def pull(registry: str) -> None:
        async for _ in docker.images.pull(f"{registry}/dockproto/leak", tag="x"):
            pass

    error, log = await said(loop, lambda: pull(UNREACHABLE))
    assert isinstance(error, dockproto.DockerError)
    failed, fail_log = await said(loop, lambda: pull("127.0.0.1:10"))
    garbage, garbage_log = await said(loop, lambda: pull("127.0.0.1:11"))
    assert isinstance(failed, dockproto.CredentialError) and "failed (1)" in str(failed)
    assert isinstance(garbage, dockproto.CredentialError) and "not JSON" in str(garbage)
    text = everything_said(found, error, failed, garbage)
    assert_clean(text, log + fail_log + garbage_log, "/images/create?fromImage=127.0.0.1%3A9")


async def test_exec_env(docker: Docker, loop: Loop, containers: Containers) -> None:
    """An exec with a secret env: the container sees the value unchanged (exit 0 when
    it matches); the requests, the result and the log never show it."""
    cid = await containers.create(["sleep", "60"])
    await docker.containers.start(cid)
    env = {"TOKEN": SECRET, "EXPECT": SECRET}
    check = ["sh", "-c", 'test "$TOKEN" = "$EXPECT" && test ${#TOKEN} = ' + str(len(SECRET))]
    results = []

    async def run() -> None:
        results.append(await docker.exec.run(cid, check, env=env))
        exec_id = await docker.exec.create(cid, check, env=env)
        async with docker.exec.start(exec_id) as stream:
            results.append(await stream.collect())
        results.append(await docker.exec.exit_code(exec_id))

    error, log = await said(loop, run)
    assert error is None, error
    assert results[0].exit_code == 0 and results[2] == 0, results
    request = api.exec.create(cid, check, env=env)
    assert request.body is not None and f"TOKEN={SECRET}" in json.loads(request.body)["Env"]
    assert_clean(everything_said(request, *results), log, "/exec ", "stream opened: POST")


async def test_create_env(docker: Docker, loop: Loop, containers: Containers) -> None:
    """A container created with a secret env sees it unchanged; a create the daemon
    refuses (no such image) says nothing of it either."""
    env = {"TOKEN": SECRET}
    missing = f"dockproto-leak/missing-{uuid.uuid4().hex[:10]}:1"
    codes: list[int] = []

    async def create() -> None:
        check = ["sh", "-c", f"test ${{#TOKEN}} = {len(SECRET)}"]
        cid = await containers.create(check, env=env)
        await docker.containers.start(cid)
        codes.append(await docker.containers.wait(cid))

    error, log = await said(loop, create)
    assert error is None and codes == [0], (error, codes)
    refused, refused_log = await said(loop, lambda: docker.containers.create(missing, env=env))
    assert isinstance(refused, dockproto.NotFound)
    request = api.containers.create(missing, env=env)
    assert request.body is not None and json.loads(request.body)["Env"] == [f"TOKEN={SECRET}"]
    text = everything_said(refused, request)
    assert_clean(text, log + refused_log, "POST /v1.", "/containers/create")


# -- against the real registry (scripts/registry): the password works, and never shows ---

REGISTRY = os.environ.get("DOCKPROTO_REGISTRY", "")


@pytest.mark.skipif(
    not REGISTRY and os.environ.get("DOCKPROTO_REQUIRE_ENGINES") != "1",
    reason="no registry (scripts/registry start)",
)
async def test_registry_push_pull(
    docker: Docker, loop: Loop, tmp_path: Any, monkeypatch: Any
) -> None:
    """A real push (the password given in a ``RegistryAuth``) and pull (the password from
    config.json's ``auths``) that the registry accepts, and a pull with a wrong password
    that it refuses: the password, which did travel, shows nowhere in the requests, the
    progress, the errors, the credentials looked up or the DEBUG log."""
    assert REGISTRY, "no registry: run scripts/registry start and export its lines"
    user = os.environ["DOCKPROTO_REGISTRY_USER"]
    password = os.environ["DOCKPROTO_REGISTRY_PASSWORD"]
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {REGISTRY: {"auth": token}}}))
    auth = RegistryAuth(username=user, password=password, serveraddress=REGISTRY)
    wrong = RegistryAuth(username=user, password="x" + password, serveraddress=REGISTRY)
    name = f"{REGISTRY}/dp/leak-{uuid.uuid4().hex[:10]}"
    items: list[Any] = []

    async def push_then_pull() -> None:
        items.extend([m async for m in docker.images.push(name, tag="v1", auth=auth)])
        await docker.images.rm(f"{name}:v1")
        items.extend([m async for m in docker.images.pull(name, tag="v1")])

    async def refused_pull() -> None:
        async for _ in docker.images.pull(name, tag="v1", auth=wrong):
            pass

    await docker.images.tag(IMAGE, name, "v1")
    try:
        error, log = await said(loop, push_then_pull)
        refused, refused_log = await said(loop, refused_pull)
    finally:
        try:
            await docker.images.rm(f"{name}:v1")
        except dockproto.NotFound:
            pass
    assert error is None, error
    assert any("digest: sha256:" in str(m.value.get("status")) for m in items), items
    assert isinstance(refused, dockproto.DockerError), refused
    assert "unauthorized: authentication required" in refused.message
    found = await docker.auth_for(name)
    assert found == auth  # (what config.json gave the pull)
    requests = [
        api.images.push(name, "v1", auth),
        api.images.pull(name, "v1", auth=found),
        api.images.pull(name, "v1", auth=wrong),
    ]
    assert sent_auth(requests[0])["password"] == password  # sent unchanged
    text = everything_said(refused, found, auth, wrong, *requests, *items)
    said_log = log + refused_log
    for part in ("/push?tag=v1", "/images/create?fromImage=", "stream opened: POST"):
        assert part in said_log, f"{part!r} not logged:\n{said_log}"
    assert leaks(text + "\n" + said_log, password) == [], (
        f"the password leaked:\n{text}\n{said_log}"
    )


async def test_secret_create(docker: Docker, loop: Loop, engine: str) -> None:
    """A Swarm secret's data goes base64 in the body, unchanged; podman keeps it (its
    own secrets API), the shared dockerd refuses it (no swarm manager: SwarmUnavailable);
    neither the request, the answers, the error nor the log shows it.  (On the cluster,
    ``test_swarm.py`` reads a secret back in a task, as its SHA-256.)"""
    name = f"dp-leak-{uuid.uuid4().hex[:10]}"
    data = SECRET.encode()
    made: list[Any] = []

    async def create() -> None:
        made.append(await docker.secrets.create(name, data, labels={"dockproto": "leak"}))
        made.append(await docker.secrets.inspect(made[0]))
        made.append(await docker.secrets.list({"name": name}))

    error, log = await said(loop, create)
    try:
        if engine == "podman":
            assert error is None, error
            assert made[1]["Spec"]["Name"] == name and [s["ID"] for s in made[2]] == [made[0]]
        else:
            assert isinstance(error, dockproto.SwarmUnavailable), error
    finally:
        if made:
            await docker.secrets.rm(made[0])
    request = api.secrets.create(name, data, labels={"dockproto": "leak"})
    assert request.body is not None
    assert base64.b64decode(json.loads(request.body)["Data"]) == data
    assert_clean(everything_said(error, request, *made), log, "POST /v1.", "/secrets/create")


async def test_build_args(docker: Docker, loop: Loop, tmp_path: Any) -> None:
    """A build with a secret build arg: its RUN sees the value unchanged (the build
    passes only when it matches); a build that then fails raises a BuildError.  The
    requests, the progress, the error, its log and the DEBUG log never show it."""
    args = {"TOKEN": SECRET, "EXPECT": SECRET}
    check = f'RUN test "$TOKEN" = "$EXPECT" && test ${{#TOKEN}} = {len(SECRET)}\n'
    head = f"FROM {IMAGE}\nARG TOKEN\nARG EXPECT\n" + check
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "Dockerfile").write_text(head + f"LABEL leak={uuid.uuid4().hex}\n")
    (tmp_path / "fails").mkdir()
    (tmp_path / "fails" / "Dockerfile").write_text(head + "RUN echo failing now && exit 7\n")
    items: list[Any] = []
    async with built(docker, loop) as made:

        async def build(context: str) -> None:
            stream = docker.images.build(context, buildargs=args, forcerm=True)
            try:
                async for item in stream:
                    items.append(item)
            finally:
                made.saw(stream.log, stream.image_id)

        error, log = await said(loop, lambda: build(str(tmp_path / "ok")))
        assert error is None, error
        failed, fail_log = await said(loop, lambda: build(str(tmp_path / "fails")))
    assert isinstance(failed, dockproto.BuildError) and "failing now" in failed.log, failed
    request = api.images.build(buildargs=args, forcerm=True)
    assert json.loads(dict(request.query)["buildargs"]) == args  # sent unchanged
    text = everything_said(failed, request, *items)
    assert_clean(text, log + fail_log, "POST /v1.", "&buildargs=%7B%22TOKEN%22%3A%22<redacted>")


async def test_build_registry_config(
    docker: Docker, loop: Loop, tmp_path: Any, monkeypatch: Any
) -> None:
    """A build carries every registry's credentials from the CLI's config in
    X-Registry-Config: a helper's answer is in it (helpers that fail are left out, as
    the CLI leaves them); the build, its request and the log never show the secret."""
    install_helpers(tmp_path, monkeypatch)
    configs = await docker.registry_config()
    assert set(configs) == {UNREACHABLE} and configs[UNREACHABLE]["password"] == SECRET
    data = b"FROM " + IMAGE.encode() + b"\nLABEL leak=" + uuid.uuid4().hex.encode() + b"\n"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    items: list[Any] = []
    async with built(docker, loop) as made:

        async def build() -> None:
            stream = docker.images.build(buf.getvalue())
            async for item in stream:
                items.append(item)
            made.saw(stream.log, stream.image_id)

        error, log = await said(loop, build)
    assert error is None, error
    request = api.images.build(auth_configs=configs)
    sent = json.loads(base64.urlsafe_b64decode(dict(request.headers)["X-Registry-Config"]))
    assert sent[UNREACHABLE]["password"] == SECRET  # sent unchanged
    assert_clean(everything_said(request, configs, *items), log, "POST /v1.", "/build ")
